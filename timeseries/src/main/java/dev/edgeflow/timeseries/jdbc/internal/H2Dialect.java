package dev.edgeflow.timeseries.jdbc.internal;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneId;

/** H2 2.x, embedded. */
final class H2Dialect implements Dialect {

    @Override
    public String kind() {
        return "h2";
    }

    @Override
    public String valueColumn() {
        return "\"VALUE\"";
    }

    /**
     * H2 has no INSERT ... ON CONFLICT outside its PostgreSQL mode; the standard MERGE does the
     * same. The casts give the VALUES row its types, which H2 cannot infer from parameters.
     */
    @Override
    public String insert(String table) {
        return "MERGE INTO " + table + " t USING (VALUES (CAST(? AS VARCHAR), CAST(? AS TIMESTAMP WITH TIME ZONE), "
                + "CAST(? AS VARCHAR), CAST(? AS DOUBLE PRECISION), CAST(? AS VARCHAR))) "
                + "AS s(device_id, ts, field, v, tags) "
                + "ON t.device_id = s.device_id AND t.ts = s.ts AND t.field = s.field "
                + "WHEN NOT MATCHED THEN INSERT (device_id, ts, field, \"VALUE\", tags) "
                + "VALUES (s.device_id, s.ts, s.field, s.v, s.tags)";
    }

    @Override
    public String upsertLastSeen(String devices) {
        return "MERGE INTO " + devices + " t USING (VALUES (CAST(? AS VARCHAR), CAST(? AS TIMESTAMP WITH TIME ZONE))) "
                + "AS s(device_id, last_ts) ON t.device_id = s.device_id "
                + "WHEN MATCHED AND t.last_ts < s.last_ts THEN UPDATE SET last_ts = s.last_ts "
                + "WHEN NOT MATCHED THEN INSERT (device_id, last_ts) VALUES (s.device_id, s.last_ts)";
    }

    @Override
    public String backfillLastSeen(String devices, String table) {
        return "MERGE INTO " + devices + " t USING (SELECT device_id, MAX(ts) AS last_ts FROM " + table
                + " GROUP BY device_id) s ON t.device_id = s.device_id "
                + "WHEN NOT MATCHED THEN INSERT (device_id, last_ts) VALUES (s.device_id, s.last_ts)";
    }

    /**
     * H2 computes a query's whole result before handing out its first row, unless the session
     * executes queries lazily: then the newest readings of a device over months of them take
     * milliseconds instead of seconds.
     */
    @Override
    public void lazyQueries(Connection connection, boolean lazy) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SET LAZY_QUERY_EXECUTION " + (lazy ? "TRUE" : "FALSE"));
        }
    }

    /**
     * H2 walks the primary key backwards for {@code ORDER BY device_id DESC, ts DESC, field DESC}
     * but computes {@code SELECT DISTINCT ts ... ORDER BY ts DESC LIMIT n} over every row of the
     * device first (7 s over a million rows).
     */
    @Override
    public boolean streamsNewestFirst() {
        return true;
    }

    /**
     * {@code ts AT TIME ZONE 'Europe/Berlin'} is right in H2 2.x, DST included, but a CAST of
     * the result to DATE converts it to the session's time zone first, and DATE_TRUNC keeps the
     * row's own offset on the day's start (a DST day then splits in two). Formatting the local
     * date is the form that gives the day in the asked zone.
     */
    @Override
    public String localDay(String column, ZoneId zone) {
        return "CAST(FORMATDATETIME(" + column + " AT TIME ZONE ?, 'yyyy-MM-dd') AS DATE)";
    }

    @Override
    public String zoneArgument(ZoneId zone) {
        // H2 reads zone ids with java.time's rules: region ids, "Z", "+01:00".
        return zone.normalized().getId();
    }

    @Override
    public String binaryOrder(String column) {
        // H2 compares strings by UTF-16 code unit unless a collation is set, as Java does.
        return column;
    }

    @Override
    public void configure(HikariConfig config, int queryTimeoutSeconds) {
        // nothing to add: an embedded database has no network to time out
    }

    @Override
    public void afterCreate(Connection connection, String table) {
        // the plain table is all there is
    }
}
