package dev.edgeflow.timeseries;

import java.time.Instant;

/**
 * A device a store has readings of.
 *
 * @param device the device id
 * @param lastSeen the time of its newest reading
 * @param readingCount how many readings the store holds for it
 * @param lastReading its newest reading
 * @since 0.1.0
 */
public record DeviceSummary(String device, Instant lastSeen, long readingCount, StoredReading lastReading) {
}
