package dev.edgeflow.timeseries.influx.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.timeseries.DailyStatistics;
import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.FieldStatistics;
import dev.edgeflow.timeseries.ReadingQueries;
import dev.edgeflow.timeseries.StoredReading;
import dev.edgeflow.timeseries.TimeSeriesException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@link ReadingQueries} in InfluxQL on {@code /query}: every aggregate is InfluxDB's own
 * ({@code COUNT}, {@code MEAN}, {@code MIN}, {@code MAX}, {@code STDDEV}, daily buckets with
 * {@code GROUP BY time(1d) tz(...)}).
 *
 * <p>InfluxQL's {@code STDDEV} is the sample standard deviation (divided by n - 1), while
 * {@link FieldStatistics#stddev()} is the population one: it is converted with
 * {@code sample × sqrt((n - 1) / n)}, and is 0 for a single value (for which InfluxDB gives none).
 */
public final class InfluxQlQueries implements ReadingQueries {
    private static final String AGGREGATES = "COUNT(*), MEAN(*), MIN(*), MAX(*), STDDEV(*)";

    private final InfluxHttpStore store;
    private final String from;

    /**
     * Makes the queries of a store.
     *
     * @param store the store whose database, measurement and credentials the queries use
     */
    public InfluxQlQueries(InfluxHttpStore store) {
        this.store = store;
        InfluxSettings s = store.settings();
        String measurement = InfluxHttpStore.quoteIdentifier(s.measurement());
        this.from = s.retentionPolicy() == null ? measurement
                : InfluxHttpStore.quoteIdentifier(s.retentionPolicy()) + "." + measurement;
    }

    @Override
    public List<StoredReading> recent(String device, Instant since, int limit) throws TimeSeriesException {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(since, "since");
        if (limit < 1) {
            throw new IllegalArgumentException("limit is " + limit + ": ask for 1 reading or more");
        }
        JsonNode result = store.query("SELECT *::field FROM " + from + " WHERE " + deviceIs(device) + " AND time >= "
                + nanos(since) + " ORDER BY time DESC LIMIT " + limit).path(0);
        List<StoredReading> readings = new ArrayList<>();
        for (JsonNode series : result.path("series")) {
            JsonNode columns = series.path("columns");
            for (JsonNode row : series.path("values")) {
                readings.add(reading(device, columns, row));
            }
        }
        return readings;
    }

    @Override
    public Map<String, FieldStatistics> statistics(String device, Instant from, Instant to) throws TimeSeriesException {
        Objects.requireNonNull(device, "device");
        JsonNode result = store.query("SELECT " + AGGREGATES + " FROM " + this.from + " WHERE " + deviceIs(device)
                + " AND time >= " + nanos(from) + " AND time < " + nanos(to)).path(0);
        Map<String, FieldStatistics> statistics = new TreeMap<>();
        for (JsonNode series : result.path("series")) {
            for (JsonNode row : series.path("values")) {
                statistics.putAll(aggregates(series.path("columns"), row));
            }
        }
        return Collections.unmodifiableMap(statistics);
    }

    @Override
    public List<DailyStatistics> daily(String device, LocalDate firstDay, LocalDate lastDay, ZoneId zone)
            throws TimeSeriesException {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(zone, "zone");
        if (lastDay.isBefore(firstDay)) {
            throw new IllegalArgumentException("lastDay " + lastDay + " is before firstDay " + firstDay);
        }
        Instant start = firstDay.atStartOfDay(zone).toInstant();
        Instant end = lastDay.plusDays(1).atStartOfDay(zone).toInstant();
        JsonNode result = store.query("SELECT " + AGGREGATES + " FROM " + from + " WHERE " + deviceIs(device)
                + " AND time >= " + nanos(start) + " AND time < " + nanos(end) + " GROUP BY time(1d) fill(none) tz('"
                + influxZone(zone) + "')").path(0);
        List<DailyStatistics> days = new ArrayList<>();
        for (JsonNode series : result.path("series")) {
            JsonNode columns = series.path("columns");
            for (JsonNode row : series.path("values")) {
                LocalDate day = instant(row.get(0).asLong()).atZone(zone).toLocalDate();
                for (FieldStatistics s : aggregates(columns, row).values()) {
                    days.add(new DailyStatistics(day, s));
                }
            }
        }
        days.sort((a, b) -> a.day().equals(b.day()) ? a.statistics().field().compareTo(b.statistics().field())
                : a.day().compareTo(b.day()));
        return days;
    }

    @Override
    public List<DeviceSummary> devices() throws TimeSeriesException {
        String tag = InfluxHttpStore.quoteIdentifier(LineProtocolEncoder.DEVICE_TAG);
        JsonNode newest = store.query("SELECT *::field FROM " + from + " GROUP BY " + tag + " ORDER BY time DESC LIMIT 1");
        List<DeviceSummary> devices = new ArrayList<>();
        for (JsonNode series : newest.path(0).path("series")) {
            String device = series.path("tags").path(LineProtocolEncoder.DEVICE_TAG).asText();
            JsonNode row = series.path("values").path(0);
            if (device.isEmpty() || row.isMissingNode()) {
                continue;
            }
            StoredReading last = reading(device, series.path("columns"), row);
            devices.add(new DeviceSummary(device, last.time(), last));
        }
        devices.sort((a, b) -> a.device().compareTo(b.device()));
        return devices;
    }

    private static StoredReading reading(String device, JsonNode columns, JsonNode row) {
        Map<String, Double> fields = new TreeMap<>();
        for (int i = 1; i < columns.size(); i++) {
            JsonNode value = row.get(i);
            if (value != null && value.isNumber()) {
                fields.put(columns.get(i).asText(), value.asDouble());
            }
        }
        return new StoredReading(device, instant(row.get(0).asLong()), Collections.unmodifiableMap(fields));
    }

    /** Columns are {@code time}, then {@code count_F}, {@code mean_F}, ... for each field F. */
    private static Map<String, FieldStatistics> aggregates(JsonNode columns, JsonNode row) {
        Map<String, double[]> byField = new TreeMap<>();
        List<String> functions = List.of("count", "mean", "min", "max", "stddev");
        for (int i = 1; i < columns.size(); i++) {
            String column = columns.get(i).asText();
            int underscore = column.indexOf('_');
            int function = underscore < 0 ? -1 : functions.indexOf(column.substring(0, underscore));
            JsonNode value = row.get(i);
            if (function < 0 || value == null || !value.isNumber()) {
                continue;
            }
            byField.computeIfAbsent(column.substring(underscore + 1), f -> new double[] {0, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN})[function] = value.asDouble();
        }
        Map<String, FieldStatistics> statistics = new TreeMap<>();
        for (Map.Entry<String, double[]> e : byField.entrySet()) {
            double[] a = e.getValue();
            long count = (long) a[0];
            if (count < 1) {
                continue;
            }
            double sample = a[4];
            double population = count < 2 || Double.isNaN(sample) ? 0.0 : sample * Math.sqrt((count - 1.0) / count);
            statistics.put(e.getKey(), new FieldStatistics(e.getKey(), count, a[2], a[3], a[1], population));
        }
        return statistics;
    }

    private static String deviceIs(String device) {
        return InfluxHttpStore.quoteIdentifier(LineProtocolEncoder.DEVICE_TAG) + " = " + stringLiteral(device);
    }

    /** An InfluxQL string literal, with backslashes and single quotes escaped. */
    static String stringLiteral(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static long nanos(Instant t) {
        return LineProtocolEncoder.timestamp(t, java.time.temporal.ChronoUnit.NANOS, "query");
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    /**
     * Names a zone as InfluxDB's {@code tz()} (Go's time zone database) knows it.
     *
     * @throws IllegalArgumentException for an offset that is not whole hours, which has no name there
     */
    static String influxZone(ZoneId zone) {
        ZoneId normalized = zone.normalized();
        if (normalized instanceof ZoneOffset) {
            int seconds = ((ZoneOffset) normalized).getTotalSeconds();
            if (seconds == 0) {
                return "UTC";
            }
            if (seconds % 3600 != 0) {
                throw new IllegalArgumentException("zone " + zone + " is not a whole number of hours from UTC, which"
                        + " InfluxDB's tz() cannot name: use a region such as Asia/Kolkata");
            }
            int hours = seconds / 3600;
            // The Etc zones count the other way round: Etc/GMT-2 is UTC+02:00.
            return "Etc/GMT" + (hours > 0 ? "-" : "+") + Math.abs(hours);
        }
        return normalized.getId();
    }
}
