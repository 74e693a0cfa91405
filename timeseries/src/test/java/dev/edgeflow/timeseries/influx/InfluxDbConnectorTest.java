package dev.edgeflow.timeseries.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.InvalidOptionException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Scheme {@code influxdb}: the options of a gateway file, to a sink writing line protocol. */
class InfluxDbConnectorTest {
    private static final long T = 1_796_000_000L;
    private final FakeInfluxDb server = new FakeInfluxDb();

    @AfterEach
    void stop() {
        server.close();
    }

    private static Message reading(String device, double temperature) {
        return Message.ofJson("sensor/" + device + "/reading",
                Map.of("device_id", device, "temperature", temperature, "timestamp", T));
    }

    @Test
    void aV1SinkFromOptionsWritesReadingsToTheDatabaseWithTheCredentials() throws Exception {
        Map<String, Object> options = new HashMap<>(Map.of("url", server.url().toString(), "database", "iot",
                "username", "edge", "password", "s3cret", "measurement", "greenhouse", "precision", "s",
                "maxBatchDelay", "1ms", "gzip", "false"));
        try (Sink sink = Connectors.sink("influxdb", options)) {
            sink.send(reading("pi-1", 21.5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        FakeInfluxDb.Request write = server.requests().stream().filter(r -> r.path().equals("/write")).findFirst()
                .orElseThrow();
        assertThat(write.query()).contains("db=iot").contains("precision=s");
        assertThat(write.header("Authorization")).startsWith("Basic ");
        assertThat(write.body()).startsWith("greenhouse,").contains("device_id=pi-1").contains("temperature=21.5")
                .endsWith(" " + T + "\n");
    }

    @Test
    void theUriFormNamesTheServerAndTheDatabase() throws Exception {
        URI uri = URI.create("influxdb://127.0.0.1:" + server.url().getPort() + "/iot?maxBatchDelay=1ms");
        try (Sink sink = Connectors.sink(uri)) {
            sink.send(reading("pi-2", 19.0)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        assertThat(server.requests()).anySatisfy(r -> {
            assertThat(r.path()).isEqualTo("/write");
            assertThat(r.query()).contains("db=iot");
            assertThat(r.body()).startsWith("sensor_reading,").contains("device_id=pi-2");
        });
    }

    @Test
    void aV2SinkWritesToTheBucketWithTheToken() throws Exception {
        try (Sink sink = Connectors.sink("influxdb", Map.of("url", server.url().toString(), "org", "farm",
                "bucket", "iot", "token", "t0ken", "maxBatchDelay", "1ms"))) {
            sink.send(reading("pi-3", 18.0)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        assertThat(server.requests()).anySatisfy(r -> {
            assertThat(r.path()).isEqualTo("/api/v2/write");
            assertThat(r.query()).contains("org=farm").contains("bucket=iot");
            assertThat(r.header("Authorization")).isEqualTo("Token t0ken");
        });
    }

    @Test
    void checkingNamesTheOptionThatIsWrongOrMissing() {
        assertThatThrownBy(() -> check(Map.of("url", "http://localhost:8086")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("database")
                .hasMessageContaining("org, bucket and token");
        assertThatThrownBy(() -> check(Map.of("database", "iot")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("url: http://localhost:8086");
        assertThatThrownBy(() -> check(Map.of("url", "http://localhost:8086", "org", "farm", "bucket", "iot")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("token");
        assertThatThrownBy(() -> check(Map.of("url", "http://localhost:8086", "org", "farm", "bucket", "iot",
                "token", "t", "database", "iot")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("database (InfluxDB 1.x)");
        assertThatThrownBy(() -> check(Map.of("url", "http://localhost:8086", "database", "iot", "username", "edge")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("add password");
        assertThatThrownBy(() -> check(Map.of("url", "ftp://localhost", "database", "iot")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("option 'url'")
                .hasMessageContaining("http or https");
        assertThatThrownBy(() -> check(Map.of("url", "http://localhost:8086", "database", "iot", "precision", "min")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("precision")
                .hasMessageContaining("ns, us, ms, s");
        assertThatThrownBy(() -> check(Map.of("url", "http://localhost:8086", "database", "iot", "maxBatchDelay", "2h")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("maxBatchDelay");
        assertThatThrownBy(() -> check(Map.of("url", "http://localhost:8086", "database", "iot", "measurment", "x")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("measurment")
                .hasMessageContaining("measurement");
    }

    @Test
    void checkingSendsNothing() {
        check(Map.of("url", server.url().toString(), "database", "iot", "createDatabase", "true"));

        assertThat(server.requests()).isEmpty();
    }

    private static void check(Map<String, ?> options) {
        Connectors.checkSink(ConnectorOptions.of("influxdb", options));
    }
}
