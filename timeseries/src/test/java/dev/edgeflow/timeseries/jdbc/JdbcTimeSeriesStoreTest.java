package dev.edgeflow.timeseries.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.StoredReading;
import dev.edgeflow.timeseries.TimeSeriesException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Building a store: names, tables, data sources and the checks on settings. */
class JdbcTimeSeriesStoreTest {
    private static final Instant T0 = Instant.parse("2024-06-01T12:00:00Z");

    @ParameterizedTest
    @ValueSource(strings = {"readings; DROP TABLE x", "1readings", "read-ings", "a.b.c", "", "\"readings\"",
            "readings ", "x234567890123456789012345678901234567890123456789012345678901234"})
    void rejectsATableNameThatIsNotAPlainIdentifier(String table) {
        assertThatThrownBy(() -> JdbcTimeSeriesStore.builder().table(table))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("table name '" + table + "' is not a plain SQL identifier");
    }

    @Test
    void writesToATableOfItsChoiceInASchema() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:mem:schema-test;DB_CLOSE_DELAY=-1", "sa", "");
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA iot");
            try (JdbcTimeSeriesStore store = JdbcTimeSeriesStore.builder()
                    .url("jdbc:h2:mem:schema-test").table("iot.sensor_data").build()) {
                store.write(List.of(Point.of("pi-1", T0, Map.of("t", 1.5))));

                assertThat(store.table()).isEqualTo("iot.sensor_data");
                try (ResultSet rs = s.executeQuery("SELECT device_id, \"VALUE\" FROM iot.sensor_data")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("pi-1");
                    assertThat(rs.getDouble(2)).isEqualTo(1.5);
                }
            }
            s.execute("SHUTDOWN");
        }
    }

    @Test
    void storesTagsAsAJsonObject() throws Exception {
        try (JdbcTimeSeriesStore store = JdbcTimeSeriesStore.h2InMemory("tags-test");
                Connection c = DriverManager.getConnection("jdbc:h2:mem:tags-test", "sa", "");
                Statement s = c.createStatement()) {
            store.write(List.of(new Point("pi-1", T0, Map.of("t", 1.0),
                    Map.of("topic", "sensor/pi-1/env", "note", "say \"hi\"\n"))));

            try (ResultSet rs = s.executeQuery("SELECT tags FROM readings")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("{\"note\":\"say \\\"hi\\\"\\n\",\"topic\":\"sensor/pi-1/env\"}");
            }
        }
    }

    @Test
    void usesADataSourceItIsGivenAndLeavesItOpen() throws Exception {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:datasource-test;DB_CLOSE_DELAY=-1");
        try (JdbcTimeSeriesStore store = JdbcTimeSeriesStore.builder().dataSource(dataSource).build()) {
            store.write(List.of(Point.of("pi-1", T0, Map.of("t", 2.0))));
            assertThat(store.name()).isEqualTo("datasource:JdbcDataSource");
        }
        try (JdbcTimeSeriesStore again = JdbcTimeSeriesStore.builder().dataSource(dataSource).build()) {
            assertThat(again.recent("pi-1", T0, 1)).containsExactly(new StoredReading("pi-1", T0, Map.of("t", 2.0)));
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        }
    }

    @Test
    void anInMemoryDatabaseIsGoneOnceItsStoreIsClosed() throws Exception {
        try (JdbcTimeSeriesStore store = JdbcTimeSeriesStore.h2InMemory("dropped")) {
            store.write(List.of(Point.of("pi-1", T0, Map.of("t", 1.0))));
            try (JdbcTimeSeriesStore sharing = JdbcTimeSeriesStore.h2InMemory("dropped")) {
                assertThat(sharing.devices()).hasSize(1);
            }
        }
        try (JdbcTimeSeriesStore store = JdbcTimeSeriesStore.h2InMemory("dropped")) {
            assertThat(store.devices()).isEmpty();
        }
    }

    @Test
    void theNameShowsWhereTheDatabaseIsButNoPassword() throws Exception {
        try (JdbcTimeSeriesStore store = JdbcTimeSeriesStore.builder().url("jdbc:h2:mem:named;DB_CLOSE_DELAY=-1").build()) {
            assertThat(store.name()).isEqualTo("h2:mem:named");
            assertThat(store.toString()).isEqualTo("JdbcTimeSeriesStore[h2:mem:named, table readings]");
        }
        // Nothing listens on port 1: the store opens anyway, to create its table once the server is up.
        try (JdbcTimeSeriesStore store = JdbcTimeSeriesStore.builder()
                .url("jdbc:postgresql://127.0.0.1:1/iot?password=hunter2&ssl=false").user("edgeflow").password("hunter3")
                .connectionTimeout(Duration.ofMillis(300)).build()) {
            assertThat(store.name()).isEqualTo("postgresql://127.0.0.1:1/iot");
            assertThat(store.toString()).doesNotContain("hunter");
            TimeSeriesException e = catchThrowableOfType(() -> store.write(List.of(Point.of("pi-1", T0,
                    Map.of("t", 1.0)))), TimeSeriesException.class);
            assertThat(e.isRetryable()).isTrue();
            assertThat(e.getMessage()).contains("postgresql://127.0.0.1:1/iot").contains("unreachable")
                    .doesNotContain("hunter");
        }
    }

    @Test
    void rejectsSettingsThatDoNotFit() {
        assertThatThrownBy(() -> JdbcTimeSeriesStore.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs either url(...) or dataSource(...), and got neither");
        assertThatThrownBy(() -> JdbcTimeSeriesStore.builder().url("jdbc:h2:mem:x").dataSource(new JdbcDataSource())
                .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> JdbcTimeSeriesStore.builder().url("jdbc:mysql://db/iot?password=hunter2").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("supports H2 and PostgreSQL")
                .hasMessageContaining("jdbc:mysql://db/iot").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> JdbcTimeSeriesStore.builder().url("jdbc:postgresql://db/iot").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a user");
        assertThatThrownBy(() -> JdbcTimeSeriesStore.postgres("jdbc:h2:mem:x", "u", "p"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a jdbc:postgresql: URL");
        assertThatThrownBy(() -> JdbcTimeSeriesStore.builder().poolSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("poolSize must be 1 to 64, was 0");
        assertThatThrownBy(() -> JdbcTimeSeriesStore.builder().connectionTimeout(Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectionTimeout");
        assertThatThrownBy(() -> JdbcTimeSeriesStore.h2InMemory("no spaces"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'no spaces'");
    }
}
