package dev.edgeflow.dashboard;

import dev.edgeflow.timeseries.FieldStatistics;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.TimeSeriesException;
import dev.edgeflow.timeseries.TimeSeriesStore;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The readings the tests write, and what the dashboard must answer about them, computed here
 * from the same list.
 *
 * <ul>
 *   <li>{@code pi-1}: every 10 minutes for the 48 hours before {@link #NOW}, the newest 10 minutes
 *       before it; temperature, humidity and pressure.</li>
 *   <li>{@code pi-2}: three readings 30 to 32 hours old, so none in the last 24 hours.</li>
 *   <li>{@code hall a+b/2}: one reading, a device id that needs escaping in a URL path.</li>
 * </ul>
 */
final class TestData {
    static final Instant NOW = Instant.parse("2026-03-15T12:00:00Z");
    static final String ODD_DEVICE = "hall a+b/2";

    final List<Point> points = new ArrayList<>();

    TestData() {
        for (int k = 1; k <= 288; k++) {
            points.add(Point.of("pi-1", NOW.minus(Duration.ofMinutes(10L * k)), Map.of(
                    "temperature", 20 + (k % 17) * 0.5,
                    "humidity", 40.0 + (k % 11),
                    "pressure", 1000 + (k % 7) * 1.5)));
        }
        for (int h = 30; h <= 32; h++) {
            points.add(Point.of("pi-2", NOW.minus(Duration.ofHours(h)), Map.of("temperature", 10.0 + h)));
        }
        points.add(Point.of(ODD_DEVICE, NOW.minus(Duration.ofMinutes(5)), Map.of("temperature", 18.25)));
    }

    void writeTo(TimeSeriesStore store) throws TimeSeriesException {
        store.write(points);
    }

    List<Point> of(String device, Predicate<Point> filter) {
        return points.stream().filter(p -> p.device().equals(device)).filter(filter).toList();
    }

    /** Per field, over the readings in [from, to). */
    Map<String, FieldStatistics> statistics(String device, Instant from, Instant to) {
        return aggregate(of(device, p -> !p.time().isBefore(from) && p.time().isBefore(to)));
    }

    Map<String, FieldStatistics> daily(String device, LocalDate day, ZoneId zone) {
        return aggregate(of(device, p -> LocalDate.ofInstant(p.time(), zone).equals(day)));
    }

    private static Map<String, FieldStatistics> aggregate(List<Point> points) {
        Map<String, List<Double>> values = new TreeMap<>();
        points.forEach(p -> p.fields().forEach((f, v) -> values.computeIfAbsent(f, x -> new ArrayList<>()).add(v)));
        Map<String, FieldStatistics> result = new TreeMap<>();
        values.forEach((f, list) -> result.put(f, Expected.statistics(f, list)));
        return result;
    }
}
