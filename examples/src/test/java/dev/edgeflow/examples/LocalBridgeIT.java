package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.testkit.FaultProxy;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tutorial's bridge between two real brokers: what it forwards, where, and in what form. */
class LocalBridgeIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void forwardsReadingsAndStatusLinesWrappedUnderThePrefix() throws Exception {
        try (EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                EmbeddedMqttBroker cloud = EmbeddedMqttBroker.builder().start()) {
            MqttSource atCloud = MqttSource.builder().serverUri(cloud.uri()).subscribe("site-7/#").build();
            MemorySink arrived = MemorySink.create("arrived", 100);
            Pipeline reader = Pipeline.from(atCloud).to(arrived).start();
            LocalBridge.Bridge bridge = LocalBridge.Bridge.start(local.uri(), cloud.uri(), "site-7/", "bridge-it", null);
            try (MqttSink device = MqttSink.builder().serverUri(local.uri()).build()) {
                atCloud.awaitReady(WAIT);
                bridge.source.awaitReady(WAIT);
                device.send(Message.of("sensor/pi-1/reading", "{\"device_id\":\"pi-1\",\"temperature\":36.2}"))
                        .toCompletableFuture().get();
                device.send(Message.of("device/pi-1/status", "online")).toCompletableFuture().get();
                device.send(Message.of("other/topic", "not bridged")).toCompletableFuture().get();

                Awaitility.await().atMost(WAIT).until(() -> arrived.messages().size() >= 2);
                List<Message> got = arrived.messages();
                assertThat(got.stream().map(Message::topic).collect(Collectors.toList()))
                        .containsExactlyInAnyOrder("site-7/sensor/pi-1/reading", "site-7/device/pi-1/status");
                JsonNode reading = byTopic(got, "site-7/sensor/pi-1/reading").payloadAsJson();
                assertThat(reading.path("source_topic").asText()).isEqualTo("sensor/pi-1/reading");
                assertThat(reading.path("data").path("temperature").asDouble()).isEqualTo(36.2);
                JsonNode status = byTopic(got, "site-7/device/pi-1/status").payloadAsJson();
                assertThat(status.path("data").path("raw").asText()).isEqualTo("online");
                Awaitility.await().atMost(WAIT).until(() -> bridge.source.acknowledgedCount() == 2);
            } finally {
                bridge.stopAndPrint();
                reader.stop(Duration.ofSeconds(2));
                atCloud.close();
            }
            assertThat(bridge.pipeline.stats().forwarded()).isEqualTo(2);
            assertThat(LocalBridge.statusLine("Bridge status", bridge.pipeline.stats()))
                    .isEqualTo("Bridge status: received=2, forwarded=2, errors=0, dropped=0, in-flight=0");
        }
    }

    /**
     * With {@code --spool}, the local broker's messages are acknowledged once on disk while the
     * link to the target broker is stalled, and arrive in order when it moves again.
     */
    @Test
    void withASpoolItKeepsForwardingThroughATargetOutage(@TempDir Path spool) throws Exception {
        try (EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                EmbeddedMqttBroker cloud = EmbeddedMqttBroker.builder().start();
                FaultProxy link = FaultProxy.to(cloud.host(), cloud.port()).name("to-cloud").start()) {
            LocalBridge.Bridge bridge = LocalBridge.Bridge.start(local.uri(), link.uri("mqtt"), "site-7/",
                    "spool-bridge-it", spool);
            MqttSource atCloud = MqttSource.builder().serverUri(cloud.uri()).subscribe("site-7/#").build();
            MemorySink arrived = MemorySink.create("arrived", 1000);
            Pipeline reader = Pipeline.from(atCloud).to(arrived).start();
            try (MqttSink device = MqttSink.builder().serverUri(local.uri()).build()) {
                atCloud.awaitReady(WAIT);
                bridge.source.awaitReady(WAIT);
                link.pause();
                for (int i = 0; i < 200; i++) {
                    device.send(Message.of("sensor/pi-1/reading", "{\"seq\":" + i + "}")).toCompletableFuture().get();
                }
                // All 200 acknowledged to the local broker although the link is stalled: they are on disk.
                Awaitility.await().atMost(WAIT).until(() -> bridge.source.acknowledgedCount() == 200);
                assertThat(LocalBridge.spoolStatus(bridge.pipeline.spoolStats())).startsWith(", spooled=200 (");

                link.resume();
                Awaitility.await().atMost(WAIT).until(() -> arrived.messages().size() >= 200);
                assertThat(arrived.messages().stream().map(m -> m.payloadAsJson().path("data").path("seq").asInt())
                        .distinct().collect(Collectors.toList()))
                        .isEqualTo(java.util.stream.IntStream.range(0, 200).boxed().collect(Collectors.toList()));
            } finally {
                bridge.stopAndPrint();
                reader.stop(Duration.ofSeconds(2));
                atCloud.close();
            }
        }
    }

    private static Message byTopic(List<Message> messages, String topic) {
        return messages.stream().filter(m -> m.topic().equals(topic)).findFirst().orElseThrow();
    }
}
