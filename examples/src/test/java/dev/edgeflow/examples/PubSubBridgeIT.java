package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.gcp.PubSubPuller;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tutorial's local-to-cloud bridge (section 4.1) between a real broker and the Pub/Sub emulator. */
class PubSubBridgeIT {
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
    void forwardsMappedTopicsInTheEnvelopeWithTheSourceTopicAttribute() throws Exception {
        String topic = PubSubTestEmulator.fresh("bridge-it");
        try (EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                PubSubPuller audit = emulator.topicWithAudit(topic)) {
            PubSubBridge.Bridge bridge = PubSubBridge.Bridge.start(local.uri(), emulator.connection,
                    PubSubBridge.parseMapping(List.of("sensor/#=" + topic, "device/+/status=" + topic)), "bridge-it",
                    false);
            try (MqttSink device = MqttSink.builder().serverUri(local.uri()).build()) {
                bridge.source.awaitReady(WAIT);
                device.send(Message.of("sensor/pi-1/reading", "{\"device_id\":\"pi-1\",\"temperature\":36.2}"))
                        .toCompletableFuture().get();
                device.send(Message.of("device/pi-1/status", "online")).toCompletableFuture().get();
                device.send(Message.of("sensor/pi-1/blob", new byte[] {(byte) 0xff, 0x00})).toCompletableFuture().get();
                device.send(Message.of("other/topic", "not mapped")).toCompletableFuture().get();

                List<PubSubPuller.Pulled> pulled = audit.pullAtLeast(3, WAIT);
                audit.ack(pulled);
                Map<String, Message> bySourceTopic = pulled.stream().map(PubSubPuller.Pulled::message)
                        .collect(Collectors.toMap(m -> m.header("source_topic"), m -> m));
                assertThat(bySourceTopic).containsOnlyKeys("sensor/pi-1/reading", "device/pi-1/status",
                        "sensor/pi-1/blob");

                JsonNode reading = bySourceTopic.get("sensor/pi-1/reading").payloadAsJson();
                assertThat(reading.path("source_topic").asText()).isEqualTo("sensor/pi-1/reading");
                assertThat(reading.path("data").path("temperature").asDouble()).isEqualTo(36.2);
                assertThat(reading.path("timestamp").isNumber()).isTrue();
                assertThat(bySourceTopic.get("device/pi-1/status").payloadAsJson().path("data").path("raw").asText())
                        .isEqualTo("online");
                assertThat(bySourceTopic.get("sensor/pi-1/blob").payloadAsJson().path("data").path("raw_base64")
                        .asText()).isEqualTo("/wA=");

                // other/topic is in no mapping, so the bridge does not even subscribe to it.
                Awaitility.await().atMost(WAIT).until(() -> bridge.source.acknowledgedCount() == 3);
                assertThat(bridge.pipeline.stats().received()).isEqualTo(3);
                assertThat(bridge.pipeline.stats().forwarded()).isEqualTo(3);
            } finally {
                bridge.stopAndPrint(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void sendsEachFilterToTheTopicItIsMappedTo() throws Exception {
        String readings = PubSubTestEmulator.fresh("bridge-readings");
        String statuses = PubSubTestEmulator.fresh("bridge-status");
        Map<String, String> mapping = new LinkedHashMap<>();
        mapping.put("sensor/#", readings);
        mapping.put("device/+/status", statuses);
        try (EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                PubSubPuller readingsAudit = emulator.topicWithAudit(readings);
                PubSubPuller statusAudit = emulator.topicWithAudit(statuses)) {
            PubSubBridge.Bridge bridge = PubSubBridge.Bridge.start(local.uri(), emulator.connection, mapping,
                    "bridge-map-it", false);
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            try (MqttSink device = MqttSink.builder().serverUri(local.uri()).build()) {
                bridge.source.awaitReady(WAIT);
                device.send(Message.of("sensor/pi-2/reading", "{\"temperature\":21.0}")).toCompletableFuture().get();
                device.send(Message.of("device/pi-2/status", "offline")).toCompletableFuture().get();

                List<PubSubPuller.Pulled> r = readingsAudit.pullAtLeast(1, WAIT);
                List<PubSubPuller.Pulled> s = statusAudit.pullAtLeast(1, WAIT);
                readingsAudit.ack(r);
                statusAudit.ack(s);
                assertThat(r).extracting(p -> p.message().header("source_topic"))
                        .containsExactly("sensor/pi-2/reading");
                assertThat(s).extracting(p -> p.message().header("source_topic"))
                        .containsExactly("device/pi-2/status");
                Awaitility.await().atMost(WAIT).until(() -> bridge.source.acknowledgedCount() == 2);
            } finally {
                bridge.stopAndPrint(new PrintStream(printed, true, StandardCharsets.UTF_8));
            }
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Received: 2").contains("Forwarded: 2")
                    .contains("Errors: 0");
        }
    }
}
