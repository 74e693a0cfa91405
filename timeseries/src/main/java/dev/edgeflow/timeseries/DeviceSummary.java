package dev.edgeflow.timeseries;

import java.time.Instant;

/**
 * A device a store has readings of.
 *
 * <p>It holds no count of the device's readings: counting them means reading every row the
 * device has, which over months of readings takes seconds on every call, and a dashboard asks
 * for the device list on every page load. {@link ReadingQueries#statistics} counts a window.
 *
 * @param device the device id
 * @param lastSeen the time of its newest reading
 * @param lastReading its newest reading
 * @since 0.1.0
 */
public record DeviceSummary(String device, Instant lastSeen, StoredReading lastReading) {
}
