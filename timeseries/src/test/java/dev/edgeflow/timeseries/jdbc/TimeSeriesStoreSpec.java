package dev.edgeflow.timeseries.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every backend of {@link JdbcTimeSeriesStore} does, on H2 and on PostgreSQL alike. The
 * expected aggregates are computed in the test from the same data, with plain two-pass Java
 * arithmetic and {@code java.time} for the days, independent of the SQL under test.
 */
abstract class TimeSeriesStoreSpec {
    static final Instant T0 = Instant.parse("2024-06-01T12:00:00Z");
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    JdbcTimeSeriesStore store;

    /** Opens a store on an empty table of its own for one test. */
    abstract JdbcTimeSeriesStore openEmptyStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openEmptyStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void writesABatchAndReadsItBackNewestFirst() throws Exception {
        store.write(List.of(
                point("pi-1", T0, Map.of("temperature", 21.5, "humidity", 40.0)),
                point("pi-1", T0.plusSeconds(10), Map.of("temperature", 21.75, "humidity", 41.0)),
                point("pi-2", T0.plusSeconds(5), Map.of("temperature", 30.0))));

        List<StoredReading> recent = store.recent("pi-1", T0.minusSeconds(60), 10);

        assertThat(recent).containsExactly(
                new StoredReading("pi-1", T0.plusSeconds(10), Map.of("humidity", 41.0, "temperature", 21.75)),
                new StoredReading("pi-1", T0, Map.of("humidity", 40.0, "temperature", 21.5)));
        assertThat(recent.get(0).fields().keySet()).containsExactly("humidity", "temperature");
    }

    @Test
    void recentLimitCountsReadingsNotFieldRows() throws Exception {
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            points.add(point("pi-1", T0.plusSeconds(i), Map.of("a", (double) i, "b", i * 10.0, "c", i * 100.0)));
        }
        store.write(points);

        List<StoredReading> recent = store.recent("pi-1", T0, 2);

