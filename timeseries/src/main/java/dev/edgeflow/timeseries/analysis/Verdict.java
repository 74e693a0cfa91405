package dev.edgeflow.timeseries.analysis;

/**
 * What a detector concluded about one value: whether it is out of the expected range, the range,
 * and why.
 *
 * @param anomalous whether the value is outside what was expected
 * @param expectedMin the lowest value expected; {@code -Infinity} for no lower bound
 * @param expectedMax the highest value expected; {@code +Infinity} for no upper bound
 * @param reason why, in words, such as {@code temperature 36.2 is above 35}
 * @since 0.1.0
 */
public record Verdict(boolean anomalous, double expectedMin, double expectedMax, String reason) {

    /**
     * A value within its range.
     *
     * @param min the lowest value expected
     * @param max the highest value expected
     * @return the verdict
     */
    public static Verdict normal(double min, double max) {
        return new Verdict(false, min, max, "");
    }

    /**
     * A value outside its range.
     *
     * @param min the lowest value expected
     * @param max the highest value expected
     * @param reason why
     * @return the verdict
     */
    public static Verdict anomaly(double min, double max, String reason) {
        return new Verdict(true, min, max, reason);
    }
}
