package dev.edgeflow.testkit.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Limits the bytes per second that pass one way through a {@code FaultProxy}, for all its
 * connections together, as a link's bandwidth is shared by everything that crosses it.
 *
 * <p>The bucket holds at most 50 ms worth of the rate (at least 1 byte, at most the proxy's read
 * buffer), and readers read no more than that at a time. So the data leaves at an even pace
 * instead of in one burst per second, and a limit of a few bytes per second still works.
 */
public final class TokenBucket {
    /** The burst is a twentieth of a second's worth: short enough to look even, long enough to batch. */
    private static final long BURSTS_PER_SECOND = 20;
    private static final double NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final int maxBurst;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition rateChanged = lock.newCondition();
    private long bytesPerSecond;
    private double capacity;
    private double tokens;
    private long refilledAt = System.nanoTime();

    /**
     * Creates a bucket without a limit.
     *
     * @param maxBurst the most bytes a reader takes at once, its buffer's size
     */
    public TokenBucket(int maxBurst) {
        this.maxBurst = maxBurst;
    }

    /**
     * Sets the limit, which applies at once, also to readers already waiting. The bucket starts
     * full.
     *
     * @param bytesPerSecond the limit, 0 for none
     */
    public void rate(long bytesPerSecond) {
        lock.lock();
        try {
            this.bytesPerSecond = bytesPerSecond;
            capacity = bytesPerSecond <= 0 ? 0 : Math.max(1, Math.min(maxBurst, bytesPerSecond / BURSTS_PER_SECOND));
            tokens = capacity;
            refilledAt = System.nanoTime();
            rateChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the limit.
     *
     * @return bytes per second, 0 for none
     */
    public long rate() {
        lock.lock();
        try {
            return bytesPerSecond;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Tells how much a reader should read at most before it calls {@link #take(int)}.
     *
     * @param bufferSize the reader's buffer size
     * @return the burst size under a limit, else {@code bufferSize}
     */
    public int chunkSize(int bufferSize) {
        lock.lock();
        try {
            return bytesPerSecond <= 0 ? bufferSize : (int) Math.min(bufferSize, capacity);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until {@code bytes} may pass under the limit, and counts them against it. Returns at
     * once without a limit. A count larger than the burst (read before the limit was lowered)
     * waits for a full bucket and leaves a debt that the next callers wait out.
     *
     * @param bytes how many bytes were read
     * @throws InterruptedException if the thread is interrupted while it waits, as when its
     *     connection closes
     */
    public void take(int bytes) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (bytesPerSecond > 0) {
                long now = System.nanoTime();
                tokens = Math.min(capacity, tokens + (now - refilledAt) * bytesPerSecond / NANOS_PER_SECOND);
                refilledAt = now;
                double needed = Math.min(bytes, capacity);
                if (tokens >= needed) {
                    tokens -= bytes;
                    return;
                }
                rateChanged.awaitNanos((long) Math.ceil((needed - tokens) * NANOS_PER_SECOND / bytesPerSecond));
            }
        } finally {
            lock.unlock();
        }
    }
}
