package dev.edgeflow.pi4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.testkit.RecordingSubscriber;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Digital inputs through the source, on Pi4J's mock platform. */
class SensorSourceInputTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int PIR_PIN = 23;

    private Context pi4j;
    private SensorSource source;
    private final AtomicInteger seen = new AtomicInteger();

    @BeforeEach
    void startPi4j() {
        pi4j = MockPi4j.context();
    }

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        pi4j.shutdown();
    }

    private MockDigitalInput pir(int maxEventsWaiting) {
        DigitalInputWatcher watcher = DigitalInputWatcher.builder().name("pir").pin(PIR_PIN).debounce(Duration.ZERO)
                .build().open(pi4j);
        // A second listener, so that a test can wait for each change to be taken before the next:
        // changes closer together than the watcher's thread takes them are one change, by design.
        watcher.addListener(e -> seen.incrementAndGet());
        source = SensorSource.builder("RaspberryPi-001").input(watcher).maxEventsWaiting(maxEventsWaiting).build();
        return MockPi4j.input(pi4j, PIR_PIN);
    }

    private static List<Message> messages(RecordingSubscriber<Delivery> subscriber) {
        return subscriber.items().stream().map(Delivery::message).collect(Collectors.toList());
    }

    @Test
    void emitsEachChangeOfAnInputAsAnEventMessageInOrder() {
        MockDigitalInput pin = pir(1000);
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(10);

        DigitalState[] changes = {DigitalState.HIGH, DigitalState.LOW, DigitalState.HIGH};
        for (int i = 0; i < changes.length; i++) {
            pin.mockState(changes[i]);
            int taken = i + 1;
            await().atMost(TIMEOUT).until(() -> seen.get() == taken);
        }

        await().atMost(TIMEOUT).until(() -> subscriber.count() == 3);
        List<Message> got = messages(subscriber);
        assertThat(got).extracting(Message::topic).containsOnly("sensor/RaspberryPi-001/pir");
        assertThat(got).extracting(m -> m.header(SensorSource.KIND_HEADER)).containsOnly("input");
        assertThat(got).extracting(m -> m.payloadAsJson().path("active").asBoolean()).containsExactly(true, false, true);
        assertThat(got.get(0).payloadAsString()).startsWith(
                "{\"device_id\":\"RaspberryPi-001\",\"input\":\"pir\",\"pin\":23,\"active\":true,\"level\":\"high\","
                        + "\"timestamp\":");
    }

    @Test
    void keepsEventsWhileThePipelineAsksForNothingAndDropsTheOldestBeyondTheBound() {
        MockDigitalInput pin = pir(4);
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);

        for (int i = 0; i < 6; i++) {
            pin.mockState(i % 2 == 0 ? DigitalState.HIGH : DigitalState.LOW);
            int changes = i + 1;
            await().atMost(TIMEOUT).until(() -> seen.get() == changes);
        }
        await().atMost(TIMEOUT).until(() -> source.droppedEventCount() == 2);
        subscriber.request(10);

        await().atMost(TIMEOUT).until(() -> subscriber.count() == 4);
        assertThat(messages(subscriber)).extracting(m -> m.payloadAsJson().path("level").asText())
                .as("the newest four of six changes, in order").containsExactly("high", "low", "high", "low");
        assertThat(source.supersededCount()).as("events are never superseded like readings").isZero();
    }

    @Test
    void stopsListeningAndClosesTheInputWhenTheSourceCloses() {
        MockDigitalInput pin = pir(1000);
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(10);

        source.close();
        pin.mockState(DigitalState.HIGH);

        await().atMost(TIMEOUT).until(subscriber::isCompleted);
        assertThat(subscriber.count()).isZero();
    }
}
