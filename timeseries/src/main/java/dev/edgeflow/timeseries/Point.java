package dev.edgeflow.timeseries;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One reading as a time-series store keeps it: a device, a time, numeric fields and string tags.
 *
 * <p>Fields and tags are copied into sorted, unmodifiable maps, so that two points with the same
 * content are equal and write the same bytes. Every field value is finite: NaN and the
 * infinities have no place in a store's aggregates, and {@link ReadingParser} drops them before
 * a point is made.
 *
 * @param device the device id, never blank
 * @param time when the reading was taken
 * @param fields the numeric values by name, at least one
 * @param tags string values by name, such as the topic; may be empty
 * @since 0.1.0
 */
public record Point(String device, Instant time, Map<String, Double> fields, Map<String, String> tags) {

    /**
     * Checks and copies the values.
     *
     * @param device the device id, never blank
     * @param time when the reading was taken
     * @param fields the numeric values by name, at least one, each finite
     * @param tags string values by name; may be empty
     * @throws IllegalArgumentException if the device is blank, there is no field, or a field is
     *     not finite
     */
    public Point {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(fields, "fields");
        Objects.requireNonNull(tags, "tags");
        if (device.isBlank()) {
            throw new IllegalArgumentException("a point needs a device id; it was blank");
        }
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("a point of device " + device + " needs at least one numeric field");
        }
        for (Map.Entry<String, Double> field : fields.entrySet()) {
            Double value = Objects.requireNonNull(field.getValue(), () -> "field " + field.getKey());
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("field " + field.getKey() + " of device " + device + " is "
                        + value + "; a stored value must be finite");
            }
        }
        fields = Collections.unmodifiableMap(new TreeMap<>(fields));
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
    }

    /**
     * Makes a point without tags.
     *
     * @param device the device id
     * @param time when the reading was taken
     * @param fields the numeric values by name
     * @return the point
     */
    public static Point of(String device, Instant time, Map<String, Double> fields) {
        return new Point(device, time, fields, Map.of());
    }
}
