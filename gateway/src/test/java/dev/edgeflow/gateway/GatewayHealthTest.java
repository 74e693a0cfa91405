package dev.edgeflow.gateway;

import static dev.edgeflow.gateway.GatewayMetricsTest.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayHealthTest {
    @TempDir
    Path dir;

    private GatewayConfig load(String yaml) throws IOException {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return GatewayConfig.load(file, Map.of());
    }

    @Test
    void readyTurns503WhileASinkFailsPastTheThresholdAnd200OnceASendSucceedsAgain() throws Exception {
        MemorySource in = MemorySource.named("hl-in");
        SwitchConnectorProvider.failing("hl-out").set(false);
        GatewayConfig config = load("""
                name: hl
                sources:
                  sensors: {type: memory, options: {name: hl-in}}
                sinks:
                  cloud: {type: switch, options: {name: hl-out}}
                routes:
                  - name: uplink
                    source: sensors
                    sink: cloud
                http:
                  port: 0
                  sinkFailureThreshold: 300ms
                """);
        try (Gateway gateway = Gateway.start(config)) {
            InetSocketAddress address = gateway.httpAddress().orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> get(address, "/health/ready").statusCode() == 200);
            HttpResponse<String> ready = get(address, "/health/ready");
            assertThat(ready.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
            assertThat(ready.body()).contains("\"status\":\"UP\"").contains("\"failing\":[]")
                    .contains("connection unknown");

            SwitchConnectorProvider.failing("hl-out").set(true);
            in.offer(Message.of("sensor/t", "1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> get(address, "/health/ready").statusCode() == 503);
            HttpResponse<String> down = get(address, "/health/ready");
            assertThat(down.body()).contains("\"status\":\"DOWN\"").contains("\"failing\":[\"sink cloud\"]")
                    .contains("longer than the threshold of 300ms").contains("the far side is away");
            assertThat(gateway.health().ready()).isFalse();
            assertThat(gateway.health().toString()).startsWith("live, not ready: sink cloud: ");
            // failing sinks make the gateway unready, not dead: a restart would not bring the cloud back
            assertThat(get(address, "/health/live").statusCode()).isEqualTo(200);

            SwitchConnectorProvider.failing("hl-out").set(false);
            in.offer(Message.of("sensor/t", "2"));
            await().atMost(Duration.ofSeconds(20)).until(() -> get(address, "/health/ready").statusCode() == 200);
            assertThat(MemorySink.named("hl-out").messages()).extracting(Message::payloadAsString).contains("2");
        } finally {
            SwitchConnectorProvider.failing("hl-out").set(false);
        }
    }

    @Test
    void aSinkFailingForLessThanTheThresholdKeepsTheGatewayReadyAndSaysSo() throws Exception {
        MemorySource in = MemorySource.named("hl-short-in");
        SwitchConnectorProvider.failing("hl-short-out").set(true);
        GatewayConfig config = load("""
                sources:
                  in: {type: memory, options: {name: hl-short-in}}
                sinks:
                  out: {type: switch, options: {name: hl-short-out}}
                routes:
                  - source: in
                    sink: out
                http: {port: 0, metrics: false, sinkFailureThreshold: 1h}
                """);
        try (Gateway gateway = Gateway.start(config)) {
            in.offer(Message.of("t", "x"));
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.health().components().stream()
                    .anyMatch(c -> c.kind().equals("sink") && c.detail().contains("failing for")));
            GatewayHealth health = gateway.health();
            assertThat(health.ready()).isTrue();
            assertThat(health.failing()).isEmpty();
            assertThat(health.components()).filteredOn(c -> c.kind().equals("sink")).singleElement()
                    .satisfies(c -> assertThat(c.detail()).contains("under the threshold of 3600s"));
            // metrics: false serves no /metrics
            assertThat(get(gateway.httpAddress().orElseThrow(), "/metrics").statusCode()).isEqualTo(404);
        } finally {
            SwitchConnectorProvider.failing("hl-short-out").set(false);
        }
    }

    @Test
    void aSourceThatSaysItIsNotConnectedHoldsReadinessBack() throws Exception {
        SwitchConnectorProvider.connected("hl-src").set(false);
        MemorySink.named("hl-src-out");
        GatewayConfig config = load("""
                sources:
                  broker: {type: switch, options: {name: hl-src}}
                sinks:
                  out: {type: memory, options: {name: hl-src-out}}
                routes:
                  - source: broker
                    sink: out
                """);
        try (Gateway gateway = Gateway.start(config)) {
            assertThat(gateway.httpAddress()).isEmpty();
            GatewayHealth health = gateway.health();
            assertThat(health.live()).isTrue();
            assertThat(health.ready()).isFalse();
            assertThat(health.failing()).singleElement().satisfies(c -> {
                assertThat(c.kind()).isEqualTo("source");
                assertThat(c.name()).isEqualTo("broker");
                assertThat(c.detail()).isEqualTo("subscribed, not connected");
            });

            SwitchConnectorProvider.connected("hl-src").set(true);
            assertThat(gateway.health().ready()).isTrue();
            assertThat(gateway.health().components()).filteredOn(c -> c.kind().equals("source")).singleElement()
                    .satisfies(c -> assertThat(c.detail()).isEqualTo("subscribed, connected"));
        } finally {
            SwitchConnectorProvider.connected("hl-src").set(true);
        }
    }

    @Test
    void aSinkWhoseConnectionStaysDownPastTheThresholdHoldsReadinessBackWithNothingToSend() throws Exception {
        MemorySource.named("hl-down-in");
        SwitchConnectorProvider.connected("hl-down-out").set(true);
        GatewayConfig config = load("""
                sources:
                  in: {type: memory, options: {name: hl-down-in}}
                sinks:
                  cloud: {type: switch, options: {name: hl-down-out}}
                routes:
                  - source: in
                    sink: cloud
                http: {port: 0, sinkFailureThreshold: 2s}
                """);
        try (Gateway gateway = Gateway.start(config)) {
            assertThat(gateway.health().ready()).isTrue();
            assertThat(gateway.health().components()).filteredOn(c -> c.kind().equals("sink")).singleElement()
                    .satisfies(c -> assertThat(c.detail()).isEqualTo("connected, not failing"));

            SwitchConnectorProvider.connected("hl-down-out").set(false);
            // Seen down by the gateway's own look each second, with no health check in between.
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.health().components().stream()
                    .anyMatch(c -> c.kind().equals("sink") && c.detail().startsWith("not connected for")));
            await().atMost(Duration.ofSeconds(10)).until(() -> !gateway.health().ready());
            assertThat(gateway.health().failing()).singleElement().satisfies(c -> {
                assertThat(c.kind()).isEqualTo("sink");
                assertThat(c.detail()).contains("longer than the threshold of 2000ms").endsWith(", not failing");
            });
            assertThat(get(gateway.httpAddress().orElseThrow(), "/health/ready").statusCode()).isEqualTo(503);

            SwitchConnectorProvider.connected("hl-down-out").set(true);
            assertThat(gateway.health().ready()).isTrue();
        } finally {
            SwitchConnectorProvider.connected("hl-down-out").set(true);
        }
    }

    @Test
    void stopEndsLivenessAndClosesTheEndpoint() throws Exception {
        MemorySource.named("hl-stop-in");
        MemorySink.named("hl-stop-out");
        GatewayConfig config = load("""
                sources:
                  in: {type: memory, options: {name: hl-stop-in}}
                sinks:
                  out: {type: memory, options: {name: hl-stop-out}}
                routes:
                  - source: in
                    sink: out
                http: {port: 0}
                """);
        Gateway gateway = Gateway.start(config);
        InetSocketAddress address = gateway.httpAddress().orElseThrow();
        assertThat(get(address, "/health/live").statusCode()).isEqualTo(200);

        gateway.stop(Duration.ofSeconds(5));

        assertThat(gateway.health().live()).isFalse();
        assertThat(gateway.health().ready()).isFalse();
        assertThat(gateway.health().components()).anySatisfy(c -> assertThat(c.detail()).isEqualTo("stopped"));
        assertThatThrownBy(() -> get(address, "/health/live")).isInstanceOf(ConnectException.class);
    }

    @Test
    void aPortThatIsTakenFailsStartWithTheAddressAndClosesWhatWasCreated() throws Exception {
        MemorySource.named("hl-port-in");
        MemorySink before = MemorySink.named("hl-port-out");
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            GatewayConfig config = load("""
                    sources:
                      in: {type: memory, options: {name: hl-port-in}}
                    sinks:
                      out: {type: memory, options: {name: hl-port-out}}
                    routes:
                      - source: in
                        sink: out
                    http: {port: %d}
                    """.formatted(taken.getLocalPort()));
            assertThatThrownBy(() -> Gateway.start(config)).isInstanceOf(GatewayException.class)
                    .hasMessageContaining("could not listen on 127.0.0.1:" + taken.getLocalPort())
                    .hasMessageContaining("check http.host and http.port");
        }
        // the sink was closed again: a closed memory sink leaves the registry, so the name gives a new one
        assertThat(MemorySink.named("hl-port-out")).isNotSameAs(before);
    }
}
