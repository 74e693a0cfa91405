package dev.edgeflow.pi4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.testkit.RecordingSubscriber;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SensorSourceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Instant AT = Instant.parse("2026-01-01T00:00:00.250Z");

    private final List<SensorSource> sources = new ArrayList<>();

    @AfterEach
    void closeSources() {
        sources.forEach(SensorSource::close);
    }

    private SensorSource track(SensorSource source) {
        sources.add(source);
        return source;
    }

    private static Reading reading(double temperature, double humidity) {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put(Reading.TEMPERATURE, temperature);
        values.put(Reading.HUMIDITY, humidity);
        return Reading.of(values, AT);
    }

    private static Reading counting(int n) {
        return Reading.of(Map.of(Reading.TEMPERATURE, (double) n), AT);
    }

    private static List<Message> messages(RecordingSubscriber<Delivery> subscriber) {
        return subscriber.items().stream().map(Delivery::message).collect(Collectors.toList());
    }

    @Test
    void emitsEachReadingAsTheTutorialsPayloadOnTheSensorsTopic() {
        ScriptedSensor dht = ScriptedSensor.computing("dht22", n -> reading(23.5, 45.2));
        SensorSource source = track(SensorSource.builder("RaspberryPi-001").sensor(dht, Duration.ofHours(1)).build());
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(1);

        await().atMost(TIMEOUT).until(() -> subscriber.count() == 1);
        Message m = messages(subscriber).get(0);
        assertThat(m.topic()).isEqualTo("sensor/RaspberryPi-001/dht22");
        assertThat(m.payloadAsString()).isEqualTo(
                "{\"device_id\":\"RaspberryPi-001\",\"temperature\":23.5,\"humidity\":45.2,\"timestamp\":1767225600}");
        assertThat(m.timestamp()).isEqualTo(AT);
        assertThat(m.header(SensorSource.SENSOR_HEADER)).isEqualTo("dht22");
        assertThat(m.header(SensorSource.KIND_HEADER)).isEqualTo("reading");
        assertThat(source.topicOf("dht22")).isEqualTo(m.topic());
    }

    @Test
    void writesWholeNumbersWithoutAFractionAndTimestampsInTheChosenFormat() {
        ScriptedSensor sensor = ScriptedSensor.computing("s", n -> reading(21, 50));
        SensorSource source = track(SensorSource.builder("pi").sensor(sensor, Duration.ofHours(1))
                .timestampFormat(SensorSource.TimestampFormat.ISO_8601).topic("home/{device}/{sensor}/data").build());
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(1);

        await().atMost(TIMEOUT).until(() -> subscriber.count() == 1);
        Message m = messages(subscriber).get(0);
        assertThat(m.topic()).isEqualTo("home/pi/s/data");
        assertThat(m.payloadAsString()).isEqualTo(
                "{\"device_id\":\"pi\",\"temperature\":21,\"humidity\":50,\"timestamp\":\"2026-01-01T00:00:00.250Z\"}");
    }

    @Test
    void keepsOnlyTheNewestReadingPerSensorWhileThePipelineAsksForNothing() {
        ScriptedSensor fast = ScriptedSensor.computing("fast", SensorSourceTest::counting);
        SensorSource source = track(SensorSource.builder("pi").sensor(fast, Duration.ofMillis(1)).build());
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);

        await().atMost(TIMEOUT).until(() -> fast.reads() >= 50);
        assertThat(subscriber.count()).as("deliveries without demand").isZero();
        subscriber.request(1);
        await().atMost(TIMEOUT).until(() -> subscriber.count() == 1);

        int delivered = messages(subscriber).get(0).payloadAsJson().path("temperature").asInt();
        assertThat(delivered).as("the reading handed out after 50 reads").isGreaterThanOrEqualTo(50);
        assertThat(source.supersededCount()).as("readings replaced by newer ones").isGreaterThanOrEqualTo(49);
        assertThat(source.supersededCount() + source.deliveredCount())
                .as("every reading is delivered, superseded, or the one waiting")
                .isBetween((long) delivered, (long) fast.reads());
    }

    @Test
    void handsOutWaitingReadingsOldestSensorFirstSoThatNoSensorStarves() {
        ScriptedSensor a = ScriptedSensor.blocking("a");
        ScriptedSensor b = ScriptedSensor.blocking("b");
        SensorSource source = track(SensorSource.builder("pi").sensor(a, Duration.ofMillis(1))
                .sensor(b, Duration.ofMillis(1)).build());
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);

        b.push(counting(1));
        await().atMost(TIMEOUT).until(() -> b.reads() == 2); // b's first reading waits
        a.push(counting(2));
        await().atMost(TIMEOUT).until(() -> a.reads() == 2);
        b.push(counting(3)); // replaces b's first, keeps b's place in the line
        await().atMost(TIMEOUT).until(() -> b.reads() == 3);
        subscriber.request(2);

        await().atMost(TIMEOUT).until(() -> subscriber.count() == 2);
        assertThat(messages(subscriber)).extracting(m -> m.payloadAsJson().path("temperature").asInt())
                .containsExactly(3, 2);
        assertThat(source.supersededCount()).isEqualTo(1);
    }

    @Test
    void reportsAFailingSensorAsAnErrorEventAndRetriesWithADoublingBackoffWhileOthersGoOn() {
        ScriptedSensor broken = ScriptedSensor.computing("bme280", n -> {
            throw new SensorException("no device answers at address 0x76 on I2C bus 1", true, null);
        });
        ScriptedSensor good = ScriptedSensor.computing("ds18b20", SensorSourceTest::counting);
        Clock clock = Clock.fixed(AT, ZoneOffset.UTC);
        SensorSource source = track(SensorSource.builder("pi").sensor(broken, Duration.ofMillis(1))
                .sensor(good, Duration.ofMillis(5)).retryBackoff(Duration.ofMillis(5), Duration.ofMillis(40))
                .clock(clock).build());
        List<Message> errors = new ArrayList<>();
        List<Message> readings = new ArrayList<>();
        RecordingSubscriber<Delivery> subscriber = new RecordingSubscriber<>(d -> {
            synchronized (errors) {
                ("error".equals(d.message().header(SensorSource.KIND_HEADER)) ? errors : readings).add(d.message());
            }
            d.ack();
        });
        source.subscribe(subscriber);
        subscriber.request(Long.MAX_VALUE);

        await().atMost(TIMEOUT).until(() -> broken.reads() >= 6);
        await().atMost(TIMEOUT).until(() -> {
            synchronized (errors) {
                return errors.size() >= 6 && readings.size() >= 3;
            }
        });
        synchronized (errors) {
            JsonNode first = errors.get(0).payloadAsJson();
            assertThat(errors.get(0).topic()).isEqualTo("sensor/pi/bme280/error");
            assertThat(first.path("device_id").asText()).isEqualTo("pi");
            assertThat(first.path("sensor").asText()).isEqualTo("bme280");
            assertThat(first.path("error").asText()).isEqualTo("no device answers at address 0x76 on I2C bus 1");
            assertThat(first.path("retryable").asBoolean()).isTrue();
            assertThat(first.path("timestamp").asLong()).isEqualTo(AT.getEpochSecond());
            // The first errors may be replaced before request() follows subscribe(): check the rule on each.
            int previous = 0;
            for (Message error : errors) {
                int failures = error.payloadAsJson().path("consecutive_failures").asInt();
                assertThat(failures).as("failures in a row, after %d", previous).isGreaterThan(previous);
                assertThat(error.payloadAsJson().path("retry_in_ms").asLong()).as("backoff after %d failures", failures)
                        .isEqualTo(Math.min(5L << Math.min(failures - 1, 10), 40L));
                previous = failures;
            }
            assertThat(previous).isGreaterThanOrEqualTo(6);
            assertThat(readings).allSatisfy(m -> assertThat(m.topic()).isEqualTo("sensor/pi/ds18b20"));
        }
        assertThat(source.failedReadCount()).isGreaterThanOrEqualTo(6);
        assertThat(subscriber.error()).isEmpty();
    }

    @Test
    void waitsTheLongestBackoffAtOnceWhenAFailureIsNotRetryable() {
        ScriptedSensor wrongChip = ScriptedSensor.computing("bme280", n -> {
            throw new SensorException("0x55 is not a BME280", false, null);
        });
        SensorSource source = track(SensorSource.builder("pi").sensor(wrongChip, Duration.ofMillis(1))
                .retryBackoff(Duration.ofMillis(5), Duration.ofMinutes(2)).build());
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(10);

        await().atMost(TIMEOUT).until(() -> subscriber.count() == 1);
        JsonNode error = messages(subscriber).get(0).payloadAsJson();
        assertThat(error.path("retryable").asBoolean()).isFalse();
        assertThat(error.path("retry_in_ms").asLong()).isEqualTo(Duration.ofMinutes(2).toMillis());
        assertThat(wrongChip.reads()).isEqualTo(1);
    }

    @Test
    void readsASensorOnAgainAtItsIntervalOnceItRecovers() {
        ScriptedSensor flaky = ScriptedSensor.blocking("dht22");
        SensorSource source = track(SensorSource.builder("pi").sensor(flaky, Duration.ofMillis(1))
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(1)).build());
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(Long.MAX_VALUE);

        flaky.push(new SensorException("EIO", true, null));
        await().atMost(TIMEOUT).until(() -> subscriber.count() == 1);
        flaky.push(counting(7));
        await().atMost(TIMEOUT).until(() -> subscriber.count() == 2);
        flaky.push(new SensorException("EIO again", true, null));
        await().atMost(TIMEOUT).until(() -> subscriber.count() == 3);

        List<Message> got = messages(subscriber);
        assertThat(got).extracting(m -> m.header(SensorSource.KIND_HEADER)).containsExactly("error", "reading", "error");
        assertThat(got.get(2).payloadAsJson().path("consecutive_failures").asInt())
                .as("failures in a row start again from one after a good reading").isEqualTo(1);
    }

    @Test
    void aSensorThatHangsHoldsOnlyItself() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        ScriptedSensor hung = ScriptedSensor.computing("hung", n -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new SensorException("interrupted", true, null);
        });
        ScriptedSensor good = ScriptedSensor.computing("good", SensorSourceTest::counting);
        SensorSource source = track(SensorSource.builder("pi").sensor(hung, Duration.ofMillis(1))
                .sensor(good, Duration.ofMillis(1)).build());
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(Long.MAX_VALUE);

        await().atMost(TIMEOUT).until(() -> subscriber.count() >= 20);
        assertThat(messages(subscriber)).allSatisfy(m -> assertThat(m.topic()).isEqualTo("sensor/pi/good"));
        source.close(); // interrupts the hung read
        await().atMost(TIMEOUT).until(subscriber::isCompleted);
    }

    @Test
    void completeDeliversWhatWaitsThenCompletesAndClosesTheSensors() {
        ScriptedSensor a = ScriptedSensor.computing("a", SensorSourceTest::counting);
        ScriptedSensor b = ScriptedSensor.computing("b", SensorSourceTest::counting);
        SensorSource source = track(SensorSource.builder("pi").sensor(a, Duration.ofHours(1))
                .sensor(b, Duration.ofHours(1)).build());
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        await().atMost(TIMEOUT).until(() -> a.reads() == 1 && b.reads() == 1);

        source.complete();
        assertThat(subscriber.isCompleted()).as("completed while readings wait").isFalse();
        subscriber.request(5);

        await().atMost(TIMEOUT).until(subscriber::isCompleted);
        assertThat(subscriber.count()).isEqualTo(2);
        assertThat(a.isClosed()).isTrue();
        assertThat(b.isClosed()).isTrue();
        assertThat(source.acknowledgedCount()).isEqualTo(2);
    }

    @Test
    void closeDropsWhatWaitsAndKeepsTheSensorsOpenWhenAskedTo() {
        ScriptedSensor a = ScriptedSensor.computing("a", SensorSourceTest::counting);
        SensorSource source = track(SensorSource.builder("pi").sensor(a, Duration.ofHours(1)).closeSensors(false)
                .build());
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        await().atMost(TIMEOUT).until(() -> a.reads() == 1);

        source.close();
        subscriber.request(5);
        await().atMost(TIMEOUT).until(subscriber::isCompleted);
        assertThat(subscriber.count()).isZero();
        assertThat(a.isClosed()).isFalse();
    }

    @Test
    void rejectsBadSettingsNamingTheSettingAndTheFix() {
        ScriptedSensor a = ScriptedSensor.computing("a", SensorSourceTest::counting);
        assertThatThrownBy(() -> SensorSource.builder("pi/1")).hasMessageContaining("device id 'pi/1' contains '/'");
        assertThatThrownBy(() -> SensorSource.builder("pi").sensor(a, Duration.ZERO))
                .hasMessageContaining("interval of sensor 'a' is PT0S; use 1 ms or more");
        assertThatThrownBy(() -> SensorSource.builder("pi").sensor(a, Duration.ofSeconds(1))
                .sensor(ScriptedSensor.computing("a", SensorSourceTest::counting), Duration.ofSeconds(1)))
                .hasMessageContaining("two sensors are named 'a'");
        assertThatThrownBy(() -> SensorSource.builder("pi").topic("sensor/{device}"))
                .hasMessageContaining("topic pattern 'sensor/{device}' must contain {sensor}");
        assertThatThrownBy(() -> SensorSource.builder("pi").retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("retryBackoff is PT2S to PT1S");
        assertThatThrownBy(() -> SensorSource.builder("pi").build())
                .hasMessageContaining("has no sensor; add one with sensor(sensor, interval)");
    }

    @Test
    void turnsAReadThatReturnsNothingIntoAnErrorEventNamingTheSensorClass() {
        ScriptedSensor nothing = ScriptedSensor.computing("null", n -> null);
        SensorSource source = track(SensorSource.builder("pi").sensor(nothing, Duration.ofMillis(1)).build());
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(1);

        await().atMost(TIMEOUT).until(() -> subscriber.count() == 1);
        assertThat(messages(subscriber).get(0).payloadAsJson().path("error").asText())
                .contains("returned no reading").contains(ScriptedSensor.class.getName());
    }
}
