package dev.edgeflow.benchmarks;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The recording half of edgeflow's internal latency recorder (same buckets, same atomic
 * increment), so that a chain can be given the per-message timing work edgeflow does for its
 * stats.
 */
final class LatencyHistogram {
    private static final int LINEAR = 16;
    private static final int SUB_BITS = 3;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 42;
    private static final int BUCKETS = LINEAR + (MAX_EXPONENT - 4 + 1) * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    void recordNanos(long nanos) {
        counts.getAndIncrement(index(Math.max(0, nanos / 1000)));
    }

    long count() {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            total += counts.get(i);
        }
        return total;
    }

    private static int index(long micros) {
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
}
