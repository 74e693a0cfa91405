package dev.edgeflow.timeseries.jdbc.internal;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
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
