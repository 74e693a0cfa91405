package dev.edgeflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.edgeflow.core.Message;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class GatewayTest {
    @TempDir
    Path dir;

    private GatewayConfig load(String yaml) throws IOException {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return GatewayConfig.load(file, Map.of());
    }

    @Test
    void forwardsFromSourceThroughRoutesToSinksWithAPrefixAndDrainsOnStop() throws Exception {
        MemorySource in = MemorySource.named("gw-in");
        MemorySink up = MemorySink.named("gw-up");
        MemorySink status = MemorySink.named("gw-status");
        GatewayConfig config = load("""
                name: e2e
                sources:
                  sensors: {type: memory, options: {name: gw-in}}
                sinks:
                  up: {type: memory, options: {name: gw-up}}
                  status: {type: memory, options: {name: gw-status}}
                routes:
                  - name: readings
                    source: sensors
                    topic: sensor/#
                    sink: up
                    targetTopicPrefix: site1/
                    stages:
                      - filter: {hasField: temperature}
                  - name: status
                    source: sensors
                    topic: device/+/status
                    sink: status
                    rewrite: {from: device/, to: fleet/}
                """);

        Gateway gateway = Gateway.start(config);
        for (int i = 0; i < 20; i++) {
            assertThat(in.offer(Message.of("sensor/pi-1/reading", "{\"temperature\":" + i + "}"))).isTrue();
        }
        in.offer(Message.of("sensor/pi-1/reading", "{\"humidity\":40}"));
        in.offer(Message.of("device/pump/status", "on"));
        in.offer(Message.of("other/topic", "no route"));

        await().atMost(Duration.ofSeconds(10)).until(() -> up.messages().size() == 20 && status.messages().size() == 1);
        assertThat(up.messages()).extracting(Message::topic).containsOnly("site1/sensor/pi-1/reading");
        assertThat(up.messages().get(19).payloadAsString()).isEqualTo("{\"temperature\":19}");
        assertThat(status.messages()).extracting(Message::topic).containsExactly("fleet/pump/status");
        await().atMost(Duration.ofSeconds(10)).until(() -> in.acked() == 23);

        List<RouteStatus> routes = gateway.status();
        assertThat(routes).extracting(RouteStatus::route).containsExactly("readings", "status");
        assertThat(routes.get(0).received()).isEqualTo(21);
        assertThat(routes.get(0).forwarded()).isEqualTo(20);
        assertThat(routes.get(0).filtered()).isEqualTo(1);
        assertThat(routes.get(1).forwarded()).isEqualTo(1);
        assertThat(gateway.statusLine()).startsWith("gateway e2e: 2/2 routes running | readings received=21 "
                + "forwarded=20 buffered=0 dropped=0 failed=0 | status received=1 forwarded=1").endsWith("unrouted=1");

        GatewayStopReport report = gateway.stop(Duration.ofSeconds(5));
        assertThat(report.drained()).isTrue();
        assertThat(report.left()).isZero();
        assertThat(report.routes()).containsOnlyKeys("readings", "status");
        assertThat(gateway.stop(Duration.ofSeconds(1))).isSameAs(report);
        assertThat(gateway.status()).noneMatch(RouteStatus::running);
    }

    @Test
    void stopReportsWhatWasLeftWhenTheSinkDoesNotConfirmInTime() throws Exception {
        MemorySource in = MemorySource.named("gw-slow-in");
        MemorySink slow = MemorySink.named("gw-slow-out");
        // The batch stage holds every send until 50 messages or an hour: nothing settles by the deadline.
        GatewayConfig config = load("""
                sources:
                  in: {type: memory, options: {name: gw-slow-in}}
                sinks:
                  out: {type: memory, options: {name: gw-slow-out}}
                routes:
                  - source: in
                    sink: out
                    stages:
                      - batch: {size: 50, linger: 1h}
                """);
        Gateway gateway = Gateway.start(config);
        for (int i = 0; i < 5; i++) {
            in.offer(Message.of("t", "m" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.status().get(0).inFlight() == 5);
        assertThat(slow.messages()).isEmpty(); // the batch waits for 50 messages or an hour

        GatewayStopReport report = gateway.stop(Duration.ofMillis(200));

        // the drain deadline passed with the batch unsent
        assertThat(report.drained()).isFalse();
        assertThat(report.left()).isEqualTo(5);
        assertThat(report.toString()).contains("not drained").contains("5 left (route in-to-out: 5)");
    }

    @Test
    void neverLogsASecret() throws Exception {
        Files.writeString(dir.resolve("queue-name"), "secret-queue-77");
        MemorySource.named("secret-queue-77");
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try {
            GatewayConfig config = load("""
                    sources:
                      in: {type: memory, options: {name: "${file:queue-name}"}}
                    sinks:
                      out: {type: log, options: {name: edgeflow.test.out}}
                    routes:
                      - {source: in, sink: out}
                    """);
            Gateway gateway = Gateway.start(config);
            String line = gateway.statusLine();
            gateway.stop(Duration.ofSeconds(1));

            assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.contains("route 'in-to-out'"))
                    .noneMatch(m -> m.contains("secret-queue-77"));
            assertThat(line + config.show() + config).doesNotContain("secret-queue-77");
        } finally {
            root.detachAppender(logs);
        }
    }

    @Test
    void failsToStartWithTheConnectorNamedAndClosesWhatWasCreated() throws Exception {
        Path blocked = dir.resolve("file-not-dir");
        Files.writeString(blocked, "x");
        GatewayConfig config = load("""
                sources:
                  in: {type: memory, options: {name: gw-fail-in}}
                sinks:
                  out: {type: memory, options: {name: gw-fail-out}}
                  archive: {type: jsonl, options: {path: %s}}
                routes:
                  - {source: in, sink: out}
                  - {source: in, sink: archive}
                """.formatted(blocked.resolve("readings.jsonl")));

        assertThatThrownBy(() -> Gateway.start(config))
                .isInstanceOf(GatewayException.class)
                .hasMessageStartingWith("sink 'archive' (jsonl{path=" + blocked.resolve("readings.jsonl") + "}) could "
                        + "not be created: ")
                .hasMessageEndingWith("; check sinks.archive in " + dir.resolve("gateway.yaml"));
        // the memory sink created before was closed, which removes it from the registry: a new one is empty
        assertThat(MemorySink.named("gw-fail-out").accepted()).isZero();
    }
}
