package dev.edgeflow.core.spool;

/**
 * What a {@link Spool} does with an append when it holds {@link Spool.Builder#maxBytes(long)}
 * already.
 *
 * @since 0.1.0
 */
public enum SpoolFullPolicy {
    /**
     * Keep every record: the append waits, without blocking its caller, and its future
     * completes once confirmations have freed a whole segment. Appends made after it wait
     * behind it, so the order is kept. The default.
     */
    BACKPRESSURE,
    /**
     * Make room at once: the oldest segment is deleted with the records in it that were not
     * confirmed yet. Each such record is counted in {@link SpoolStats#dropped()}, and a
     * warning is logged at a limited rate.
     */
    DROP_OLDEST
}
