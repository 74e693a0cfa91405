package dev.edgeflow.timeseries;

/**
 * Aggregates of one field over a time window, computed by the store.
 *
 * @param field the field name, such as {@code temperature}
 * @param count how many values, at least 1
 * @param min the smallest value
 * @param max the largest value
 * @param mean the arithmetic mean
 * @param stddev the population standard deviation (0 for a single value)
 * @since 0.1.0
 */
public record FieldStatistics(String field, long count, double min, double max, double mean, double stddev) {
}
