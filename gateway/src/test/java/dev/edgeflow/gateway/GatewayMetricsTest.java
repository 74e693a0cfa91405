package dev.edgeflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayMetricsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private GatewayConfig load(String yaml) throws IOException {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return GatewayConfig.load(file, Map.of());
    }

    private static double counter(MeterRegistry registry, String name, Tags tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    @Test
    void routeMetersCountTheTrafficThatWentThroughTheGateway() throws Exception {
        MemorySource in = MemorySource.named("met-in");
        MemorySink up = MemorySink.named("met-up");
        GatewayConfig config = load("""
                name: met
                sources:
                  sensors: {type: memory, options: {name: met-in}}
                sinks:
                  up: {type: memory, options: {name: met-up}}
                routes:
                  - name: readings
                    source: sensors
                    topic: sensor/#
                    sink: up
                    stages:
                      - filter: {hasField: temperature}
                """);
        try (Gateway gateway = Gateway.start(config)) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            GatewayMetrics.bind(gateway, registry);
            GatewayMetrics.bind(gateway, registry); // a second bind must not count sends twice

            for (int i = 0; i < 10; i++) {
                in.offer(Message.of("sensor/pi/reading", "{\"temperature\":" + i + "}"));
            }
            in.offer(Message.of("sensor/pi/reading", "{\"humidity\":1}"));
            in.offer(Message.of("sensor/pi/reading", "{\"humidity\":2}"));
            in.offer(Message.of("other/topic", "x"));

            Tags route = Tags.of("gateway", "met", "route", "readings", "source", "sensors", "sink", "up");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(counter(registry, "edgeflow.gateway.route.forwarded", route)).isEqualTo(10);
                assertThat(registry.get("edgeflow.gateway.sink.send").tags(route).tag("outcome", "success").timer()
                        .count()).isEqualTo(10);
                assertThat(counter(registry, "edgeflow.gateway.source.unrouted", Tags.of("source", "sensors")))
                        .isEqualTo(1);
            });
            assertThat(up.messages()).hasSize(10);
            assertThat(counter(registry, "edgeflow.gateway.route.received", route)).isEqualTo(12);
            assertThat(counter(registry, "edgeflow.gateway.route.filtered", route)).isEqualTo(2);
            assertThat(counter(registry, "edgeflow.gateway.route.dropped", route)).isZero();
            assertThat(counter(registry, "edgeflow.gateway.route.failed", route)).isZero();
            assertThat(counter(registry, "edgeflow.gateway.route.dead.lettered", route)).isZero();
            assertThat(registry.get("edgeflow.gateway.sink.send").tags(route).tag("outcome", "failure").timer()
                    .count()).isZero();
            assertThat(registry.get("edgeflow.gateway.route.buffered").tags(route).gauge().value()).isZero();
            assertThat(registry.get("edgeflow.gateway.route.running").tags(route).gauge().value()).isEqualTo(1);
            assertThat(registry.get("edgeflow.gateway.ready").gauge().value()).isEqualTo(1);
            // memory connectors do not say whether they are connected: no gauge that would guess
            assertThat(registry.find("edgeflow.gateway.source.connected").gauges()).isEmpty();
            assertThat(registry.find("edgeflow.gateway.sink.connected").gauges()).isEmpty();
            assertThat(registry.find("edgeflow.gateway.route.spool.bytes").gauges()).isEmpty();
        }
    }

    @Test
    void spoolMetersShowWhatWaitsOnDiskWhileTheSinkFailsAndConnectionGaugesFollowTheConnector() throws Exception {
        MemorySource in = MemorySource.named("met-spool-in");
        SwitchConnectorProvider.failing("met-spool-out").set(true);
        SwitchConnectorProvider.connected("met-spool-out").set(false);
        GatewayConfig config = load("""
                name: spooled
                sources:
                  in: {type: memory, options: {name: met-spool-in}}
                sinks:
                  cloud: {type: switch, options: {name: met-spool-out}}
                routes:
                  - name: uplink
                    source: in
                    sink: cloud
                    buffer: {type: spool, directory: spool}
                """);
        try (Gateway gateway = Gateway.start(config)) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            GatewayMetrics.of(gateway).bindTo(registry);
            for (int i = 0; i < 5; i++) {
                in.offer(Message.of("t", "m" + i));
            }
            Tags route = Tags.of("route", "uplink", "source", "in", "sink", "cloud");
            Tags sink = Tags.of("sink", "cloud");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(registry.get("edgeflow.gateway.route.spool.records").tags(route).gauge().value())
                        .isEqualTo(5);
                assertThat(registry.get("edgeflow.gateway.sink.send").tags(route).tag("outcome", "failure").timer()
                        .count()).isPositive();
            });
            assertThat(registry.get("edgeflow.gateway.route.spool.bytes").tags(route).gauge().value()).isPositive();
            assertThat(registry.get("edgeflow.gateway.sink.connected").tags(sink).gauge().value()).isZero();
            assertThat(registry.get("edgeflow.gateway.sink.failing").tags(sink).timeGauge().value()).isPositive();

            SwitchConnectorProvider.connected("met-spool-out").set(true);
            SwitchConnectorProvider.failing("met-spool-out").set(false);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(registry.get("edgeflow.gateway.route.spool.records").tags(route).gauge().value()).isZero();
                assertThat(MemorySink.named("met-spool-out").messages()).hasSize(5);
            });
            assertThat(registry.get("edgeflow.gateway.sink.connected").tags(sink).gauge().value()).isEqualTo(1);
            assertThat(registry.get("edgeflow.gateway.sink.failing").tags(sink).timeGauge().value()).isZero();
        } finally {
            SwitchConnectorProvider.failing("met-spool-out").set(false);
        }
    }

    @Test
    void metricsEndpointServesTheRouteCountersInPrometheusTextOnLoopback() throws Exception {
        MemorySource in = MemorySource.named("met-http-in");
        MemorySink.named("met-http-out");
        GatewayConfig config = load("""
                name: scraped
                sources:
                  sensors: {type: memory, options: {name: met-http-in}}
                sinks:
                  out: {type: memory, options: {name: met-http-out}}
                routes:
                  - name: readings
                    source: sensors
                    sink: out
                http:
                  port: 0
                """);
        try (Gateway gateway = Gateway.start(config)) {
            InetSocketAddress address = gateway.httpAddress().orElseThrow();
            assertThat(address.getAddress().isLoopbackAddress()).isTrue();
            for (int i = 0; i < 7; i++) {
                in.offer(Message.of("sensor/t", "r" + i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.status().get(0).forwarded() == 7);

            HttpResponse<String> metrics = get(address, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("text/plain"));
            String body = metrics.body();
            assertThat(sample(body, "edgeflow_gateway_route_received_total", "readings")).isEqualTo(7);
            assertThat(sample(body, "edgeflow_gateway_route_forwarded_total", "readings")).isEqualTo(7);
            assertThat(sample(body, "edgeflow_gateway_route_failed_total", "readings")).isZero();
            assertThat(sample(body, "edgeflow_gateway_sink_send_seconds_count", "readings")).isEqualTo(7);
            assertThat(body).contains("edgeflow_gateway_ready{gateway=\"scraped\"} 1.0");
            // the process's own JVM and process meters, beside the gateway's
            assertThat(body).contains("jvm_memory_used_bytes{").contains("jvm_threads_live_threads ")
                    .contains("process_uptime_seconds ").contains("process_cpu_usage ");

            assertThat(get(address, "/nothing-here").statusCode()).isEqualTo(404);
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(uri(address, "/metrics"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    /** The value of a sample line of one route, such as {@code name{gateway="g",route="r",...} 7.0}. */
    private static double sample(String body, String name, String route) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(body);
        Double found = null;
        while (m.find()) {
            if (m.group(1).contains("route=\"" + route + "\"") && !m.group(1).contains("outcome=\"failure\"")
                    && !m.group(1).contains("outcome=\"rejected\"")) {
                assertThat(found).as("one sample of %s for route %s in\n%s", name, route, body).isNull();
                found = Double.parseDouble(m.group(2));
            }
        }
        assertThat(found).as("a sample of %s for route %s in\n%s", name, route, body).isNotNull();
        return found;
    }

    static URI uri(InetSocketAddress address, String path) {
        return URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + path);
    }

    static HttpResponse<String> get(InetSocketAddress address, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(address, path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
