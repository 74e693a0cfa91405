package dev.edgeflow.core.internal;

import dev.edgeflow.core.Sink;
import java.util.concurrent.atomic.AtomicInteger;

/** One sink of a pipeline with its cap on sends in flight. */
final class SinkChannel {
    final Sink sink;
    final int maxInFlight;
    final SinkChannel[] alone = {this};
    private final AtomicInteger inFlight = new AtomicInteger();

    SinkChannel(Sink sink, int maxInFlight) {
        this.sink = sink;
        this.maxInFlight = maxInFlight;
    }

    boolean tryAcquire() {
        for (;;) {
            int current = inFlight.get();
            if (current >= maxInFlight) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** True if a send may start; exact when called by the drain loop's owner, the only one to take permits. */
    boolean hasRoom() {
        return inFlight.get() < maxInFlight;
    }

    /** True if {@code sends} sends may start; exact for the drain loop's owner, as {@link #hasRoom()}. */
    boolean hasRoom(int sends) {
        return inFlight.get() + sends <= maxInFlight;
    }

    /** Takes a permit that {@link #hasRoom()} saw free, as the drain loop's owner. */
    void acquireOwned() {
        inFlight.incrementAndGet();
    }

    void release() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }
}
