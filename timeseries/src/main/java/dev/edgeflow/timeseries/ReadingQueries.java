package dev.edgeflow.timeseries;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * The questions a dashboard asks of stored readings. Every aggregate is computed by the
 * database, not by loading rows into Java.
 *
 * <p>Methods block until the store answered. They are safe to call from several threads, also
 * while a {@link TimeSeriesSink} writes.
 *
 * @since 0.1.0
 */
public interface ReadingQueries {

    /**
     * Returns a device's newest readings.
     *
     * @param device the device id
     * @param since only readings at or after this time
     * @param limit at most this many readings, 1 or more
     * @return newest first; empty if the device has none in that window
     * @throws TimeSeriesException if the store cannot be read
     * @throws IllegalArgumentException if the limit is below 1
     */
    List<StoredReading> recent(String device, Instant since, int limit) throws TimeSeriesException;

    /**
     * Returns min, max, mean, count and standard deviation of each field of a device over a
     * window.
     *
     * @param device the device id
     * @param from the window's start, inclusive
     * @param to the window's end, exclusive
     * @return by field name, sorted; empty if the device has no reading in the window
     * @throws TimeSeriesException if the store cannot be read
     */
    Map<String, FieldStatistics> statistics(String device, Instant from, Instant to) throws TimeSeriesException;

    /**
     * Returns daily aggregates of each field of a device.
     *
     * @param device the device id
     * @param firstDay the first day, inclusive
     * @param lastDay the last day, inclusive
     * @param zone the zone whose midnights divide the days, such as {@code ZoneOffset.UTC}
     * @return one entry per day and field that has readings, by day and then field
     * @throws TimeSeriesException if the store cannot be read
     * @throws IllegalArgumentException if the last day is before the first
     */
    List<DailyStatistics> daily(String device, LocalDate firstDay, LocalDate lastDay, ZoneId zone)
            throws TimeSeriesException;

    /**
     * Returns every device with readings, with its newest reading.
     *
     * @return sorted by device id
     * @throws TimeSeriesException if the store cannot be read
     */
    List<DeviceSummary> devices() throws TimeSeriesException;
}
