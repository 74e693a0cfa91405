package dev.edgeflow.timeseries.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Sink;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.InvalidOptionException;
import dev.edgeflow.timeseries.StoredReading;
import dev.edgeflow.timeseries.jdbc.JdbcTimeSeriesStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schemes {@code h2} and {@code postgres}: a gateway file's options to a sink over a JDBC store. */
class TimeSeriesConnectorProviderTest {
    private static final long T = 1_796_000_000L;

    @TempDir
    Path dir;

    private static Message reading(String device, double temperature, long time) {
        return Message.ofJson("sensor/" + device + "/reading",
                Map.of("device_id", device, "temperature", temperature, "timestamp", time));
    }

    @Test
    void anH2SinkStoresReadingsInTheFolderAndClosesItsStoreWithItself() throws Exception {
        Path folder = dir.resolve("readings");
        try (Sink sink = Connectors.sink(URI.create("h2://" + folder.toUri().getPath() + "?maxBatchDelay=1ms"))) {
            sink.send(reading("pi-1", 21.5, T)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            sink.send(reading("pi-1", 22.0, T + 1)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        // Closed with the sink: H2 lets one process at a time have the file, so this open would fail.
        try (JdbcTimeSeriesStore store = JdbcTimeSeriesStore.h2(folder)) {
            assertThat(store.recent("pi-1", Instant.ofEpochSecond(T), 10)).extracting(StoredReading::fields)
                    .containsExactlyInAnyOrder(Map.of("temperature", 21.5), Map.of("temperature", 22.0));
        }
    }

    @Test
    void theParsersOptionsApply() throws Exception {
        try (Sink sink = Connectors.sink("h2", Map.of("path", dir.resolve("db").toString(), "maxFutureSkew", "1s",
                "maxBatchDelay", "1ms"))) {
            long future = Instant.now().plusSeconds(3600).getEpochSecond();

            assertThatThrownBy(() -> sink.send(reading("pi-1", 21.5, future)).toCompletableFuture().get(10,
                    TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(MessageRejectedException.class);
        }
    }

    @Test
    void checkingNamesTheOptionThatIsWrongOrMissing() {
        assertThatThrownBy(() -> check("h2", Map.of())).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("path=/var/lib/edgeflow/readings");
        assertThatThrownBy(() -> check("h2", Map.of("path", "/tmp/x", "table", "t")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("table");
        assertThatThrownBy(() -> check("postgres", Map.of("user", "edge")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("jdbc:postgresql://localhost:5432/iot");
        assertThatThrownBy(() -> check("postgres", Map.of("url", "jdbc:mysql://localhost/iot")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("jdbc:postgresql:");
        assertThatThrownBy(() -> check("postgres", Map.of("host", "db.local")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("postgres://db.local:5432/iot");
        assertThatThrownBy(() -> check("postgres", Map.of("url", "jdbc:postgresql://localhost/iot", "table",
                "readings; drop")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("option 'table'");
        assertThatThrownBy(() -> check("postgres", Map.of("url", "jdbc:postgresql://localhost/iot", "poolSize", "0")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("poolSize");
    }

    @Test
    void checkingAPostgresSinkDoesNotConnect() {
        // Nothing listens on port 1: creating the store would fail or wait, checking does neither.
        check("postgres", Map.of("url", "jdbc:postgresql://127.0.0.1:1/iot", "user", "edge", "password", "pw",
                "maxBatchSize", "100"));
    }

    @Test
    void checkingLeavesNoDatabaseBehind() {
        check("h2", Map.of("path", dir.resolve("never").toString()));

        assertThat(dir.resolve("never")).doesNotExist();
    }

    private static void check(String scheme, Map<String, ?> options) {
        Connectors.checkSink(ConnectorOptions.of(scheme, options));
    }
}
