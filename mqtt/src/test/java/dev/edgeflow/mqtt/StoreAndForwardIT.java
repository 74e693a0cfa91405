package dev.edgeflow.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.Qos;
import dev.edgeflow.testkit.FaultProxy;
import dev.edgeflow.testkit.TestMessages;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The MQTT bridge under real faults: broker processes stopped and restarted mid-stream, a slow
 * link made by the testkit's {@link FaultProxy}. Messages are counted at the target by their
 * sequence numbers: every one must arrive, first copies in order; duplicates are counted.
 */
class StoreAndForwardIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    /**
     * Broker A (Mosquitto with persistence) holds a backlog for the bridge's persistent session
     * and is restarted while the bridge is forwarding it: A writes the session, its queue and
     * what was in flight to the bridge, and sends them again when the bridge reconnects.
     */
    @Test
    void aSourceBrokerRestartMidStreamLosesNothing() throws Exception {
        int count = 10_000;
        // A window of 1: Mosquitto 2.0.11 keeps that one (see docs/mqtt.md), so the backlog stays in A
        // instead of being pushed into the bridge's client, and the restart is A's to survive.
        try (MosquittoBroker a = MosquittoBroker.builder().persistence(true).maxInflightMessages(1)
                        .maxQueuedMessages(100_000).start();
                EmbeddedMqttBroker b = EmbeddedMqttBroker.builder().start();
                // About 1 200 msg/s towards B, so that A still holds most of the backlog when it restarts.
                FaultProxy slowLink = FaultProxy.to(b.host(), b.port()).name("to-b").start()
                        .upstreamBandwidth(150_000);
                TestClient counter = TestClient.connect(b.uri()).subscribe("sensor/#", Qos.AT_LEAST_ONCE)) {
            MqttSource source = MqttSource.builder()
                    .connection(MqttConnection.builder().serverUri(a.uri()).clientId("restart-bridge-in")
                            .version(MqttVersion.MQTT_3_1_1).reconnect(Duration.ofMillis(100), Duration.ofSeconds(1))
                            .build())
                    .subscribe("sensor/#").build();
            MqttSink sink = MqttSink.builder()
                    .connection(MqttConnection.builder().serverUri(slowLink.uri("mqtt")).clientId("restart-bridge-out")
                            .reconnect(Duration.ofMillis(100), Duration.ofSeconds(1)).build())
                    .build();
            Pipeline bridge = Pipeline.from(source).name("restart-bridge").to(sink).start();
            try {
                source.awaitReady(WAIT);
                try (TestClient device = TestClient.connect(a.uri())) {
                    device.publish(TestMessages.readings("sensor/pi-1", 0, count), Qos.AT_LEAST_ONCE);
                }
                Awaitility.await().atMost(WAIT).until(() -> counter.received().size() >= 1_000);
                a.restart();
                int before = counter.received().size();

                Awaitility.await().atMost(WAIT).alias("every message at B after A's restart")
                        .until(() -> distinct(counter.received()).size() == count);
                Checked checked = check(counter.received(), count);
                assertThat(checked.missing).as("lost").isEmpty();
                assertThat(checked.outOfOrder).as("first copies out of order").isZero();
                assertThat(before).as("the restart came mid-stream").isLessThan(count);
                assertThat(a.log().split("connected from .* as restart-bridge-in", -1).length - 1)
                        .as("the bridge connected to A again after the restart").isGreaterThanOrEqualTo(2);
                System.out.printf("StoreAndForwardIT source restart: %d messages, %d arrived before the restart, "
                        + "%d duplicates at B%n", count, before, checked.duplicates);
            } finally {
                bridge.stop(Duration.ofSeconds(5));
                source.close();
                sink.close();
            }
        }
    }

    private static Set<Integer> distinct(List<Message> messages) {
        return new HashSet<>(TestMessages.sequencesOf(messages));
    }

    /** What arrived: missing sequence numbers, duplicates, first copies out of order. */
    private record Checked(List<Integer> missing, int duplicates, int outOfOrder) {
    }

    private static Checked check(List<Message> arrived, int count) {
        Set<Integer> seen = new HashSet<>();
        int duplicates = 0;
        int outOfOrder = 0;
        int last = -1;
        for (int sequence : TestMessages.sequencesOf(arrived)) {
            if (!seen.add(sequence)) {
                duplicates++;
            } else {
                if (sequence < last) {
                    outOfOrder++;
                }
                last = sequence;
            }
        }
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (!seen.contains(i)) {
                missing.add(i);
            }
        }
        return new Checked(missing, duplicates, outOfOrder);
    }
}
