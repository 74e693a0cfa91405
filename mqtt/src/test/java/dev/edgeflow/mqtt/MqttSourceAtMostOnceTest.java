package dev.edgeflow.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Qos;
import dev.edgeflow.testkit.RecordingSubscriber;
import dev.edgeflow.testkit.TestMessages;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** QoS 0 while the pipeline is slow: the newest receive-maximum messages wait, older ones are dropped and counted. */
class MqttSourceAtMostOnceTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static EmbeddedMqttBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedMqttBroker.builder().start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void keepsTheNewestWaitingInOrderAndCountsWhatItDropped() throws Exception {
        MqttSource source = MqttSource.builder()
                .connection(MqttConnection.builder().serverUri(broker.uri()).build())
                .subscribe("qos0/#", Qos.AT_MOST_ONCE)
                .receiveMaximum(10)
                .build();
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        try {
            source.subscribe(subscriber);
            source.awaitReady(WAIT);
            subscriber.request(5);
            try (TestClient device = TestClient.connect(broker.uri())) {
                device.publish(TestMessages.readings("qos0/readings", 0, 100), Qos.AT_MOST_ONCE);
            }
            // 5 taken by the subscriber, 10 waiting, 85 dropped.
            Awaitility.await().atMost(WAIT).until(() -> source.receivedCount() == 100);
            assertThat(subscriber.count()).isEqualTo(5);
            assertThat(source.droppedCount()).isEqualTo(85);

            subscriber.request(100);
            Awaitility.await().atMost(WAIT).until(() -> subscriber.count() == 15);
            Awaitility.await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> subscriber.count() == 15);
            assertThat(TestMessages.sequencesOf(subscriber.items().stream().map(Delivery::message)
                    .collect(Collectors.toList())))
                    .isEqualTo(IntStream.concat(IntStream.range(0, 5), IntStream.range(90, 100)).boxed()
                            .collect(Collectors.toList()));

            // With demand outstanding, messages go straight through and nothing more is dropped.
            try (TestClient device = TestClient.connect(broker.uri())) {
                device.publish(TestMessages.readings("qos0/readings", 100, 50), Qos.AT_MOST_ONCE);
            }
            Awaitility.await().atMost(WAIT).until(() -> subscriber.count() == 65);
            assertThat(source.droppedCount()).isEqualTo(85);
        } finally {
            source.close();
        }
    }
}
