package dev.edgeflow.testkit.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * The faults a {@code FaultProxy} applies now, and its byte counts, shared by all its
 * connections. Changes take effect at the next check of each pump; the proxy wakes the pumps
 * that wait so that they check at once.
 */
public final class ProxyFaults {
    private final TokenBucket upstreamBandwidth = new TokenBucket(ProxiedConnection.BUFFER_BYTES);
    private final TokenBucket downstreamBandwidth = new TokenBucket(ProxiedConnection.BUFFER_BYTES);
    private final LongAdder bytesUpstream = new LongAdder();
    private final LongAdder bytesDownstream = new LongAdder();
    private volatile boolean paused;
    private volatile long latencyNanos;

    /**
     * Tells whether forwarding stopped.
     *
     * @return true between pause and resume
     */
    public boolean paused() {
        return paused;
    }

    /**
     * Stops or resumes forwarding.
     *
     * @param paused true to stop
     */
    public void paused(boolean paused) {
        this.paused = paused;
    }

    /**
     * Returns the delay added to every chunk each way.
     *
     * @return nanoseconds, 0 for none
     */
    public long latencyNanos() {
        return latencyNanos;
    }

    /**
     * Sets the delay added to every chunk each way.
     *
     * @param nanos nanoseconds, 0 for none
     */
    public void latencyNanos(long nanos) {
        this.latencyNanos = nanos;
    }

    /**
     * Returns the limit on data from clients to the target.
     *
     * @return the bucket
     */
    public TokenBucket upstreamBandwidth() {
        return upstreamBandwidth;
    }

    /**
     * Returns the limit on data from the target to clients.
     *
     * @return the bucket
     */
    public TokenBucket downstreamBandwidth() {
        return downstreamBandwidth;
    }

    /**
     * Returns the count of bytes written to the target.
     *
     * @return the counter, added to by every connection
     */
    public LongAdder bytesUpstream() {
        return bytesUpstream;
    }

    /**
     * Returns the count of bytes written to clients.
     *
     * @return the counter, added to by every connection
     */
    public LongAdder bytesDownstream() {
        return bytesDownstream;
    }
}
