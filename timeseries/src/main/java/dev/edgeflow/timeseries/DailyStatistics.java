package dev.edgeflow.timeseries;

import java.time.LocalDate;

/**
 * The aggregates of one field of one device over one calendar day.
 *
 * @param day the day in the zone the query asked for
 * @param statistics the field's aggregates over that day
 * @since 0.1.0
 */
public record DailyStatistics(LocalDate day, FieldStatistics statistics) {
}
