package dev.edgeflow.timeseries.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgeflow.testkit.InfluxDbServer;
import dev.edgeflow.timeseries.DailyStatistics;
import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.FieldStatistics;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.StoredReading;
import dev.edgeflow.timeseries.TimeSeriesException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link InfluxDbStore} against a real influxd 1.x, read back with InfluxQL. */
class InfluxDbStoreIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-12-07T10:15:30.123456789Z");
    private static InfluxDbServer influx;

    @BeforeAll
    static void startInfluxDb() {
        influx = InfluxDbServer.start();
    }

    @AfterAll
    static void stopInfluxDb() {
        if (influx != null) {
            influx.close();
        }
    }

    /** Rows of the first series of the first result, as column name to value. */
    private static List<Map<String, JsonNode>> rows(String json) throws Exception {
        JsonNode result = JSON.readTree(json).path("results").path(0);
        assertThat(result.has("error")).as(json).isFalse();
        List<Map<String, JsonNode>> rows = new ArrayList<>();
        for (JsonNode series : result.path("series")) {
            JsonNode columns = series.path("columns");
            for (JsonNode values : series.path("values")) {
                Map<String, JsonNode> row = new HashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    row.put(columns.get(i).asText(), values.get(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static List<Point> readings(String device, int count, Instant start) {
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            points.add(new Point(device, start.plusMillis(i * 10L), Map.of("temperature", 20.0 + i / 4.0,
                    "humidity", 40.0 + i), Map.of("topic", "sensors/" + device)));
        }
        return points;
    }

    @Test
    void storesBatchesWithAndWithoutGzipWithTheirValuesTagsAndTimes() throws Exception {
        influx.createDatabase("batches");
        List<Point> gzipped = readings("pi-1", 300, T);
        List<Point> plain = readings("pi-2", 120, T);
        try (InfluxDbStore compressed = InfluxDbStore.v1(influx.url(), "batches").build();
             InfluxDbStore uncompressed = InfluxDbStore.v1(influx.url(), "batches").gzip(false).build()) {
            compressed.write(gzipped);
            uncompressed.write(plain);
        }

        for (List<Point> written : List.of(gzipped, plain)) {
            String device = written.get(0).device();
            List<Map<String, JsonNode>> rows = rows(influx.query("batches",
                    "SELECT * FROM sensor_reading WHERE device_id = '" + device + "' ORDER BY time"));
            assertThat(rows).hasSize(written.size());
            for (int i = 0; i < written.size(); i++) {
                Point p = written.get(i);
                Map<String, JsonNode> row = rows.get(i);
                // Millisecond precision: the stored time is the point's time rounded down to the millisecond.
                assertThat(row.get("time").asLong()).isEqualTo(p.time().truncatedTo(ChronoUnit.MILLIS).toEpochMilli()
                        * 1_000_000L);
                assertThat(row.get("temperature").asDouble()).isEqualTo(p.fields().get("temperature"));
                assertThat(row.get("humidity").asDouble()).isEqualTo(p.fields().get("humidity"));
                assertThat(row.get("topic").asText()).isEqualTo("sensors/" + device);
                assertThat(row.get("device_id").asText()).isEqualTo(device);
            }
        }
    }

    @Test
    void storesTagsAndFieldNamesWithCharactersLineProtocolEscapesExactly() throws Exception {
        influx.createDatabase("escaping");
        Map<String, String> tags = new TreeMap<>();
        tags.put("room name", "kitchen, north=1");
        tags.put("path", "C:\\data\\x");
        tags.put("comma\\,slash", "a\\ b");
        tags.put("unicode", "température 🌡");
        tags.put("empty", "");
        Point p = new Point("pi 3,x=y", T, Map.of("temp, C=x", -273.15, "big", 1.5e300, "tiny", 4.9e-324), tags);
        try (InfluxDbStore store = InfluxDbStore.v1(influx.url(), "escaping").build()) {
            store.write(List.of(p));
        }

        List<Map<String, JsonNode>> rows = rows(influx.query("escaping", "SELECT * FROM sensor_reading"));
        assertThat(rows).hasSize(1);
        Map<String, JsonNode> row = rows.get(0);
        assertThat(row.get("device_id").asText()).isEqualTo("pi 3,x=y");
        assertThat(row.get("room name").asText()).isEqualTo("kitchen, north=1");
        assertThat(row.get("path").asText()).isEqualTo("C:\\data\\x");
        assertThat(row.get("comma\\,slash").asText()).isEqualTo("a\\ b");
        assertThat(row.get("unicode").asText()).isEqualTo("température 🌡");
        assertThat(row.get("temp, C=x").asDouble()).isEqualTo(-273.15);
        assertThat(row.get("big").asDouble()).isEqualTo(1.5e300);
        assertThat(row.get("tiny").asDouble()).isEqualTo(4.9e-324);
        assertThat(row).doesNotContainKey("empty");
    }

    @Test
    void storesTheTimeRoundedDownToEachPrecision() throws Exception {
        influx.createDatabase("precision");
        Map<ChronoUnit, Long> expected = Map.of(
                ChronoUnit.NANOS, T.getEpochSecond() * 1_000_000_000L + 123_456_789L,
                ChronoUnit.MICROS, T.getEpochSecond() * 1_000_000_000L + 123_456_000L,
                ChronoUnit.MILLIS, T.getEpochSecond() * 1_000_000_000L + 123_000_000L,
                ChronoUnit.SECONDS, T.getEpochSecond() * 1_000_000_000L);
        for (Map.Entry<ChronoUnit, Long> e : expected.entrySet()) {
            String measurement = "m_" + e.getKey().name().toLowerCase();
            try (InfluxDbStore store = InfluxDbStore.v1(influx.url(), "precision").measurement(measurement)
                    .precision(e.getKey()).build()) {
                store.write(List.of(Point.of("pi-1", T, Map.of("v", 1.0))));
            }

            List<Map<String, JsonNode>> rows = rows(influx.query("precision", "SELECT v FROM " + measurement));
            assertThat(rows).as(measurement).hasSize(1);
            assertThat(rows.get(0).get("time").asLong()).as(measurement).isEqualTo(e.getValue());
        }
    }

    @Test
    void aMissingDatabaseFailsNotRetryableNamingCreateDatabase() {
        try (InfluxDbStore store = InfluxDbStore.v1(influx.url(), "never_created").build()) {
            TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class,
                    () -> store.write(readings("pi-1", 3, T)));

            assertThat(e.isRetryable()).isFalse();
            assertThat(e).hasMessageContaining("HTTP 404").hasMessageContaining("database not found")
                    .hasMessageContaining("CREATE DATABASE \"never_created\"");
        }
    }

    @Test
    void createDatabaseIfMissingCreatesTheDatabaseAndWrites() throws Exception {
        try (InfluxDbStore store = InfluxDbStore.v1(influx.url(), "created_by_store").createDatabaseIfMissing(true)
                .build()) {
            store.write(readings("pi-4", 5, T));
        }

        assertThat(influx.query("SHOW DATABASES")).contains("\"created_by_store\"");
        assertThat(rows(influx.query("created_by_store", "SELECT COUNT(temperature) FROM sensor_reading"))
                .get(0).get("count").asLong()).isEqualTo(5);
    }

    @Test
    void aFieldInfluxDbRefusesFailsNotRetryableWithItsError() {
        influx.createDatabase("refused");
        List<Point> points = List.of(Point.of("pi-1", T, Map.of("v", 1.0)), Point.of("pi-2", T, Map.of("time", 2.0)));
        try (InfluxDbStore store = InfluxDbStore.v1(influx.url(), "refused").build()) {
            TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.write(points));

            assertThat(e.isRetryable()).isFalse();
            assertThat(e).hasMessageContaining("HTTP 400").hasMessageContaining("partial write")
                    .hasMessageContaining("input field \\\"time\\\"");
        }
    }

    @Test
    void aBatchOverTheServersBodyLimitFailsNotRetryable() {
        try (InfluxDbServer small = InfluxDbServer.start(4096);
             InfluxDbStore store = InfluxDbStore.v1(small.url(), "iot").gzip(false).build()) {
            small.createDatabase("iot");

            TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class,
                    () -> store.write(readings("pi-1", 200, T)));

            assertThat(e.isRetryable()).isFalse();
            assertThat(e).hasMessageContaining("HTTP 413").hasMessageContaining("write smaller batches");
        }
    }

    @Test
    void aKilledServerFailsTheWriteRetryableAfterTheAttempts() throws Exception {
        try (InfluxDbServer doomed = InfluxDbServer.start();
             InfluxDbStore store = InfluxDbStore.v1(doomed.url(), "iot").maxAttempts(2)
                     .backoff(Duration.ofMillis(10), Duration.ofMillis(20)).build()) {
            doomed.createDatabase("iot");
            store.write(readings("pi-1", 10, T));
            doomed.kill();

            TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class,
                    () -> store.write(readings("pi-1", 10, T.plusSeconds(1))));

            assertThat(doomed.isRunning()).isFalse();
            assertThat(e.isRetryable()).isTrue();
            assertThat(e).hasMessageContaining("2 attempts").hasMessageContaining(doomed.url().toString());
        }
    }

    @Test
    void answersTheDashboardsQuestionsWithInfluxDbsOwnAggregates() throws Exception {
        Instant t1 = Instant.parse("2026-12-01T10:00:00Z");
        Instant t2 = t1.plusSeconds(3600);
        Instant t3 = t1.plusSeconds(7200);
        // 00:30 on 3 December in Berlin, still 2 December in UTC.
        Instant t4 = Instant.parse("2026-12-02T23:30:00Z");
        try (InfluxDbStore store = InfluxDbStore.v1(influx.url(), "queries").createDatabaseIfMissing(true).build()) {
            store.write(List.of(
                    new Point("pi-q1", t1, Map.of("temperature", 1.0, "humidity", 10.0), Map.of("topic", "a")),
                    new Point("pi-q1", t2, Map.of("temperature", 2.0, "humidity", 20.0), Map.of("topic", "a")),
                    new Point("pi-q1", t3, Map.of("temperature", 4.0), Map.of("topic", "b")),
                    new Point("pi-q1", t4, Map.of("temperature", 7.0), Map.of("topic", "a")),
                    Point.of("pi 'q2'", t2, Map.of("pressure", 1013.25))));

            List<StoredReading> recent = store.recent("pi-q1", t1.plusSeconds(1800), 2);
            assertThat(recent).containsExactly(new StoredReading("pi-q1", t4, Map.of("temperature", 7.0)),
                    new StoredReading("pi-q1", t3, Map.of("temperature", 4.0)));
            assertThat(store.recent("pi 'q2'", t1, 10)).containsExactly(
                    new StoredReading("pi 'q2'", t2, Map.of("pressure", 1013.25)));
            assertThat(store.recent("nobody", t1, 10)).isEmpty();

            Map<String, FieldStatistics> stats = store.statistics("pi-q1", t1, t4);
            assertThat(stats.keySet()).containsExactly("humidity", "temperature");
            FieldStatistics temperature = stats.get("temperature");
            double mean = 7.0 / 3;
            double population = Math.sqrt((Math.pow(1 - mean, 2) + Math.pow(2 - mean, 2) + Math.pow(4 - mean, 2)) / 3);
            assertThat(temperature.count()).isEqualTo(3);
            assertThat(temperature.min()).isEqualTo(1.0);
            assertThat(temperature.max()).isEqualTo(4.0);
            assertThat(temperature.mean()).isCloseTo(mean, within(1e-12));
            assertThat(temperature.stddev()).isCloseTo(population, within(1e-12));
            FieldStatistics humidity = stats.get("humidity");
            assertThat(humidity.count()).isEqualTo(2);
            assertThat(humidity.mean()).isEqualTo(15.0);
            // InfluxQL's sample stddev of 10 and 20 is 7.07; the population one is 5.
            assertThat(humidity.stddev()).isCloseTo(5.0, within(1e-12));
            assertThat(store.statistics("pi-q1", t4.plusSeconds(1), t4.plusSeconds(60))).isEmpty();

            LocalDate first = LocalDate.of(2026, 12, 1);
            List<DailyStatistics> utc = store.daily("pi-q1", first, first.plusDays(2), ZoneOffset.UTC);
            assertThat(utc).extracting(d -> d.day() + " " + d.statistics().field() + " " + d.statistics().count())
                    .containsExactly("2026-12-01 humidity 2", "2026-12-01 temperature 3", "2026-12-02 temperature 1");
            assertThat(utc.get(2).statistics()).isEqualTo(new FieldStatistics("temperature", 1, 7.0, 7.0, 7.0, 0.0));
            List<DailyStatistics> berlin = store.daily("pi-q1", first, first.plusDays(2), ZoneId.of("Europe/Berlin"));
            assertThat(berlin).extracting(d -> d.day() + " " + d.statistics().field())
                    .containsExactly("2026-12-01 humidity", "2026-12-01 temperature", "2026-12-03 temperature");
            assertThat(store.daily("pi-q1", first, first, ZoneOffset.ofHours(-5)))
                    .extracting(d -> d.statistics().count()).containsExactly(2L, 3L);

            List<DeviceSummary> devices = store.devices();
            assertThat(devices).extracting(DeviceSummary::device).containsExactly("pi 'q2'", "pi-q1");
            DeviceSummary q1 = devices.get(1);
            assertThat(q1.lastSeen()).isEqualTo(t4);
            assertThat(q1.lastReading()).isEqualTo(new StoredReading("pi-q1", t4, Map.of("temperature", 7.0)));
        }
    }

    @Test
    void aQueryOfAMissingDatabaseFailsNotRetryableNamingCreateDatabase() {
        try (InfluxDbStore store = InfluxDbStore.v1(influx.url(), "not_there").build()) {
            TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.devices());

            assertThat(e.isRetryable()).isFalse();
            assertThat(e).hasMessageContaining("database not found").hasMessageContaining("CREATE DATABASE \"not_there\"");
        }
    }
}
