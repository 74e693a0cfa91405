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

    void release() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }
}
