package dev.edgeflow.timeseries.influx.internal;

import java.time.Duration;

/** Waits between attempts; tests put in one that records the wait instead of sleeping. */
@FunctionalInterface
public interface Sleeper {
    /** Sleeps on the calling thread. */
    Sleeper THREAD_SLEEP = duration -> Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);

    /**
     * Waits.
     *
     * @param duration how long
     * @throws InterruptedException if the thread was interrupted while it waited
     */
    void sleep(Duration duration) throws InterruptedException;
}
