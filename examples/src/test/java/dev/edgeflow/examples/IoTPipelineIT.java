package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.gcp.PubSubPuller;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tutorial's comprehensive pipeline (section 6) with its gcp_enabled switch off and on. */
class IoTPipelineIT {
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
    void withGcpDisabledItLogsAndAlertsAndNeverTouchesPubSub() throws Exception {
        String topic = PubSubTestEmulator.fresh("pipeline-off");
        AtomicInteger connectionsAsked = new AtomicInteger();
        Supplier<PubSubConnection> gcp = () -> {
            connectionsAsked.incrementAndGet();
            return emulator.connection;
        };
        List<Message> alerts = new CopyOnWriteArrayList<>();
        try (EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                PubSubPuller audit = emulator.topicWithAudit(topic)) {
            IoTPipeline pipeline = IoTPipeline.start(local.uri(), IoTPipeline.DEFAULT_TOPICS, false, gcp, topic,
                    alerts::add);
            PipelineStats stats;
            try {
                publishSamples(local, pipeline);
                Awaitility.await().atMost(WAIT).until(() -> settled(pipeline.stats()) == 4);
            } finally {
                stats = pipeline.stopAndPrint(new PrintStream(new ByteArrayOutputStream(), true,
                        StandardCharsets.UTF_8));
            }

            assertThat(stats.forwarded()).as("handled by the taps").isEqualTo(3);
            assertThat(stats.deadLettered()).as("the status text is not JSON").isEqualTo(1);
            assertThat(alerts).hasSize(1);
            assertThat(alerts.get(0).payloadAsJson().path("data").path("temperature").asDouble()).isEqualTo(36.6);
            assertThat(pipeline.forwardsToCloud()).isFalse();
            assertThat(connectionsAsked).as("gcp_enabled=false asks for no Pub/Sub connection").hasValue(0);
            assertThat(emulator.drainBeforeMarker(topic, audit)).as("nothing reached the Pub/Sub topic").isEmpty();
        }
    }

    @Test
    void withGcpEnabledTheCloudHandlerForwardsEachParsedMessage() throws Exception {
        String topic = PubSubTestEmulator.fresh("pipeline-on");
        List<Message> alerts = new CopyOnWriteArrayList<>();
        try (EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                PubSubPuller audit = emulator.topicWithAudit(topic)) {
            IoTPipeline pipeline = IoTPipeline.start(local.uri(), IoTPipeline.DEFAULT_TOPICS, true,
                    () -> emulator.connection, topic, alerts::add);
            try {
                publishSamples(local, pipeline);
                List<PubSubPuller.Pulled> pulled = audit.pullAtLeast(3, WAIT);
                audit.ack(pulled);
                assertThat(pulled).extracting(p -> p.message().header("source_topic")).containsExactlyInAnyOrder(
                        "sensor/pi-1/reading", "sensor/pi-2/reading", "sensor/pi-3/reading");
                for (PubSubPuller.Pulled p : pulled) {
                    JsonNode json = p.message().payloadAsJson();
                    assertThat(json.path("device_id").asText()).isEqualTo(
                            p.message().header("source_topic").split("/")[1]);
                    assertThat(json.path("data").path("temperature").isNumber()).isTrue();
                    assertThat(Instant.parse(json.path("timestamp").asText())).isBeforeOrEqualTo(Instant.now());
                }
                Awaitility.await().atMost(WAIT).until(() -> settled(pipeline.stats()) == 4);
                assertThat(pipeline.stats().forwarded()).isEqualTo(3);
                assertThat(pipeline.stats().deadLettered()).isEqualTo(1);
                assertThat(alerts).hasSize(1);
                assertThat(pipeline.forwardsToCloud()).isTrue();
            } finally {
                pipeline.stopAndPrint(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            }
        }
    }

    /** Three readings, one above 35 °C, and a plain-text status line. */
    private static void publishSamples(EmbeddedMqttBroker local, IoTPipeline pipeline) throws Exception {
        pipeline.source().awaitReady(WAIT);
        try (MqttSink devices = MqttSink.builder().serverUri(local.uri()).build()) {
            devices.send(Message.of("sensor/pi-1/reading", "{\"device_id\":\"pi-1\",\"temperature\":21.0}"))
                    .toCompletableFuture().get();
            devices.send(Message.of("sensor/pi-2/reading", "{\"device_id\":\"pi-2\",\"temperature\":36.6}"))
                    .toCompletableFuture().get();
            devices.send(Message.of("sensor/pi-3/reading", "{\"device_id\":\"pi-3\",\"temperature\":35.0}"))
                    .toCompletableFuture().get();
            devices.send(Message.of("device/pi-1/status", "online")).toCompletableFuture().get();
        }
    }

    private static long settled(PipelineStats s) {
        return s.forwarded() + s.deadLettered() + s.failed() + s.filtered();
    }
}
