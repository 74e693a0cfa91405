package dev.edgeflow.timeseries.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.testkit.PostgresServer;
import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.TimeSeriesException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store's specification on a real PostgreSQL (a private server started by the test), and how
 * PostgreSQL's failures reach the caller.
 */
class PostgresTimeSeriesStoreIT extends TimeSeriesStoreSpec {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresServer server;
    private String database;

    @BeforeAll
    static void startServer() {
        server = PostgresServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    JdbcTimeSeriesStore openEmptyStore() throws Exception {
        database = "spec_" + DATABASES.incrementAndGet();
        server.createDatabase(database);
        return JdbcTimeSeriesStore.postgres(server.jdbcUrl(database), server.user(), "");
    }

    @AfterEach
    void dropDatabase() {
        if (store != null) {
            store.close();
        }
        server.dropDatabase(database);
    }

    @Test
    void createsANarrowTableWithItsKeyAsTheIndex() throws Exception {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(database), server.user(), "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT indexdef FROM pg_indexes WHERE tablename = 'readings'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).contains("(device_id, ts, field)");
        }
    }

    @Test
    void aStoppedServerMakesCallsFailRetryably() throws Exception {
        try (PostgresServer own = PostgresServer.start();
                JdbcTimeSeriesStore onOwn = JdbcTimeSeriesStore.builder().url(own.jdbcUrl("postgres"))
                        .user(own.user()).connectionTimeout(Duration.ofSeconds(1)).build()) {
            onOwn.write(List.of(point("pi-1", T0, Map.of("t", 1.0))));

            own.close();

            TimeSeriesException write = catchThrowableOfType(
                    () -> onOwn.write(List.of(point("pi-1", T0.plusSeconds(1), Map.of("t", 2.0)))),
                    TimeSeriesException.class);
            assertThat(write).isNotNull();
            assertThat(write.isRetryable()).isTrue();
            assertThat(write.getMessage()).contains(onOwn.name()).contains("cannot write a batch of 1 reading")
                    .contains("unreachable").contains("Retrying may succeed");
            TimeSeriesException query = catchThrowableOfType(onOwn::devices, TimeSeriesException.class);
            assertThat(query.isRetryable()).isTrue();
        }
    }

    @Test
    void aStoreOpenedBeforeItsServerCreatesTheTableOnceTheServerIsUp() throws Exception {
        int port = FreePorts.loopbackPort();
        try (JdbcTimeSeriesStore early = JdbcTimeSeriesStore.builder().url("jdbc:postgresql://127.0.0.1:" + port
                + "/postgres").user("postgres").connectionTimeout(Duration.ofMillis(500)).build()) {
            TimeSeriesException down = catchThrowableOfType(
                    () -> early.write(List.of(point("pi-1", T0, Map.of("t", 1.0)))), TimeSeriesException.class);
            assertThat(down.isRetryable()).isTrue();

            try (PostgresServer late = PostgresServer.builder().port(port).start()) {
                // The pool retries its connection with a backoff of up to 5 s, so the first write
                // after the server is back may still fail retryably, as the sink's retry expects.
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                    early.write(List.of(point("pi-1", T0, Map.of("t", 1.0))));
                    return true;
                });

                assertThat(early.devices()).extracting(DeviceSummary::device).containsExactly("pi-1");
            }
        }
    }

    @Test
    void aWrongPasswordFailsForGoodWithoutShowingIt() {
        try (PostgresServer guarded = PostgresServer.builder().password("right-password").start()) {
            TimeSeriesException e = catchThrowableOfType(
                    () -> JdbcTimeSeriesStore.postgres(guarded.jdbcUrl("postgres"), "postgres", "wrong-password"),
                    TimeSeriesException.class);

            assertThat(e).isNotNull();
            assertThat(e.isRetryable()).isFalse();
            assertThat(e.getMessage()).contains("postgresql://127.0.0.1:" + guarded.port() + "/postgres")
                    .contains("refused user 'postgres'").contains("password authentication failed")
                    .contains("check the user name and password").doesNotContain("wrong-password");
        }
    }

    @Test
    void aMissingDatabaseFailsForGood() {
        TimeSeriesException e = catchThrowableOfType(
                () -> JdbcTimeSeriesStore.postgres(server.jdbcUrl("no_such_db"), server.user(), ""),
                TimeSeriesException.class);

        assertThat(e).isNotNull();
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.getMessage()).contains("the database does not exist").contains("no_such_db")
                .contains("CREATE DATABASE");
    }

    @Test
    void aUserWithoutTheInsertPrivilegeFailsForGoodWithTheGrantToRun() throws Exception {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(database), server.user(), "");
                Statement s = c.createStatement()) {
            s.execute("DROP ROLE IF EXISTS reader");
            s.execute("CREATE ROLE reader LOGIN");
            s.execute("GRANT SELECT ON readings, readings_devices TO reader");
        }
        try (JdbcTimeSeriesStore asReader = JdbcTimeSeriesStore.postgres(server.jdbcUrl(database), "reader", "")) {
            assertThat(asReader.devices()).isEmpty();

            TimeSeriesException e = catchThrowableOfType(
                    () -> asReader.write(List.of(Point.of("pi-1", T0, Map.of("t", 1.0)))), TimeSeriesException.class);

            assertThat(e.isRetryable()).isFalse();
            assertThat(e.getMessage()).contains("user 'reader' lacks a privilege on readings")
                    .contains("GRANT SELECT, INSERT ON readings TO reader")
                    .contains("GRANT SELECT, INSERT, UPDATE ON readings_devices TO reader");
        } finally {
            try (Connection c = DriverManager.getConnection(server.jdbcUrl(database), server.user(), "");
                    Statement s = c.createStatement()) {
                s.execute("REVOKE ALL ON readings, readings_devices FROM reader");
                s.execute("DROP ROLE reader");
            }
        }
    }
}
