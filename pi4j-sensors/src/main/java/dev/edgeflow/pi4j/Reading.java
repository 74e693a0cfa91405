package dev.edgeflow.pi4j;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One measurement of a sensor: named values (as in the tutorial's payload: {@code temperature}
 * in °C, {@code humidity} in % relative humidity, {@code pressure} in hPa) and when they were
 * measured. Immutable.
 *
 * @since 0.1.0
 */
public final class Reading {
    /** The name of a temperature in degrees Celsius. */
    public static final String TEMPERATURE = "temperature";
    /** The name of a relative humidity in percent. */
    public static final String HUMIDITY = "humidity";
    /** The name of an air pressure in hectopascals. */
    public static final String PRESSURE = "pressure";

    private final Map<String, Double> values;
    private final Instant timestamp;

    private Reading(Map<String, Double> values, Instant timestamp) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.timestamp = timestamp;
    }

    /**
     * Creates a reading.
     *
     * @param values the values by name, in the order they should appear in a payload; at least one
     * @param timestamp when they were measured
     * @return the reading
     * @throws IllegalArgumentException if there is no value, or a value is not finite
     */
    public static Reading of(Map<String, Double> values, Instant timestamp) {
        Objects.requireNonNull(timestamp, "timestamp");
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a reading needs at least one value");
        }
        values.forEach((name, value) -> {
            if (value == null || !Double.isFinite(value)) {
                throw new IllegalArgumentException("value '" + name + "' is " + value + ": a reading holds finite "
                        + "numbers only");
            }
        });
        return new Reading(values, timestamp);
    }

    /**
     * Returns the values.
     *
     * @return the values by name, unmodifiable, in their order
     */
    public Map<String, Double> values() {
        return values;
    }

    /**
     * Returns one value.
     *
     * @param name e.g. {@link #TEMPERATURE}
     * @return the value, or empty if this reading has none by that name
     */
    public OptionalDouble value(String name) {
        Double v = values.get(name);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /**
     * Returns when the values were measured.
     *
     * @return the time
     */
    public Instant timestamp() {
        return timestamp;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reading && ((Reading) o).values.equals(values) && ((Reading) o).timestamp.equals(timestamp);
    }

    @Override
    public int hashCode() {
        return Objects.hash(values, timestamp);
    }

    @Override
    public String toString() {
        return "Reading" + values + "@" + timestamp;
    }
}
