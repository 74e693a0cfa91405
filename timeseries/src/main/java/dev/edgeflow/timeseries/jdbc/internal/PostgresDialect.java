package dev.edgeflow.timeseries.jdbc.internal;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** PostgreSQL 12 or later, with TimescaleDB where the server has it. */
final class PostgresDialect implements Dialect {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresDialect.class);

    @Override
    public String kind() {
        return "postgresql";
    }

    @Override
    public String valueColumn() {
        return "value";
    }

    @Override
    public String insert(String table) {
        return "INSERT INTO " + table + " (device_id, ts, field, value, tags) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT (device_id, ts, field) DO NOTHING";
    }

    @Override
    public String upsertLastSeen(String devices) {
        return "INSERT INTO " + devices + " AS t (device_id, last_ts) VALUES (?, ?) ON CONFLICT (device_id) "
                + "DO UPDATE SET last_ts = EXCLUDED.last_ts WHERE t.last_ts < EXCLUDED.last_ts";
    }

    @Override
    public String backfillLastSeen(String devices, String table) {
        return "INSERT INTO " + devices + " (device_id, last_ts) SELECT device_id, MAX(ts) FROM " + table
                + " GROUP BY device_id ON CONFLICT (device_id) DO NOTHING";
    }

    /**
     * {@code AT TIME ZONE 'text'} reads a numeric offset POSIX-style, with the sign inverted
     * ({@code '+01:00'} is one hour west). A fixed offset therefore goes in as an interval,
     * which PostgreSQL reads ISO-style; a region goes in by name.
     */
    @Override
    public String localDay(String column, ZoneId zone) {
        return zone.normalized() instanceof ZoneOffset
                ? "CAST(" + column + " AT TIME ZONE CAST(? AS INTERVAL) AS DATE)"
                : "CAST(" + column + " AT TIME ZONE ? AS DATE)";
    }

    @Override
    public String zoneArgument(ZoneId zone) {
        ZoneId normalized = zone.normalized();
        return normalized instanceof ZoneOffset
                ? ((ZoneOffset) normalized).getTotalSeconds() + " seconds"
                : normalized.getId();
    }

    @Override
    public String binaryOrder(String column) {
        // A database made with en_US.UTF-8 sorts "b" before "C"; Java and H2 sort by code point.
        return column + " COLLATE \"C\"";
    }

    @Override
    public void configure(HikariConfig config, int queryTimeoutSeconds) {
        // One multi-row INSERT per 128 rows of a batch instead of one statement per row.
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("connectTimeout",
                Long.toString(Math.max(1, config.getConnectionTimeout() / 1000)));
        // A server that stops answering (a dead link, not a refused connection) would otherwise
        // hold a write forever; the query timeout cancels first, this catches what it cannot.
        config.addDataSourceProperty("socketTimeout", Integer.toString(queryTimeoutSeconds + 30));
        config.addDataSourceProperty("ApplicationName", "edgeflow-timeseries");
    }

    /**
     * Makes the table a TimescaleDB hypertable where the server offers the extension. This is
     * an optimisation for large tables only, so a refusal (no privilege to create extensions,
     * the library not preloaded) is logged and the plain table used.
     */
    @Override
    public void afterCreate(Connection connection, String table) throws SQLException {
        try (Statement s = connection.createStatement()) {
            try (ResultSet available = s.executeQuery(
                    "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")) {
                if (!available.next()) {
                    return;
                }
            }
            try {
                s.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
                s.execute("SELECT create_hypertable('" + table + "', 'ts', if_not_exists => TRUE, "
                        + "migrate_data => TRUE)");
                LOG.info("table {} is a TimescaleDB hypertable", table);
            } catch (SQLException e) {
                if (SqlFailures.isConnectionFailure(e)) {
                    throw e;
                }
                LOG.warn("TimescaleDB is available but table {} stays a plain table: {}", table, e.getMessage());
            }
        }
    }
}
