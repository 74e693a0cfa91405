package dev.edgeflow.timeseries.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.testkit.PostgresServer;
import dev.edgeflow.timeseries.StoredReading;
import dev.edgeflow.timeseries.jdbc.JdbcTimeSeriesStore;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Scheme {@code postgres} against a real PostgreSQL that the test starts. */
class TimeSeriesConnectorProviderIT {
    private static final long T = 1_796_000_000L;

    @Test
    void aPostgresSinkByUriStoresReadingsInTheTableItNames() throws Exception {
        try (PostgresServer server = PostgresServer.start()) {
            server.createDatabase("iot");
            URI uri = URI.create("postgres://" + server.host() + ":" + server.port() + "/iot?user=" + server.user()
                    + "&table=greenhouse&maxBatchDelay=1ms");
            try (Sink sink = Connectors.sink(uri)) {
                for (int i = 0; i < 3; i++) {
                    sink.send(Message.ofJson("sensor/pi-1/reading", Map.of("device_id", "pi-1", "temperature",
                            20.0 + i, "timestamp", T + i))).toCompletableFuture().get(10, TimeUnit.SECONDS);
                }
            }

            try (JdbcTimeSeriesStore store = JdbcTimeSeriesStore.builder().url(server.jdbcUrl("iot"))
                    .user(server.user()).table("greenhouse").build()) {
                assertThat(store.recent("pi-1", Instant.ofEpochSecond(T), 10)).extracting(StoredReading::fields)
                        .containsExactlyInAnyOrder(Map.of("temperature", 20.0), Map.of("temperature", 21.0),
                                Map.of("temperature", 22.0));
            }
        }
    }
}
