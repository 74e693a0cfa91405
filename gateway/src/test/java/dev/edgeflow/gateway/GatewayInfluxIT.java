package dev.edgeflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
import dev.edgeflow.memory.MemorySource;
import dev.edgeflow.testkit.InfluxDbServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A gateway file whose sink is a real InfluxDB 1.x: readings in, points stored, the password kept out of sight. */
class GatewayInfluxIT {
    private static final long T = 1_796_000_000L;
    /** The count in {@code "values":[["1970-01-01T00:00:00Z",100]]}; with epoch=ns the time is 0. */
    private static final Pattern COUNT = Pattern.compile("\\[\\[0,(\\d+)\\]\\]");

    @TempDir
    Path dir;

    @Test
    void storesEveryReadingInInfluxDbAndDrainsOnStop() throws Exception {
        try (InfluxDbServer influx = InfluxDbServer.start()) {
            MemorySource in = MemorySource.named("influx-it-in");
            Path file = dir.resolve("influx.yaml");
            Files.writeString(file, """
                    name: influx-it
                    sources:
                      sensors: {type: memory, options: {name: influx-it-in}}
                    sinks:
                      influx:
                        type: influxdb
                        options:
                          url: "${INFLUX_URL}"
                          database: iot
                          createDatabase: true
                          password: "${INFLUX_PASSWORD}"
                          username: edgeflow
                          precision: s
                    routes:
                      - {name: store, source: sensors, sink: influx}
                    """);
            GatewayConfig config = GatewayConfig.load(file, Map.of("INFLUX_URL", influx.url().toString(),
                    "INFLUX_PASSWORD", "not-checked-by-this-server"));
            assertThat(config.show()).doesNotContain("not-checked-by-this-server");
            Gateway gateway = Gateway.start(config);
            GatewayStopReport report;
            try {
                for (int i = 0; i < 100; i++) {
                    Message reading = Message.ofJson("sensor/pi-" + (i % 2) + "/reading",
                            Map.of("device_id", "pi-" + (i % 2), "temperature", 20.0 + i / 10.0, "timestamp", T + i));
                    assertThat(in.offer(reading, Duration.ofSeconds(5))).isTrue();
                }
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> count(influx) == 100);
            } finally {
                report = gateway.stop(Duration.ofSeconds(10));
            }
            assertThat(report.routes().get("store").drained()).isTrue();
            assertThat(count(influx)).isEqualTo(100);
            assertThat(influx.query("iot", "SELECT temperature FROM sensor_reading WHERE device_id = 'pi-1' "
                    + "ORDER BY time DESC LIMIT 1")).contains("29.9");
        }
    }

    private static long count(InfluxDbServer influx) {
        String body = influx.query("iot", "SELECT count(temperature) FROM sensor_reading");
        Matcher m = COUNT.matcher(body);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
