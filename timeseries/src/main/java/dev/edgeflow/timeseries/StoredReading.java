package dev.edgeflow.timeseries;

import java.time.Instant;
import java.util.Map;

/**
 * A reading as a store returns it: every field one device reported at one time.
 *
 * @param device the device id
 * @param time when the reading was taken
 * @param fields the numeric values by name, sorted by name
 * @since 0.1.0
 */
public record StoredReading(String device, Instant time, Map<String, Double> fields) {
}
