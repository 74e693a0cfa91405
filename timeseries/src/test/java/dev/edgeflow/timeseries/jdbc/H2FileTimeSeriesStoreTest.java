package dev.edgeflow.timeseries.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.StoredReading;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's specification on an H2 file, and what a file adds: its readings outlive the store. */
class H2FileTimeSeriesStoreTest extends TimeSeriesStoreSpec {
    @TempDir
    Path temp;

    @Override
    JdbcTimeSeriesStore openEmptyStore() throws Exception {
        return JdbcTimeSeriesStore.h2(temp.resolve("db"));
    }

    @Test
    void createsTheFolderAndTheDatabaseFile() {
        assertThat(temp.resolve("db/readings.mv.db")).isRegularFile();
        assertThat(store.name()).isEqualTo("h2:" + temp.resolve("db").toAbsolutePath());
    }

    @Test
    void readingsSurviveClosingAndReopening() throws Exception {
        store.write(List.of(point("pi-1", T0, Map.of("t", 21.5)), point("pi-1", T0.plusSeconds(1), Map.of("t", 22.0))));
        store.close();

        store = JdbcTimeSeriesStore.h2(temp.resolve("db"));

        assertThat(store.devices()).containsExactly(new DeviceSummary("pi-1", T0.plusSeconds(1),
                new StoredReading("pi-1", T0.plusSeconds(1), Map.of("t", 22.0))));
        store.write(List.of(point("pi-1", T0.plusSeconds(2), Map.of("t", 23.0))));
        assertThat(store.recent("pi-1", T0, 10)).hasSize(3);
    }

    @Test
    void aDatabaseWithoutTheDevicesTableGetsOneFilledFromItsReadings() throws Exception {
        store.write(List.of(point("pi-1", T0, Map.of("t", 21.5)), point("pi-2", T0.plusSeconds(1), Map.of("t", 22.0)),
                point("pi-1", T0.plusSeconds(2), Map.of("t", 23.0))));
        store.close();
        // as a database written before the devices table existed
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + temp.resolve("db/readings"), "sa", "");
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE readings_devices");
        }

        store = JdbcTimeSeriesStore.h2(temp.resolve("db"));

        assertThat(store.devices()).extracting(DeviceSummary::device, DeviceSummary::lastSeen)
                .containsExactly(tuple("pi-1", T0.plusSeconds(2)), tuple("pi-2", T0.plusSeconds(1)));
    }

    @Test
    void createsMissingParentFolders() throws Exception {
        Path nested = temp.resolve("a/b/c");
        try (JdbcTimeSeriesStore other = JdbcTimeSeriesStore.h2(nested)) {
            other.write(List.of(point("pi-1", T0, Map.of("t", 1.0))));
        }
        assertThat(Files.list(nested)).anyMatch(f -> f.getFileName().toString().equals("readings.mv.db"));
    }
}
