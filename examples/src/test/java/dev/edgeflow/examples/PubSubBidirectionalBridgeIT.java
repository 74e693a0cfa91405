package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Headers;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.gcp.PubSubPuller;
import dev.edgeflow.gcp.PubSubSink;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tutorial's bidirectional bridge (section 4.2): up as the 4.1 bridge, down through the allow-list. */
class PubSubBidirectionalBridgeIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static PubSubTestEmulator emulator;

    @BeforeAll
    static void startEmulator() {
        emulator = PubSubTestEmulator.start();
    }

    @AfterAll
    static void stopEmulator() {
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void publishesAllowedCommandsLocallyAndDeadLettersTheOthersWithTheReason() throws Exception {
        Topics t = Topics.fresh();
        try (EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                PubSubPuller upAudit = emulator.topicWithAudit(t.up);
                PubSubPuller rejectedAudit = emulator.topicWithAudit(t.rejected);
                PubSubSink cloud = PubSubSink.builder(emulator.connection, t.down).build()) {
            emulator.admin.createTopicIfMissing(t.down);
            emulator.admin.createSubscriptionIfMissing(t.downSubscription, t.down, Duration.ofSeconds(10));
            MqttSource observer = MqttSource.builder().serverUri(local.uri()).subscribe("#").build();
            MemorySink onLocalBroker = MemorySink.create("local", 100);
            Pipeline watching = Pipeline.from(observer).to(onLocalBroker).start();
            DownlinkCommands commands = new DownlinkCommands(PubSubBidirectionalBridge.DEFAULT_ALLOW_LIST);
            PubSubBidirectionalBridge.Bridge bridge = PubSubBidirectionalBridge.Bridge.start(local.uri(),
                    emulator.connection, commands, "bidi-it", t.up, t.downSubscription, t.rejected);
            try {
                observer.awaitReady(WAIT);
                command(cloud, "{\"topic\": \"device/pi-1/command\", \"payload\": {\"action\": \"reboot\"}}");
                command(cloud, "{\"payload\": {\"interval\": 5}}"); // no topic: the tutorial's "command"
                command(cloud, "{\"topic\": \"sensor/pi-1/reading\", \"payload\": {\"temperature\": 99}}");
                command(cloud, "{\"topic\": \"device/#\", \"payload\": {}}");
                command(cloud, "reboot everything");

                List<PubSubPuller.Pulled> refused = rejectedAudit.pullAtLeast(3, WAIT);
                rejectedAudit.ack(refused);
                Map<String, String> reasons = refused.stream().map(PubSubPuller.Pulled::message)
                        .collect(Collectors.toMap(Message::payloadAsString, m -> m.header(Headers.DEAD_LETTER_REASON)));
                assertThat(reasons).hasSize(3);
                assertThat(reasons.get("{\"topic\": \"sensor/pi-1/reading\", \"payload\": {\"temperature\": 99}}"))
                        .contains("'sensor/pi-1/reading' is not on the allow-list [command, device/+/command]");
                assertThat(reasons.get("{\"topic\": \"device/#\", \"payload\": {}}"))
                        .contains("'device/#' cannot be published to");
                assertThat(reasons.get("reboot everything")).contains("not JSON");

                Awaitility.await().atMost(WAIT).until(() -> onLocalBroker.messages().size() >= 2);
                // Every command is settled now (two published, three dead-lettered): the forbidden ones
                // can no longer reach the broker.
                Awaitility.await().atMost(WAIT).until(() -> bridge.down.counts()[1] == 5);
                assertThat(onLocalBroker.messages().stream()
                        .collect(Collectors.toMap(Message::topic, Message::payloadAsString)))
                        .containsExactlyInAnyOrderEntriesOf(Map.of(
                                "device/pi-1/command", "{\"action\":\"reboot\"}",
                                "command", "{\"interval\":5}"));
                assertThat(commands.rejected()).isEqualTo(3);
                assertThat(commands.accepted()).isEqualTo(2);
                assertThat(bridge.downlink.stats().deadLettered()).isEqualTo(3);
                assertThat(bridge.down.counts()[2]).as("nothing nacked, so nothing loops").isZero();
                assertThat(emulator.drainBeforeMarker(t.up, upAudit)).as("the forged reading never went up").isEmpty();
            } finally {
                bridge.stopAndPrint(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
                watching.stop(Duration.ofSeconds(2));
                observer.close();
            }
        }
    }

    @Test
    void carriesLocalReadingsUpWithTheSourceTopicAttribute() throws Exception {
        Topics t = Topics.fresh();
        try (EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                PubSubPuller upAudit = emulator.topicWithAudit(t.up);
                PubSubPuller unused = emulator.topicWithAudit(t.rejected)) {
            emulator.admin.createTopicIfMissing(t.down);
            emulator.admin.createSubscriptionIfMissing(t.downSubscription, t.down, Duration.ofSeconds(10));
            PubSubBidirectionalBridge.Bridge bridge = PubSubBidirectionalBridge.Bridge.start(local.uri(),
                    emulator.connection, new DownlinkCommands(List.of("device/+/command")), "bidi-up-it", t.up,
                    t.downSubscription, t.rejected);
            try (MqttSink device = MqttSink.builder().serverUri(local.uri()).build()) {
                bridge.up.awaitReady(WAIT);
                device.send(Message.of("sensor/pi-3/reading", "{\"temperature\":19.5}")).toCompletableFuture().get();
                device.send(Message.of("device/pi-3/command", "{}")).toCompletableFuture().get();

                List<PubSubPuller.Pulled> up = upAudit.pullAtLeast(1, WAIT);
                upAudit.ack(up);
                assertThat(up).hasSize(1);
                Message m = up.get(0).message();
                assertThat(m.header("source_topic")).isEqualTo("sensor/pi-3/reading");
                assertThat(m.payloadAsJson().path("data").path("temperature").asDouble()).isEqualTo(19.5);
                Awaitility.await().atMost(WAIT).until(() -> bridge.up.acknowledgedCount() == 1);
                assertThat(bridge.uplink.stats().forwarded()).isEqualTo(1);
            } finally {
                bridge.stopAndPrint(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            }
        }
    }

    private static void command(PubSubSink cloud, String json) throws Exception {
        cloud.sendForId(Message.of("cloud/commands", json)).get();
    }

    /** Fresh Pub/Sub names for one test. */
    private static final class Topics {
        final String up;
        final String down;
        final String downSubscription;
        final String rejected;

        private Topics(String base) {
            this.up = base + "-up";
            this.down = base + "-commands";
            this.downSubscription = base + "-commands-sub";
            this.rejected = base + "-rejected";
        }

        static Topics fresh() {
            return new Topics(PubSubTestEmulator.fresh("bidi-it"));
        }
    }
}
