package dev.edgeflow.core;

import java.time.Duration;

/**
 * A snapshot of a pipeline's counters. Counts are totals since the pipeline started; {@code inFlight}
 * and {@code buffered} are the levels at the moment of the snapshot.
 *
 * @param received deliveries taken from the source
 * @param forwarded deliveries that every sink they were routed to confirmed, then acked
 * @param filtered deliveries a filter removed or no route matched, then acked
 * @param dropped deliveries an overflow policy dropped, then acked
 * @param failed deliveries nacked because a sink or stage failed for good and no dead-letter
 *     sink took them
 * @param retried send attempts made again after a failure
 * @param deadLettered deliveries the dead-letter sink took, then acked
 * @param tapFailures exceptions thrown by taps (the message went on regardless)
 * @param inFlight deliveries taken from the buffer and not yet settled
 * @param buffered deliveries waiting in the buffer
 * @param latency time from receipt to settlement of forwarded deliveries, from a sample of
 *     one delivery in eight (a clock read costs as much as the rest of the hot path)
 * @since 0.1.0
 */
public record PipelineStats(
        long received,
        long forwarded,
        long filtered,
        long dropped,
        long failed,
        long retried,
        long deadLettered,
        long tapFailures,
        long inFlight,
        long buffered,
        Latency latency) {

    /**
     * Percentiles of end-to-end latency, accurate to about 1/8 of the value.
     *
     * @param count how many latencies were recorded (about one forwarded delivery in eight)
     * @param p50 median
     * @param p90 90th percentile
     * @param p99 99th percentile
     * @param max the largest
     * @since 0.1.0
     */
    public record Latency(long count, Duration p50, Duration p90, Duration p99, Duration max) {
        @Override
        public String toString() {
            return "p50=" + format(p50) + " p90=" + format(p90) + " p99=" + format(p99) + " max=" + format(max);
        }

        private static String format(Duration d) {
            long micros = d.toNanos() / 1000;
            return micros < 10_000 ? micros + "us" : micros / 1000 + "ms";
        }
    }

    /**
     * Returns the line the examples print, like the seed bridge's status line.
     *
     * @return a one-line summary
     */
    @Override
    public String toString() {
        return "received=" + received + " forwarded=" + forwarded + " filtered=" + filtered + " dropped=" + dropped
                + " failed=" + failed + " retried=" + retried + " deadLettered=" + deadLettered
                + " tapFailures=" + tapFailures + " inFlight=" + inFlight + " buffered=" + buffered
                + " latency[" + latency + "]";
    }
}
