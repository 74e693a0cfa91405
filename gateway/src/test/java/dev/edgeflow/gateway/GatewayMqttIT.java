package dev.edgeflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A gateway through a real MQTT broker: memory → mqtt with a prefix → broker → mqtt source → memory. */
class GatewayMqttIT {
    private EmbeddedMqttBroker broker;

    @TempDir
    Path dir;

    @BeforeEach
    void startBroker() {
        broker = EmbeddedMqttBroker.builder().start();
    }

    @AfterEach
    void stopBroker() {
        broker.stop();
    }

    @Test
    void bridgesThroughTheBrokerWithAPrefixAndDrainsOnStop() throws Exception {
        MemorySource in = MemorySource.named("it-in");
        MemorySink out = MemorySink.named("it-out");
        Path file = dir.resolve("bridge.yaml");
        Files.writeString(file, """
                name: it-bridge
                sources:
                  local: {type: memory, options: {name: it-in}}
                  broker:
                    type: mqtt
                    options: {host: "${BROKER_HOST}", port: "${BROKER_PORT}", clientId: it-gateway-in, topics: site1/#}
                sinks:
                  central:
                    type: mqtt
                    options: {host: "${BROKER_HOST}", port: "${BROKER_PORT}", clientId: it-gateway-out}
                  collected: {type: memory, options: {name: it-out}}
                routes:
                  - name: up
                    source: local
                    topic: sensor/#
                    sink: central
                    targetTopicPrefix: site1/
                  - name: down
                    source: broker
                    sink: collected
                """);
        GatewayConfig config = GatewayConfig.load(file,
                Map.of("BROKER_HOST", broker.host(), "BROKER_PORT", Integer.toString(broker.port())));
        Gateway gateway = Gateway.start(config);
        try {
            // The mqtt source subscribes in the background; offer until the first message comes through.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
                in.offer(Message.of("sensor/probe", "probe"));
                return !out.messages().isEmpty();
            });
            int before = out.messages().size();
            for (int i = 0; i < 50; i++) {
                assertThat(in.offer(Message.of("sensor/pi-1/reading", "{\"n\":" + i + "}"), Duration.ofSeconds(5)))
                        .isTrue();
            }
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> out.messages().stream().filter(m -> m.topic().equals("site1/sensor/pi-1/reading"))
                            .count() == 50);
            assertThat(out.messages().subList(before, out.messages().size())).extracting(Message::topic)
                    .allMatch(t -> t.startsWith("site1/sensor/"));
        } finally {
            GatewayStopReport report = gateway.stop(Duration.ofSeconds(10));
            assertThat(report.routes()).containsOnlyKeys("up", "down");
            assertThat(report.routes().get("up").drained()).isTrue();
        }
    }
}
