package dev.edgeflow.dashboard;

import dev.edgeflow.timeseries.FieldStatistics;
import java.util.List;

/** Statistics computed in the test, by the textbook formulas, to check the store's against. */
final class Expected {
    private Expected() {
    }

    static FieldStatistics statistics(String field, List<Double> values) {
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
}
