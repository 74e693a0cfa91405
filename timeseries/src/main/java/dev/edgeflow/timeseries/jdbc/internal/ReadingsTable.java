package dev.edgeflow.timeseries.jdbc.internal;

import dev.edgeflow.timeseries.DailyStatistics;
import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.FieldStatistics;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.StoredReading;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The narrow readings table and every statement the store runs on it: one row per device, time
 * and field. Aggregates are computed by the database; Java only puts the rows of one reading
 * back together.
 *
 * <pre>
 * device_id VARCHAR(255), ts TIMESTAMP WITH TIME ZONE, field VARCHAR(255), value DOUBLE PRECISION,
 * tags VARCHAR (a JSON object, NULL when there are none), PRIMARY KEY (device_id, ts, field)
 * </pre>
 *
 * <p>The primary key is the index on (device_id, ts) every query needs, with the field added so
 * that a reading written twice is stored once.
 *
 * <p>Beside it, {@code <table>_devices (device_id PRIMARY KEY, last_ts)} holds each device's
 * newest time, updated in the same transaction as the rows. The device list reads it instead of
 * grouping every row of the readings table, which takes seconds over millions of rows and is
 * asked for on every dashboard page load.
 */
public final class ReadingsTable {
    /** Longest device id and field name a row may hold. */
    public static final int MAX_NAME_LENGTH = 255;
    /** Rows sent per {@code executeBatch} within a write's one transaction, to bound the driver's memory. */
    private static final int ROWS_PER_BATCH = 1000;
    /** Appended to the table's name for the devices table; PostgreSQL cuts names at 63 characters. */
    private static final String DEVICES_SUFFIX = "_devices";
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,54}");

    private final String table;
    private final Dialect dialect;
    private final int queryTimeoutSeconds;
    private final String insert;
    private final String devices;
    private final String upsertLastSeen;
    private final String value;

    /**
     * Describes the table.
     *
     * @param table a name checked by {@link #checkTableName(String)}
     * @param dialect the database's dialect
     * @param queryTimeoutSeconds the timeout of every statement, 0 for none
     */
    public ReadingsTable(String table, Dialect dialect, int queryTimeoutSeconds) {
        this.table = checkTableName(table);
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.queryTimeoutSeconds = queryTimeoutSeconds;
        this.insert = dialect.insert(table);
        this.devices = table + DEVICES_SUFFIX;
        this.upsertLastSeen = dialect.upsertLastSeen(devices);
        this.value = dialect.valueColumn();
    }

    /**
     * Checks a table name: a plain SQL identifier, optionally qualified by a schema. It goes into
     * the SQL as it is, so nothing else is allowed.
     *
     * @param name such as {@code readings} or {@code iot.readings}
     * @return the name
     * @throws IllegalArgumentException if it is not such a name
     */
    public static String checkTableName(String name) {
        Objects.requireNonNull(name, "table");
        String[] parts = name.split("\\.", -1);
        boolean valid = parts.length <= 2;
        for (String part : parts) {
            valid &= IDENTIFIER.matcher(part).matches();
        }
        if (!valid) {
            throw new IllegalArgumentException("table name '" + name + "' is not a plain SQL identifier: use letters, "
                    + "digits and underscores, starting with a letter or underscore, at most 55 characters (the devices "
                    + "table beside it adds '" + DEVICES_SUFFIX + "'), "
                    + "optionally after a schema name and a dot (such as readings or iot.readings)");
        }
        return name;
    }

    /**
     * Returns the dialect.
     *
     * @return the dialect
     */
    public Dialect dialect() {
        return dialect;
    }

    /**
     * Creates the readings table and the devices table if they are missing, and what the
     * dialect adds. A devices table made for a readings table that already has rows is filled
     * from it, once.
     *
     * @param connection a connection in auto-commit mode
     * @throws SQLException if the database refuses
     */
    public void create(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            if (!exists(s, table)) {
                s.execute("CREATE TABLE IF NOT EXISTS " + table + " ("
                        + "device_id VARCHAR(" + MAX_NAME_LENGTH + ") NOT NULL, "
                        + "ts TIMESTAMP WITH TIME ZONE NOT NULL, "
                        + "field VARCHAR(" + MAX_NAME_LENGTH + ") NOT NULL, "
                        + value + " DOUBLE PRECISION NOT NULL, "
                        + "tags VARCHAR, "
                        + "PRIMARY KEY (device_id, ts, field))");
                dialect.afterCreate(connection, table);
            }
            if (!exists(s, devices)) {
                s.execute("CREATE TABLE IF NOT EXISTS " + devices + " ("
                        + "device_id VARCHAR(" + MAX_NAME_LENGTH + ") NOT NULL PRIMARY KEY, "
                        + "last_ts TIMESTAMP WITH TIME ZONE NOT NULL)");
                s.execute(dialect.backfillLastSeen(devices, table));
            }
        }
    }

    /**
     * Looks for a table by reading none of its rows, because CREATE TABLE IF NOT EXISTS needs
     * the CREATE privilege on the schema even when the table exists, and a user who may only
     * write to it has none.
     */
    private static boolean exists(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT device_id FROM " + name + " WHERE 1 = 0")) {
            return true;
        } catch (SQLException e) {
            if (!isMissingTable(e)) {
                throw e;
            }
            return false;
        }
    }

    /**
     * Adds the rows of the points to a batch and runs it, and records each device's newest
     * time, without committing.
     *
     * @param connection a connection with auto-commit off
     * @param points the points
     * @return how many rows were sent
     * @throws SQLException if the database refuses a row
     */
    public int insert(Connection connection, List<Point> points) throws SQLException {
        int rows = 0;
        try (PreparedStatement ps = connection.prepareStatement(insert)) {
            timeout(ps);
            int pending = 0;
            for (Point point : points) {
                OffsetDateTime time = timestamp(point.time());
                String tags = tagsJson(point.tags());
                for (Map.Entry<String, Double> field : point.fields().entrySet()) {
                    ps.setString(1, point.device());
                    ps.setObject(2, time);
                    ps.setString(3, field.getKey());
                    ps.setDouble(4, field.getValue());
                    if (tags == null) {
                        ps.setNull(5, Types.VARCHAR);
                    } else {
                        ps.setString(5, tags);
                    }
                    ps.addBatch();
                    rows++;
                    if (++pending == ROWS_PER_BATCH) {
                        ps.executeBatch();
                        pending = 0;
                    }
                }
            }
            if (pending > 0) {
                ps.executeBatch();
            }
        }
        recordLastSeen(connection, points);
        return rows;
    }

    /**
     * One upsert per device of the batch, in the order of the device ids, so that two writers
     * lock the devices' rows in the same order and cannot deadlock.
     */
    private void recordLastSeen(Connection connection, List<Point> points) throws SQLException {
        Map<String, Instant> newest = new TreeMap<>();
        for (Point point : points) {
            if (!point.fields().isEmpty()) {
                newest.merge(point.device(), point.time(), (a, b) -> a.isAfter(b) ? a : b);
            }
        }
        if (newest.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(upsertLastSeen)) {
            timeout(ps);
            for (Map.Entry<String, Instant> device : newest.entrySet()) {
                ps.setString(1, device.getKey());
                ps.setObject(2, timestamp(device.getValue()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Reads a device's newest readings: the newest {@code limit} distinct times, with every
     * field of each.
     *
     * @param connection a connection
     * @param device the device id
     * @param since the oldest time to include
     * @param limit how many readings
     * @return newest first
     * @throws SQLException if the database refuses
     */
    public List<StoredReading> recent(Connection connection, String device, Instant since, int limit)
            throws SQLException {
        Map<Instant, Map<String, Double>> byTime = dialect.streamsNewestFirst()
                ? recentStreamed(connection, device, since, limit)
                : recentByDistinctTimes(connection, device, since, limit);
        List<StoredReading> readings = new ArrayList<>(byTime.size());
        byTime.forEach((time, fields) -> readings.add(reading(device, time, fields)));
        return readings;
    }

    private Map<Instant, Map<String, Double>> recentByDistinctTimes(Connection connection, String device, Instant since,
            int limit) throws SQLException {
        String sql = "SELECT r.ts, r.field, r." + value + " FROM "
                + "(SELECT DISTINCT ts FROM " + table + " WHERE device_id = ? AND ts >= ? ORDER BY ts DESC LIMIT ?) n "
                + "JOIN " + table + " r ON r.device_id = ? AND r.ts = n.ts "
                + "ORDER BY r.ts DESC";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            timeout(ps);
            ps.setString(1, device);
            ps.setObject(2, timestamp(since));
            ps.setInt(3, limit);
            ps.setString(4, device);
            Map<Instant, Map<String, Double>> byTime = new LinkedHashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byTime.computeIfAbsent(instant(rs, 1), t -> new TreeMap<>()).put(rs.getString(2), rs.getDouble(3));
                }
            }
            return byTime;
        }
    }

    /** Reads the device's rows newest first along the primary key, and stops after the last reading asked for. */
    private Map<Instant, Map<String, Double>> recentStreamed(Connection connection, String device, Instant since,
            int limit) throws SQLException {
        String sql = "SELECT ts, field, " + value + " FROM " + table + " WHERE device_id = ? AND ts >= ? "
                + "ORDER BY device_id DESC, ts DESC, field DESC";
        Map<Instant, Map<String, Double>> byTime = new LinkedHashMap<>();
        dialect.lazyQueries(connection, true);
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            timeout(ps);
            ps.setString(1, device);
            ps.setObject(2, timestamp(since));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant time = instant(rs, 1);
                    Map<String, Double> fields = byTime.get(time);
                    if (fields == null) {
                        if (byTime.size() == limit) {
                            break;
                        }
                        fields = new TreeMap<>();
                        byTime.put(time, fields);
                    }
                    fields.put(rs.getString(2), rs.getDouble(3));
                }
            }
        } finally {
            dialect.lazyQueries(connection, false);
        }
        return byTime;
    }

    /**
     * Aggregates each field of a device over a window.
     *
     * @param connection a connection
     * @param device the device id
     * @param from the window's start, inclusive
     * @param to the window's end, exclusive
     * @return by field, sorted
     * @throws SQLException if the database refuses
     */
    public Map<String, FieldStatistics> statistics(Connection connection, String device, Instant from, Instant to)
            throws SQLException {
        String sql = "SELECT field, " + aggregates() + " FROM " + table
                + " WHERE device_id = ? AND ts >= ? AND ts < ? GROUP BY field";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            timeout(ps);
            ps.setString(1, device);
            ps.setObject(2, timestamp(from));
            ps.setObject(3, timestamp(to));
            Map<String, FieldStatistics> result = new TreeMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    FieldStatistics statistics = fieldStatistics(rs, 1);
                    result.put(statistics.field(), statistics);
                }
            }
            return Collections.unmodifiableMap(result);
        }
    }

    /**
     * Aggregates each field of a device per calendar day of a zone.
     *
     * @param connection a connection
     * @param device the device id
     * @param from the first day's start in the zone
     * @param to the start of the day after the last, in the zone
     * @param zone the zone
     * @return by day, then field
     * @throws SQLException if the database refuses
     */
    public List<DailyStatistics> daily(Connection connection, String device, Instant from, Instant to, ZoneId zone)
            throws SQLException {
        String sql = "SELECT local_day, field, " + aggregates() + " FROM "
                + "(SELECT " + dialect.localDay("ts", zone) + " AS local_day, field, " + value + " FROM " + table
                + " WHERE device_id = ? AND ts >= ? AND ts < ?) d "
                + "GROUP BY local_day, field ORDER BY local_day, " + dialect.binaryOrder("field");
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            timeout(ps);
            ps.setString(1, dialect.zoneArgument(zone));
            ps.setString(2, device);
            ps.setObject(3, timestamp(from));
            ps.setObject(4, timestamp(to));
            List<DailyStatistics> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(new DailyStatistics(rs.getObject(1, LocalDate.class), fieldStatistics(rs, 2)));
                }
            }
            return Collections.unmodifiableList(result);
        }
    }

    /**
     * Lists every device with its newest reading, from the devices table: one index lookup per
     * device, however many rows the readings table holds.
     *
     * @param connection a connection
     * @return sorted by device id
     * @throws SQLException if the database refuses
     */
    public List<DeviceSummary> devices(Connection connection) throws SQLException {
        String sql = "SELECT d.device_id, d.last_ts, r.field, r." + value + " FROM " + devices + " d "
                + "JOIN " + table + " r ON r.device_id = d.device_id AND r.ts = d.last_ts "
                + "ORDER BY " + dialect.binaryOrder("d.device_id");
        try (Statement s = connection.createStatement()) {
            timeout(s);
            List<DeviceSummary> result = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(sql)) {
                String device = null;
                Instant last = null;
                Map<String, Double> fields = new TreeMap<>();
                while (rs.next()) {
                    String d = rs.getString(1);
                    if (!d.equals(device)) {
                        if (device != null) {
                            result.add(new DeviceSummary(device, last, reading(device, last, fields)));
                        }
                        device = d;
                        last = instant(rs, 2);
                        fields = new TreeMap<>();
                    }
                    fields.put(rs.getString(3), rs.getDouble(4));
                }
                if (device != null) {
                    result.add(new DeviceSummary(device, last, reading(device, last, fields)));
                }
            }
            return Collections.unmodifiableList(result);
        }
    }

    private static boolean isMissingTable(SQLException e) {
        // PostgreSQL: 42P01 undefined_table; H2: 42S02 (its error 42102), or 42S04 for a schema
        String state = SqlFailures.state(e);
        return state.equals("42P01") || state.equals("42S02") || state.equals("42102") || state.equals("42S04")
                || state.equals("3F000");
    }

    private String aggregates() {
        return "COUNT(*), MIN(" + value + "), MAX(" + value + "), AVG(" + value + "), STDDEV_POP(" + value + ")";
    }

    private static FieldStatistics fieldStatistics(ResultSet rs, int first) throws SQLException {
        double stddev = rs.getDouble(first + 5);
        return new FieldStatistics(rs.getString(first), rs.getLong(first + 1), rs.getDouble(first + 2),
                rs.getDouble(first + 3), rs.getDouble(first + 4),
                // rounding can leave a variance a hair below zero, whose root some databases give as NaN
                Double.isNaN(stddev) ? 0 : stddev);
    }

    private static StoredReading reading(String device, Instant time, Map<String, Double> fields) {
        return new StoredReading(device, time, Collections.unmodifiableMap(fields));
    }

    private void timeout(Statement statement) throws SQLException {
        if (queryTimeoutSeconds > 0) {
            statement.setQueryTimeout(queryTimeoutSeconds);
        }
    }

    /** Both databases keep microseconds; a finer time is truncated, the same way on both. */
    private static OffsetDateTime timestamp(Instant instant) {
        return OffsetDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    /** Tags as a JSON object with sorted keys, or null for none. */
    static String tagsJson(Map<String, String> tags) {
        if (tags.isEmpty()) {
            return null;
        }
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            quote(json, tag.getKey()).append(':');
            quote(json, tag.getValue());
        }
        return json.append('}').toString();
    }

    private static StringBuilder quote(StringBuilder json, String text) {
        json.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"':
                    json.append("\\\"");
                    break;
                case '\\':
                    json.append("\\\\");
                    break;
                case '\n':
                    json.append("\\n");
                    break;
                case '\r':
                    json.append("\\r");
                    break;
                case '\t':
                    json.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
            }
        }
        return json.append('"');
    }
}
