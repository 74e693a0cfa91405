package dev.edgeflow.core.internal;

import dev.edgeflow.core.PipelineStats;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed-size log-linear histogram of latencies in microseconds: exact below 16 us, then
 * eight buckets per power of two (within 12.5 %). Lock-free, bounded memory (about 2.5 KB),
 * recording is one array increment.
 */
public final class LatencyRecorder {
    private static final int LINEAR = 16;
    private static final int SUB_BITS = 3;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 42; // about 50 days in microseconds
    private static final int BUCKETS = LINEAR + (MAX_EXPONENT - 4 + 1) * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    /**
     * Records one latency.
     *
     * @param nanos the latency in nanoseconds; negative counts as zero
     */
    public void recordNanos(long nanos) {
        counts.getAndIncrement(index(Math.max(0, nanos / 1000)));
    }

    static int index(long micros) {
        if (micros < LINEAR) {
            return (int) micros;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(micros);
        if (exponent > MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int sub = (int) (micros >>> (exponent - SUB_BITS)) & (SUB - 1);
        return LINEAR + (exponent - 4) * SUB + sub;
    }

    /** The smallest value in a bucket, in microseconds. */
    static long lowerBound(int index) {
        if (index < LINEAR) {
            return index;
        }
        int exponent = (index - LINEAR) / SUB + 4;
        int sub = (index - LINEAR) % SUB;
        return (1L << exponent) + ((long) sub << (exponent - SUB_BITS));
    }

    /**
     * Returns the percentiles of what was recorded so far.
     *
     * @return the snapshot
     */
    public PipelineStats.Latency snapshot() {
        long[] copy = new long[BUCKETS];
        long total = 0;
        int highest = -1;
        for (int i = 0; i < BUCKETS; i++) {
            long c = counts.get(i);
            copy[i] = c;
            total += c;
            if (c > 0) {
                highest = i;
            }
        }
        if (total == 0) {
            return new PipelineStats.Latency(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        }
        return new PipelineStats.Latency(total, percentile(copy, total, 0.50), percentile(copy, total, 0.90),
                percentile(copy, total, 0.99), Duration.ofNanos(upperBound(highest) * 1000));
    }

    private static Duration percentile(long[] counts, long total, double fraction) {
        long rank = (long) Math.ceil(total * fraction);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Duration.ofNanos(upperBound(i) * 1000);
            }
        }
        return Duration.ZERO;
    }

    /** The largest value in a bucket, in microseconds: percentiles err on the high side. */
    private static long upperBound(int index) {
        return index + 1 < BUCKETS ? Math.max(lowerBound(index), lowerBound(index + 1) - 1) : lowerBound(index);
    }
}
