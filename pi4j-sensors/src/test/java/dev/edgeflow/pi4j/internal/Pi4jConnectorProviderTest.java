package dev.edgeflow.pi4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.platform.MockPlatform;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;
import com.pi4j.plugin.mock.provider.pwm.MockPwm;
import com.pi4j.plugin.mock.provider.pwm.MockPwmProvider;
import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.pi4j.Reading;
import dev.edgeflow.pi4j.Sensor;
import dev.edgeflow.pi4j.SensorSource;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.InvalidOptionException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Pi4jConnectorProviderTest {
    private final List<Context> contexts = new ArrayList<>();
    private final AtomicInteger contextsMade = new AtomicInteger();
    private final List<ConnectorOptions> hardwareAsked = new CopyOnWriteArrayList<>();
    private final List<Sensor> hardwareSensors = new ArrayList<>();
    private final Pi4jConnectorProvider provider = new Pi4jConnectorProvider(this::mockContext, (options, pi4j) -> {
        hardwareAsked.add(options);
        return List.copyOf(hardwareSensors);
    });

    @AfterEach
    void shutDown() {
        contexts.forEach(Context::shutdown);
    }

    @Test
    void isFoundByItsScheme() {
        assertThat(Connectors.schemes()).contains("pi4j");
    }

    @Test
    void checkingReportsBadOptionsWithoutAPi4jContextOrHardware() {
        provider.checkSource(ConnectorOptions.fromUri(URI.create("pi4j://greenhouse-1?bme280=0x76&inputs=pir:23")));
        provider.checkSink(ConnectorOptions.fromUri(URI.create("pi4j://pi?outputs=relay:17,fan:pwm:18")));

        assertThatThrownBy(() -> provider.checkSource(ConnectorOptions.fromUri(
                URI.create("pi4j://greenhouse-1?bme280=0x76&intervall=1s"))))
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> assertThat(e.option()).isEqualTo("intervall"));
        assertThatThrownBy(() -> provider.checkSink(ConnectorOptions.fromUri(URI.create("pi4j://pi"))))
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> assertThat(e.option()).isEqualTo("outputs"));
        assertThat(contextsMade).as("Pi4J contexts made").hasValue(0);
        assertThat(hardwareAsked).as("hardware sensors asked for").isEmpty();
    }

    @Test
    void simulatedSensorsNeedNoPi4jContextAndPublishOnTheirTopics() {
        Source source = provider.createSource(ConnectorOptions.fromUri(
                URI.create("pi4j://greenhouse-1?simulate=bme280,ds18b20&interval=100ms&seed=7")));
        try {
            assertThat(source).isInstanceOf(SensorSource.class);
            assertThat(contextsMade).hasValue(0);
            List<Message> messages = take(source, 2);
            assertThat(messages).extracting(Message::topic)
                    .containsExactlyInAnyOrder("sensor/greenhouse-1/bme280", "sensor/greenhouse-1/ds18b20");
            String bme = payloadOn(messages, "sensor/greenhouse-1/bme280");
            assertThat(bme).contains("\"device_id\":\"greenhouse-1\"", "\"temperature\":", "\"humidity\":",
                    "\"pressure\":", "\"timestamp\":");
            assertThat(payloadOn(messages, "sensor/greenhouse-1/ds18b20")).contains("\"temperature\":")
                    .doesNotContain("humidity");
        } finally {
            source.close();
        }
    }

    @Test
    void messageOptionsReachTheSource() {
        Source source = provider.createSource(ConnectorOptions.of("pi4j", Map.of("device", "pi-7",
                "simulate", "dht22", "interval", "50ms", "topic", "devices/{device}/{sensor}/telemetry",
                "timestampFormat", "iso_8601", "name", "greenhouse")));
        try {
            assertThat(source.name()).isEqualTo("greenhouse");
            Message m = take(source, 1).get(0);
            assertThat(m.topic()).isEqualTo("devices/pi-7/dht22/telemetry");
            assertThat(new String(m.payload(), StandardCharsets.UTF_8)).matches(".*\"timestamp\":\"20\\d\\d-.*Z\".*");
        } finally {
            source.close();
        }
    }

    @Test
    void hardwareSensorsArePolledAndTheContextIsShutDownWithTheSource() {
        hardwareSensors.add(new FixedSensor("bme280", 21.5));
        Source source = provider.createSource(ConnectorOptions.fromUri(
                URI.create("pi4j://shed?bme280=0x76&interval=50ms")));
        assertThat(contextsMade).hasValue(1);
        assertThat(hardwareAsked).singleElement().satisfies(o -> assertThat(o.string("bme280")).hasValue("0x76"));
        Message m = take(source, 1).get(0);
        assertThat(m.topic()).isEqualTo("sensor/shed/bme280");
        assertThat(new String(m.payload(), StandardCharsets.UTF_8)).contains("\"temperature\":21.5");
        source.close();
        assertThat(contexts.get(0).isShutdown()).isTrue();
    }

    @Test
    void inputsBecomeEventMessages() {
        Source source = provider.createSource(ConnectorOptions.fromUri(
                URI.create("pi4j://hall?inputs=pir:23,door:24:up:activeLow&debounce=1ms")));
        try {
            List<Message> received = new CopyOnWriteArrayList<>();
            subscribe(source, received);
            MockDigitalInput pir = mockIo(contexts.get(0), 23, MockDigitalInput.class);
            pir.mockState(DigitalState.HIGH);
            await().atMost(5, TimeUnit.SECONDS).until(() -> !received.isEmpty());
            Message event = received.get(0);
            assertThat(event.topic()).isEqualTo("sensor/hall/pir");
            assertThat(new String(event.payload(), StandardCharsets.UTF_8))
                    .contains("\"input\":\"pir\"", "\"pin\":23", "\"active\":true");
        } finally {
            source.close();
        }
        assertThat(contexts.get(0).isShutdown()).isTrue();
    }

    @Test
    void sinkDrivesTheOutputsItNamesAndSwitchesThemOffOnClose() throws Exception {
        Sink sink = provider.createSink(ConnectorOptions.fromUri(
                URI.create("pi4j://pi?outputs=relay:17,led:22:activeLow,fan:pwm:18:2&pwmFrequency=25000")));
        Context pi4j = contexts.get(0);
        sink.send(Message.of("cmd", "{\"pin\":17,\"state\":\"on\"}".getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        sink.send(Message.of("cmd", "{\"fan\":\"40\",\"led\":\"on\"}".getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        MockDigitalOutput relay = mockIo(pi4j, 17, MockDigitalOutput.class);
        MockDigitalOutput led = mockIo(pi4j, 22, MockDigitalOutput.class);
        MockPwm fan = mockIo(pi4j, 2, MockPwm.class);
        assertThat(relay.state()).isEqualTo(DigitalState.HIGH);
        assertThat(led.state()).isEqualTo(DigitalState.LOW);
        assertThat(fan.dutyCycle()).isEqualTo(40f);
        assertThat(fan.frequency()).isEqualTo(25000);

        sink.close();
        assertThat(relay.state()).isEqualTo(DigitalState.LOW);
        assertThat(led.state()).isEqualTo(DigitalState.HIGH);
        assertThat(pi4j.isShutdown()).isTrue();
    }

    @Test
    void offOnCloseFalseLeavesOutputsAsTheyAre() throws Exception {
        Sink sink = provider.createSink(ConnectorOptions.fromUri(
                URI.create("pi4j://pi?outputs=heater:5&offOnClose=false")));
        Context pi4j = contexts.get(0);
        sink.send(Message.of("cmd", "{\"heater\":\"on\"}".getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        MockDigitalOutput heater = mockIo(pi4j, 5, MockDigitalOutput.class);
        sink.close();
        assertThat(heater.state()).isEqualTo(DigitalState.HIGH);
    }

    @Test
    void badSourceOptionsNameTheOptionAndTheFix() {
        assertThatThrownBy(() -> provider.createSource(ConnectorOptions.of("pi4j", Map.of("simulate", "bme280"))))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("needs a device id")
                .hasMessageContaining("?device=");
        assertThatThrownBy(() -> source("pi4j://pi"))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("has no sensors or inputs")
                .hasMessageContaining("?simulate=bme280");
        assertThatThrownBy(() -> source("pi4j://pi?simulate=bme680"))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("bme680")
                .hasMessageContaining("bme280, ds18b20, dht22");
        assertThatThrownBy(() -> source("pi4j://pi?simulate=dht22,dht22"))
                .hasMessageContaining("'dht22' twice");
        assertThatThrownBy(() -> source("pi4j://pi?inputs=pir"))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("entry 'pir'")
                .hasMessageContaining("pir:23");
        assertThatThrownBy(() -> source("pi4j://pi?inputs=pir:twenty"))
                .hasMessageContaining("pin 'twenty' is not a BCM GPIO number");
        assertThatThrownBy(() -> source("pi4j://pi?inputs=pir:23:sideways"))
                .hasMessageContaining(":up or :down");
        assertThatThrownBy(() -> source("pi4j://pi?simulate=bme280&intervall=5s"))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("intervall");
        assertThatThrownBy(() -> source("pi4j://pi?simulate=bme280&topic=sensor/fixed"))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("option 'topic'");
        assertThat(contextsMade).hasValue(0);
    }

    @Test
    void badSinkOptionsNameTheOptionAndTheFix() {
        assertThatThrownBy(() -> sink("pi4j://pi"))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("outputs");
        assertThatThrownBy(() -> sink("pi4j://pi?outputs=relay"))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("entry 'relay'")
                .hasMessageContaining("relay:17,fan:pwm:18");
        assertThatThrownBy(() -> sink("pi4j://pi?outputs=relay:17,relay:18"))
                .hasMessageContaining("'relay' twice");
        assertThatThrownBy(() -> sink("pi4j://pi?outputs=relay:99"))
                .hasMessageContaining("pin '99' is not a BCM GPIO number");
        assertThat(contextsMade).hasValue(0);
    }

    @Test
    void aFailingOutputShutsTheContextDownAndClosesWhatWasOpened() {
        // Two outputs on one pin: Pi4J refuses the second, so the first must be released again.
        assertThatThrownBy(() -> sink("pi4j://pi?outputs=relay:17,lamp:17")).isInstanceOf(RuntimeException.class);
        assertThat(contexts).singleElement().satisfies(c -> assertThat(c.isShutdown()).isTrue());
    }

    private Source source(String uri) {
        return provider.createSource(ConnectorOptions.fromUri(URI.create(uri)));
    }

    private Sink sink(String uri) {
        return provider.createSink(ConnectorOptions.fromUri(URI.create(uri)));
    }

    private Context mockContext() {
        contextsMade.incrementAndGet();
        Context c = Pi4J.newContextBuilder().add(new MockPlatform())
                .add(MockDigitalInputProvider.newInstance(), MockDigitalOutputProvider.newInstance(),
                        MockPwmProvider.newInstance())
                .build();
        contexts.add(c);
        return c;
    }

    private static <T> T mockIo(Context pi4j, int address, Class<T> type) {
        return pi4j.registry().all().values().stream().filter(type::isInstance)
                .filter(io -> ((com.pi4j.config.AddressConfig<?>) io.config()).address() == address)
                .map(type::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " at " + address));
    }

    private static String payloadOn(List<Message> messages, String topic) {
        return messages.stream().filter(m -> m.topic().equals(topic)).findFirst()
                .map(m -> new String(m.payload(), StandardCharsets.UTF_8)).orElseThrow();
    }

    private static List<Message> take(Source source, int count) {
        List<Message> received = new CopyOnWriteArrayList<>();
        subscribe(source, received);
        await().atMost(10, TimeUnit.SECONDS).until(() -> received.stream().map(Message::topic).distinct().count()
                >= count);
        List<Message> firstPerTopic = new ArrayList<>();
        received.stream().filter(m -> firstPerTopic.stream().noneMatch(f -> f.topic().equals(m.topic())))
                .forEach(firstPerTopic::add);
        return firstPerTopic;
    }

    private static void subscribe(Source source, List<Message> received) {
        source.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Delivery d) {
                received.add(d.message());
                d.ack();
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        });
    }

    private static final class FixedSensor implements Sensor {
        private final String name;
        private final double temperature;

        FixedSensor(String name, double temperature) {
            this.name = name;
            this.temperature = temperature;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Reading read() {
            return Reading.of(Map.of(Reading.TEMPERATURE, temperature), Instant.now());
        }
    }
}
