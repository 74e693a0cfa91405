package dev.edgeflow.timeseries.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * The ready-made detectors.
 *
 * <ul>
 *   <li>{@link #above(String, double)}, {@link #outside(String, double, double)}: a fixed range,
 *       such as the tutorial's 35 °C;</li>
 *   <li>{@link #rateOfChange(String, double, Duration)}: a value that moves faster than a
 *       physical process can, such as a door left open or a sensor coming loose;</li>
 *   <li>{@link #zScore(String, int, int, double)}: a value far from the mean of the last
 *       {@code window} values, in standard deviations;</li>
 *   <li>{@link #ewma(String, double, int, double)}: the same against an exponentially weighted
 *       mean and variance, which follow slow drift without a window to keep.</li>
 * </ul>
 *
 * <p>The statistical ones learn each device's normal: they judge nothing during a warm-up of
 * {@code warmUp} values, and {@code sensitivity} is how many standard deviations from the mean a
 * value may be before it is an anomaly (3 flags about 0.3 % of normally distributed noise).
 * Every value, anomalous or not, goes into the baseline, so that a lasting change of level
 * becomes the new normal instead of an alert that never ends.
 *
 * @since 0.1.0
 */
public final class Detectors {
    private Detectors() {
    }

    /**
     * Flags values above a limit: the tutorial's {@code temperature > 35}.
     *
     * @param field the field, such as {@code temperature}
     * @param max the highest normal value
     * @return the detector, named {@code threshold}
     */
    public static Detector above(String field, double max) {
        return outside(field, Double.NEGATIVE_INFINITY, max);
    }

    /**
     * Flags values outside a range.
     *
     * @param field the field
     * @param min the lowest normal value, or {@code Double.NEGATIVE_INFINITY}
     * @param max the highest normal value, or {@code Double.POSITIVE_INFINITY}
     * @return the detector, named {@code threshold}
     * @throws IllegalArgumentException if {@code min > max} or either is NaN
     */
    public static Detector outside(String field, double min, double max) {
        requireField(field);
        if (Double.isNaN(min) || Double.isNaN(max) || min > max) {
            throw new IllegalArgumentException("threshold for '" + field + "': min " + min + " must not be above max "
                    + max);
        }
        return new Simple("threshold", field, () -> (value, at) -> {
            if (value > max) {
                return Verdict.anomaly(min, max, field + " " + num(value) + " is above " + num(max));
            }
            if (value < min) {
                return Verdict.anomaly(min, max, field + " " + num(value) + " is below " + num(min));
            }
            return Verdict.normal(min, max);
        });
    }

    /**
     * Flags a change faster than {@code maxChange} per {@code per} between consecutive readings
     * of a device. A reading whose time is not after the previous one's is not judged (it is out
     * of order or a duplicate) and does not become the previous one.
     *
     * @param field the field
     * @param maxChange the largest normal change, in the field's unit, above 0
     * @param per the time the change is measured over, such as one minute
     * @return the detector, named {@code rate_of_change}
     */
    public static Detector rateOfChange(String field, double maxChange, Duration per) {
        requireField(field);
        Objects.requireNonNull(per, "per");
        if (!(maxChange > 0) || Double.isInfinite(maxChange)) {
            throw new IllegalArgumentException("rate of change for '" + field + "': maxChange is " + maxChange
                    + "; give a finite value above 0, such as 2 (degrees per minute)");
        }
        if (per.isZero() || per.isNegative()) {
            throw new IllegalArgumentException("rate of change for '" + field + "': per is " + per
                    + "; give a duration above 0, such as Duration.ofMinutes(1)");
        }
        double perSeconds = per.toNanos() / 1e9;
        String unit = describe(per);
        return new Simple("rate_of_change", field, () -> new Detector.Series() {
            private double last = Double.NaN;
            private Instant lastAt;

            @Override
            public Verdict next(double value, Instant at) {
                if (lastAt != null && !at.isAfter(lastAt)) {
                    return null;
                }
                double previous = last;
                Instant previousAt = lastAt;
                last = value;
                lastAt = at;
                if (previousAt == null) {
                    return null;
                }
                double seconds = Duration.between(previousAt, at).toNanos() / 1e9;
                double allowed = maxChange * seconds / perSeconds;
                double min = previous - allowed;
                double max = previous + allowed;
                if (value < min || value > max) {
                    double rate = (value - previous) / seconds * perSeconds;
                    return Verdict.anomaly(min, max, field + " changed by " + num(value - previous) + " in "
                            + num(seconds) + " s (" + num(rate) + " per " + unit + "), more than " + num(maxChange)
                            + " per " + unit);
                }
                return Verdict.normal(min, max);
            }
        });
    }

    /**
     * Flags values more than {@code sensitivity} standard deviations from the mean of the
     * device's last {@code window} values.
     *
     * @param field the field
     * @param window how many recent values make the baseline, 2 or more
     * @param warmUp how many values to see before judging, 2 to {@code window}
     * @param sensitivity standard deviations, above 0, such as 3
     * @return the detector, named {@code zscore}
     */
    public static Detector zScore(String field, int window, int warmUp, double sensitivity) {
        requireField(field);
        if (window < 2) {
            throw new IllegalArgumentException("z-score for '" + field + "': window is " + window
                    + "; give 2 or more values, such as 60");
        }
        if (warmUp < 2 || warmUp > window) {
            throw new IllegalArgumentException("z-score for '" + field + "': warmUp is " + warmUp + "; give 2 to the "
                    + "window (" + window + ")");
        }
        requireSensitivity(field, sensitivity);
        return new Simple("zscore", field, () -> new Detector.Series() {
            private final double[] ring = new double[window];
            private int count;
            private int next;
            private double sum;
            private double sumSquares;

            @Override
            public Verdict next(double value, Instant at) {
                Verdict verdict = null;
                if (count >= warmUp) {
                    double mean = sum / count;
                    double sd = Math.sqrt(Math.max(0, sumSquares / count - mean * mean));
                    verdict = judge(field, value, mean, sd, sensitivity, "mean of the last " + count);
                }
                if (count == window) {
                    double old = ring[next];
                    sum -= old;
                    sumSquares -= old * old;
                } else {
                    count++;
                }
                ring[next] = value;
                next = (next + 1) % window;
                sum += value;
                sumSquares += value * value;
                return verdict;
            }
        });
    }

    /**
     * Flags values more than {@code sensitivity} standard deviations from an exponentially
     * weighted moving mean, with an exponentially weighted variance.
     *
     * @param field the field
     * @param alpha the weight of the newest value, above 0 and below 1, such as 0.1 (about the
     *     last 20 values count)
     * @param warmUp how many values to see before judging, 2 or more
     * @param sensitivity standard deviations, above 0, such as 3
     * @return the detector, named {@code ewma}
     */
    public static Detector ewma(String field, double alpha, int warmUp, double sensitivity) {
        requireField(field);
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("EWMA for '" + field + "': alpha is " + alpha
                    + "; give a weight above 0 and below 1, such as 0.1");
        }
        if (warmUp < 2) {
            throw new IllegalArgumentException("EWMA for '" + field + "': warmUp is " + warmUp + "; give 2 or more");
        }
        requireSensitivity(field, sensitivity);
        return new Simple("ewma", field, () -> new Detector.Series() {
            private int count;
            private double mean;
            private double variance;

            @Override
            public Verdict next(double value, Instant at) {
                Verdict verdict = null;
                if (count >= warmUp) {
                    verdict = judge(field, value, mean, Math.sqrt(variance), sensitivity, "EWMA");
                }
                if (count == 0) {
                    mean = value;
                } else {
                    double diff = value - mean;
                    double increment = alpha * diff;
                    mean += increment;
                    variance = (1 - alpha) * (variance + diff * increment);
                }
                count++;
                return verdict;
            }
        });
    }

    private static Verdict judge(String field, double value, double mean, double sd, double k, String baseline) {
        double min = mean - k * sd;
        double max = mean + k * sd;
        if (value >= min && value <= max) {
            return Verdict.normal(min, max);
        }
        String z = sd == 0 ? "infinitely many" : num(Math.abs(value - mean) / sd);
        return Verdict.anomaly(min, max, field + " " + num(value) + " is " + z + " standard deviations from the "
                + baseline + " (" + num(mean) + " ± " + num(k) + " × " + num(sd) + ")");
    }

    private static void requireField(String field) {
        if (field == null || field.isBlank()) {
            throw new IllegalArgumentException("a detector needs the payload field it watches, such as temperature");
        }
    }

    private static void requireSensitivity(String field, double sensitivity) {
        if (!(sensitivity > 0) || Double.isInfinite(sensitivity)) {
            throw new IllegalArgumentException("detector for '" + field + "': sensitivity is " + sensitivity
                    + "; give the number of standard deviations, above 0, such as 3");
        }
    }

    private static String describe(Duration per) {
        if (per.equals(Duration.ofSeconds(1))) {
            return "second";
        }
        if (per.equals(Duration.ofMinutes(1))) {
            return "minute";
        }
        if (per.equals(Duration.ofHours(1))) {
            return "hour";
        }
        return per.toString();
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "");
    }

    /** A detector from a name, a field and a way to start a series. */
    private record Simple(String name, String field, SeriesFactory factory) implements Detector {
        @Override
        public Series newSeries() {
            return factory.create();
        }

        @Override
        public String toString() {
            return name + "(" + field + ")";
        }
    }

    @FunctionalInterface
    private interface SeriesFactory {
        Detector.Series create();
    }
}