        assertThat(recent).extracting(StoredReading::time).containsExactly(T0.plusSeconds(4), T0.plusSeconds(3));
        assertThat(recent).allSatisfy(r -> assertThat(r.fields()).hasSize(3));
        assertThat(recent.get(0).fields()).containsEntry("c", 400.0);
    }

    @Test
    void recentOnlyIncludesReadingsSinceTheGivenTime() throws Exception {
        store.write(List.of(point("pi-1", T0, Map.of("t", 1.0)), point("pi-1", T0.plusSeconds(1), Map.of("t", 2.0)),
                point("pi-1", T0.plusSeconds(2), Map.of("t", 3.0))));

        assertThat(store.recent("pi-1", T0.plusSeconds(1), 10)).extracting(StoredReading::time)
                .containsExactly(T0.plusSeconds(2), T0.plusSeconds(1));
        assertThat(store.recent("pi-1", T0.plusSeconds(3), 10)).isEmpty();
        assertThat(store.recent("no-such-device", T0, 10)).isEmpty();
    }

    @Test
    void aBatchWithOneBadRowStoresNothing() throws Exception {
        String tooLong = "d".repeat(256);
        List<Point> batch = List.of(point("pi-1", T0, Map.of("t", 1.0)), point(tooLong, T0, Map.of("t", 2.0)),
                point("pi-2", T0, Map.of("t", 3.0)));

        TimeSeriesException e = catchThrowableOfType(() -> store.write(batch), TimeSeriesException.class);

        assertThat(e).isNotNull();
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.getMessage()).contains(store.name()).contains("refused a value").contains("255 characters")
                .contains("Nothing of the batch was stored");
        assertThat(store.devices()).isEmpty();
        assertThat(store.recent("pi-1", T0.minusSeconds(1), 10)).isEmpty();
    }

    @Test
    void theStoreStaysUsableAfterARefusedBatch() throws Exception {
        assertThatThrownBy(() -> store.write(List.of(point("x".repeat(300), T0, Map.of("t", 1.0)))))
                .isInstanceOf(TimeSeriesException.class);

        store.write(List.of(point("pi-1", T0, Map.of("t", 1.0))));

        assertThat(store.devices()).extracting(DeviceSummary::device).containsExactly("pi-1");
    }

    @Test
    void aBatchWrittenTwiceIsStoredOnce() throws Exception {
        List<Point> batch = List.of(point("pi-1", T0, Map.of("t", 1.0, "h", 2.0)),
                point("pi-1", T0.plusSeconds(1), Map.of("t", 3.0)));

        store.write(batch);
        store.write(batch);

        assertThat(store.recent("pi-1", T0, 10)).hasSize(2);
        assertThat(store.statistics("pi-1", T0, T0.plusSeconds(2)).get("t").count()).isEqualTo(2);
    }

    @Test
    void theFirstValueOfAReadingWrittenTwiceIsKept() throws Exception {
        store.write(List.of(point("pi-1", T0, Map.of("t", 1.0)), point("pi-1", T0, Map.of("t", 9.0))));
        store.write(List.of(point("pi-1", T0, Map.of("t", 5.0))));

        assertThat(store.recent("pi-1", T0, 10)).containsExactly(new StoredReading("pi-1", T0, Map.of("t", 1.0)));
    }

    @Test
    void anEmptyBatchDoesNothing() throws Exception {
        store.write(List.of());

        assertThat(store.devices()).isEmpty();
    }

    @Test
    void keepsMicrosecondsAndDropsFinerDigits() throws Exception {
        Instant precise = Instant.parse("2024-06-01T12:00:00.123456789Z");
        store.write(List.of(point("pi-1", precise, Map.of("t", 1.0))));

        assertThat(store.recent("pi-1", T0, 1)).extracting(StoredReading::time)
                .containsExactly(Instant.parse("2024-06-01T12:00:00.123456Z"));
    }

    @Test
    void statisticsMatchAnIndependentComputation() throws Exception {
        Random random = new Random(42);
        List<Point> points = new ArrayList<>();
        Map<String, List<Double>> inWindow = new TreeMap<>();
        Instant from = T0;
        Instant to = T0.plusSeconds(100);
        for (int i = -5; i <= 105; i++) {
            double temperature = 20 + random.nextGaussian() * 2;
            double humidity = 50 + random.nextDouble() * 10;
            Instant time = T0.plusSeconds(i);
            points.add(point("pi-1", time, Map.of("temperature", temperature, "humidity", humidity)));
            if (!time.isBefore(from) && time.isBefore(to)) {
                inWindow.computeIfAbsent("temperature", k -> new ArrayList<>()).add(temperature);
                inWindow.computeIfAbsent("humidity", k -> new ArrayList<>()).add(humidity);
            }
        }
        points.add(point("pi-2", T0.plusSeconds(50), Map.of("temperature", 99.0)));
        store.write(points);

        Map<String, FieldStatistics> statistics = store.statistics("pi-1", from, to);

        assertThat(statistics.keySet()).containsExactly("humidity", "temperature");
        for (Map.Entry<String, List<Double>> field : inWindow.entrySet()) {
            assertThat(field.getValue()).hasSize(100);
            assertStatistics(statistics.get(field.getKey()), expected(field.getKey(), field.getValue()));
        }
    }

    @Test
    void statisticsOfOneValueHaveZeroDeviation() throws Exception {
        store.write(List.of(point("pi-1", T0, Map.of("t", 21.3))));

        assertThat(store.statistics("pi-1", T0, T0.plusSeconds(1)))
                .containsExactly(Map.entry("t", new FieldStatistics("t", 1, 21.3, 21.3, 21.3, 0.0)));
    }

    @Test
    void statisticsOfKnownValuesByHand() throws Exception {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population standard deviation exactly 2
        double[] values = {2, 4, 4, 4, 5, 5, 7, 9};
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            points.add(point("pi-1", T0.plusSeconds(i), Map.of("v", values[i])));
        }
        store.write(points);

        FieldStatistics v = store.statistics("pi-1", T0, T0.plusSeconds(60)).get("v");

        assertStatistics(v, new FieldStatistics("v", 8, 2, 9, 5, 2));
    }

    @Test
    void statisticsAreEmptyWithoutReadingsInTheWindow() throws Exception {
        store.write(List.of(point("pi-1", T0, Map.of("t", 1.0))));

        assertThat(store.statistics("pi-1", T0.plusSeconds(1), T0.plusSeconds(60))).isEmpty();
        assertThat(store.statistics("pi-1", T0.minusSeconds(60), T0)).as("the end is exclusive").isEmpty();
        assertThat(store.statistics("pi-9", T0, T0.plusSeconds(60))).isEmpty();
    }

    @Test
    void dailyInUtcByHand() throws Exception {
        store.write(List.of(
                point("pi-1", Instant.parse("2024-05-31T23:59:59Z"), Map.of("t", 100.0)), // the day before
                point("pi-1", Instant.parse("2024-06-01T00:00:00Z"), Map.of("t", 1.0, "h", 10.0)),
                point("pi-1", Instant.parse("2024-06-01T12:00:00Z"), Map.of("t", 2.0)),
                point("pi-1", Instant.parse("2024-06-01T23:59:59Z"), Map.of("t", 3.0)),
                point("pi-1", Instant.parse("2024-06-03T08:00:00Z"), Map.of("t", 7.0)),
                point("pi-1", Instant.parse("2024-06-04T00:00:00Z"), Map.of("t", 100.0)), // the day after
                point("pi-2", Instant.parse("2024-06-02T08:00:00Z"), Map.of("t", 100.0))));

        List<DailyStatistics> daily = store.daily("pi-1", LocalDate.parse("2024-06-01"), LocalDate.parse("2024-06-03"),
                ZoneOffset.UTC);

        assertThat(daily).extracting(d -> d.day() + " " + d.statistics().field())
                .containsExactly("2024-06-01 h", "2024-06-01 t", "2024-06-03 t");
        assertStatistics(daily.get(0).statistics(), new FieldStatistics("h", 1, 10, 10, 10, 0));
        // 1, 2, 3: mean 2, population variance 2/3
        assertStatistics(daily.get(1).statistics(), new FieldStatistics("t", 3, 1, 3, 2, Math.sqrt(2.0 / 3)));
        assertStatistics(daily.get(2).statistics(), new FieldStatistics("t", 1, 7, 7, 7, 0));
    }

    @Test
    void dailyInBerlinCutsAtLocalMidnightAcrossTheSpringChange() throws Exception {
        // Europe/Berlin moved from +01:00 to +02:00 at 2024-03-31T01:00Z: that day has 23 hours.
        assertDailyMatchesJavaTime(Instant.parse("2024-03-29T20:00:00Z"), 80, LocalDate.parse("2024-03-30"),
                LocalDate.parse("2024-04-01"), BERLIN, Map.of("2024-03-30", 24L, "2024-03-31", 23L, "2024-04-01", 24L));
    }

    @Test
    void dailyInBerlinCutsAtLocalMidnightAcrossTheAutumnChange() throws Exception {
        // and back at 2024-10-27T01:00Z: that day has 25 hours.
        assertDailyMatchesJavaTime(Instant.parse("2024-10-25T20:00:00Z"), 80, LocalDate.parse("2024-10-26"),
                LocalDate.parse("2024-10-28"), BERLIN, Map.of("2024-10-26", 24L, "2024-10-27", 25L, "2024-10-28", 24L));
    }

    @Test
    void dailyInAFixedOffsetWestOfGreenwich() throws Exception {
        // PostgreSQL reads '-05:00' as text POSIX-style (five hours east); the store must not.
        assertDailyMatchesJavaTime(Instant.parse("2024-06-01T00:00:00Z"), 72, LocalDate.parse("2024-06-01"),
                LocalDate.parse("2024-06-02"), ZoneOffset.ofHours(-5), Map.of("2024-06-01", 24L, "2024-06-02", 24L));
    }

    @Test
    void dailyInUtcOfTheSameDataAsBerlin() throws Exception {
        assertDailyMatchesJavaTime(Instant.parse("2024-03-29T20:00:00Z"), 80, LocalDate.parse("2024-03-30"),
                LocalDate.parse("2024-04-01"), ZoneId.of("UTC"),
                Map.of("2024-03-30", 24L, "2024-03-31", 24L, "2024-04-01", 24L));
    }

    @Test
    void devicesListsEachDeviceWithItsNewestReading() throws Exception {
        store.write(List.of(
                point("pi-1", T0, Map.of("t", 1.0, "h", 5.0)),
                point("pi-1", T0.plusSeconds(30), Map.of("t", 2.0, "h", 6.0)),
                point("alpha", T0.plusSeconds(5), Map.of("t", 7.0)),
                point("Zeta", T0.plusSeconds(1), Map.of("p", 1013.0)),
                point("Zeta", T0.plusSeconds(2), Map.of("p", 1012.0)),
                point("Zeta", T0.plusSeconds(3), Map.of("p", 1011.0))));

        List<DeviceSummary> devices = store.devices();

        // Java's String order: upper case before lower case
        assertThat(devices).containsExactly(
                new DeviceSummary("Zeta", T0.plusSeconds(3),
                        new StoredReading("Zeta", T0.plusSeconds(3), Map.of("p", 1011.0))),
                new DeviceSummary("alpha", T0.plusSeconds(5),
                        new StoredReading("alpha", T0.plusSeconds(5), Map.of("t", 7.0))),
                new DeviceSummary("pi-1", T0.plusSeconds(30),
                        new StoredReading("pi-1", T0.plusSeconds(30), Map.of("h", 6.0, "t", 2.0))));
    }

    @Test
    void aReadingOlderThanTheNewestLeavesTheDeviceListAlone() throws Exception {
        store.write(List.of(point("pi-1", T0.plusSeconds(10), Map.of("t", 2.0))));
        store.write(List.of(point("pi-1", T0, Map.of("t", 1.0)), point("pi-2", T0, Map.of("t", 5.0))));

        assertThat(store.devices()).containsExactly(
                new DeviceSummary("pi-1", T0.plusSeconds(10), new StoredReading("pi-1", T0.plusSeconds(10), Map.of("t", 2.0))),
                new DeviceSummary("pi-2", T0, new StoredReading("pi-2", T0, Map.of("t", 5.0))));
        assertThat(store.recent("pi-1", T0, 10)).extracting(StoredReading::time).containsExactly(T0.plusSeconds(10), T0);
    }

    @Test
    void readsWhileAnotherThreadWrites() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                String device = "pi-" + w;
                writers.add(threads.submit(() -> {
                    for (int batch = 0; batch < 20; batch++) {
                        List<Point> points = new ArrayList<>();
                        for (int i = 0; i < 25; i++) {
                            points.add(point(device, T0.plusSeconds(batch * 25L + i), Map.of("t", (double) i)));
                        }
                        store.write(points);
                    }
                    return null;
                }));
            }
            Future<?> reader = threads.submit(() -> {
                while (!writers.stream().allMatch(Future::isDone)) {
                    for (DeviceSummary d : store.devices()) {
                        long seen = d.lastSeen().getEpochSecond() - T0.getEpochSecond() + 1;
                        assertThat(seen % 25).as("a batch is visible whole or not at all").isZero();
                        Map<String, FieldStatistics> stats = store.statistics(d.device(), T0, T0.plusSeconds(1000));
                        assertThat(stats.get("t").count()).as("the rows of the batches a device list shows")
                                .isGreaterThanOrEqualTo(seen);
                        assertThat(stats.get("t").count() % 25).as("a batch is visible whole or not at all").isZero();
                    }
                }
                return null;
            });
            for (Future<?> f : writers) {
                f.get(60, TimeUnit.SECONDS);
            }
            reader.get(60, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }

        assertThat(store.devices()).extracting(DeviceSummary::lastSeen)
                .containsExactly(T0.plusSeconds(499), T0.plusSeconds(499));
        assertThat(store.statistics("pi-0", T0, T0.plusSeconds(500)).get("t").count()).isEqualTo(500);
    }

    @Test
    void rejectsBadQueryArgumentsNamingTheArgument() {
        assertThatThrownBy(() -> store.recent(" ", T0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("device must not be blank");
        assertThatThrownBy(() -> store.recent("pi-1", T0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit must be 1 or more, was 0");
        assertThatThrownBy(() -> store.statistics("", T0, T0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("device");
        assertThatThrownBy(() -> store.statistics("pi-1", T0, T0.minusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("to (").hasMessageContaining("swap");
        assertThatThrownBy(() -> store.daily("pi-1", LocalDate.parse("2024-06-02"), LocalDate.parse("2024-06-01"),
                ZoneOffset.UTC)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lastDay (2024-06-01) is before firstDay (2024-06-02)");
    }

    @Test
    void aClosedStoreFailsForGood() throws Exception {
        store.close();
        store.close();

        TimeSeriesException e = catchThrowableOfType(() -> store.write(List.of(point("pi-1", T0, Map.of("t", 1.0)))),
                TimeSeriesException.class);

        assertThat(e.isRetryable()).isFalse();
        assertThat(e.getMessage()).contains(store.name()).contains("closed");
    }

    /**
     * Writes one reading an hour ({@code value} = the hour's index) and compares the store's daily
     * rollup with the days {@code java.time} gives the same instants in the zone.
     */
    void assertDailyMatchesJavaTime(Instant start, int hours, LocalDate firstDay, LocalDate lastDay, ZoneId zone,
            Map<String, Long> expectedCounts) throws Exception {
        List<Point> points = new ArrayList<>();
        Map<LocalDate, List<Double>> byDay = new TreeMap<>();
        for (int i = 0; i < hours; i++) {
            Instant time = start.plus(Duration.ofHours(i));
            points.add(point("pi-1", time, Map.of("v", (double) i)));
            LocalDate day = LocalDate.ofInstant(time, zone);
            if (!day.isBefore(firstDay) && !day.isAfter(lastDay)) {
                byDay.computeIfAbsent(day, d -> new ArrayList<>()).add((double) i);
            }
        }
        store.write(points);

        List<DailyStatistics> daily = store.daily("pi-1", firstDay, lastDay, zone);

        Map<String, Long> counts = new LinkedHashMap<>();
        daily.forEach(d -> counts.put(d.day().toString(), d.statistics().count()));
        assertThat(counts).containsExactlyEntriesOf(new TreeMap<>(expectedCounts));
        assertThat(daily).extracting(DailyStatistics::day).containsExactlyElementsOf(byDay.keySet());
        for (DailyStatistics d : daily) {
            assertStatistics(d.statistics(), expected("v", byDay.get(d.day())));
        }
    }

    static Point point(String device, Instant time, Map<String, Double> fields) {
        return Point.of(device, time, fields);
    }

    /** Count, min, max, mean and population standard deviation, the two-pass way. */
    static FieldStatistics expected(String field, List<Double> values) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (double v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
        }
        double mean = sum / values.size();
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return new FieldStatistics(field, values.size(), min, max, mean, Math.sqrt(squares / values.size()));
    }

    static void assertStatistics(FieldStatistics actual, FieldStatistics expected) {
        assertThat(actual).as("statistics of " + expected.field()).isNotNull();
        assertThat(actual.field()).isEqualTo(expected.field());
        assertThat(actual.count()).as("count").isEqualTo(expected.count());
        assertThat(actual.min()).as("min").isEqualTo(expected.min());
        assertThat(actual.max()).as("max").isEqualTo(expected.max());
        assertThat(actual.mean()).as("mean").isCloseTo(expected.mean(), within(1e-9));
        assertThat(actual.stddev()).as("stddev").isCloseTo(expected.stddev(), within(1e-9));
    }
}
