package dev.edgeflow.timeseries.analysis;

import java.time.Instant;

/**
 * Judges the values of one field of one device's readings, one after the other. A detector is a
 * factory of {@link Series}: the {@link AlertStage} keeps one series per device for each
 * detector, so a detector that learns (a z-score, an EWMA) learns each device's normal apart.
 * {@link Detectors} has the ready-made ones.
 *
 * @since 0.1.0
 */
public interface Detector {

    /**
     * Names the detector in alerts, such as {@code threshold} or {@code zscore}.
     *
     * @return the name
     */
    String name();

    /**
     * Returns the field the detector watches, such as {@code temperature}.
     *
     * @return the payload's field name
     */
    String field();

    /**
     * Starts the state of one device's values.
     *
     * @return a new, empty series
     */
    Series newSeries();

    /** The state of one device's values for one detector. Used by one thread at a time. */
    interface Series {
        /**
         * Takes the next value and judges it.
         *
         * @param value a finite value
         * @param at the reading's time
         * @return the verdict, or {@code null} while the series is still learning (warm-up) or
         *     cannot judge this value (such as a rate of change whose time did not advance)
         */
        Verdict next(double value, Instant at);
    }
}
