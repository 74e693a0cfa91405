package dev.edgeflow.aws.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Lets at most {@code permits} publishes start in any window of {@code window} nanoseconds, in the
 * order they were submitted, without blocking the caller: a publish over the limit waits in a FIFO
 * and a timer starts it when the oldest of the last {@code permits} publishes has left the window.
 *
 * <p>A sliding window, not a token bucket: a bucket of 100 tokens refilled at 100/s lets 200
 * publishes through in one second (a full bucket, then the refill), and AWS IoT Core counts per
 * second. The queue is not bounded here; its callers bound it (a sink's in-flight limit).
 */
public final class PublishRateLimiter {
    private final int permits;
    private final long windowNanos;
    private final LongSupplier clock;
    private final ScheduledExecutorService timer;
    /** Start times of the last {@code permits} publishes, oldest at {@code head}. */
    private final long[] starts;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private int head;
    private int count;
    private boolean timerSet;
    private long started;

    /**
     * Creates a limiter.
     *
     * @param permits publishes allowed per window
     * @param windowNanos the window
     * @param clock a nanosecond clock ({@code System::nanoTime})
     * @param timer runs the waiting publishes
     */
    public PublishRateLimiter(int permits, long windowNanos, LongSupplier clock, ScheduledExecutorService timer) {
        if (permits <= 0) {
            throw new IllegalArgumentException("permits must be positive, was " + permits);
        }
        this.permits = permits;
        this.windowNanos = windowNanos;
        this.clock = clock;
        this.timer = timer;
        this.starts = new long[permits];
    }

    /**
     * Runs the publish now if the window has room and nothing waits, otherwise queues it.
     *
     * @param publish starts one publish; must not block
     */
    public void execute(Runnable publish) {
        boolean now;
        synchronized (this) {
            now = waiting.isEmpty() && take(clock.getAsLong());
            if (!now) {
                waiting.add(publish);
                scheduleLocked();
            }
        }
        if (now) {
            publish.run();
        }
    }

    /**
     * Returns the publishes waiting for the window.
     *
     * @return the queue length
     */
    public synchronized int waiting() {
        return waiting.size();
    }

    /**
     * Returns the publishes started so far.
     *
     * @return the count
     */
    public synchronized long started() {
        return started;
    }

    /**
     * Empties the queue, for a closing connection that fails what waits.
     *
     * @return the publishes that had not started, in order
     */
    public synchronized List<Runnable> clear() {
        List<Runnable> left = new ArrayList<>(waiting);
        waiting.clear();
        return left;
    }

    private boolean take(long now) {
        if (count == permits) {
            if (now - starts[head] < windowNanos) {
                return false;
            }
            head = (head + 1) % permits;
            count--;
        }
        starts[(head + count) % permits] = now;
        count++;
        started++;
        return true;
    }

    private void scheduleLocked() {
        if (timerSet || waiting.isEmpty()) {
            return;
        }
        long delay = count < permits ? 0 : Math.max(0, starts[head] + windowNanos - clock.getAsLong());
        timerSet = true;
        timer.schedule(this::drain, delay, TimeUnit.NANOSECONDS);
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (this) {
                if (waiting.isEmpty() || !take(clock.getAsLong())) {
                    timerSet = false;
                    scheduleLocked();
                    return;
                }
                next = waiting.poll();
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                // the publish reports its own failure through its future; the queue goes on
            }
        }
    }
}
