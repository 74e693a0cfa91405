package dev.edgeflow.core.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A lock-free single-producer single-consumer ring: the hot path of every pipeline. A full
 * buffer refuses the new envelope, which is what both {@code BACKPRESSURE} (never full while
 * the source keeps to its demand) and {@code DROP_NEWEST} want.
 */
final class SpscEnvelopeBuffer implements EnvelopeBuffer {
    private final int capacity;
    private final int mask;
    private final AtomicReferenceArray<Envelope> slots;
    private final AtomicLong head = new AtomicLong(); // next to poll, written by the consumer
    private final AtomicLong tail = new AtomicLong(); // next to fill, written by the producer
    private long cachedHead; // producer's view of head

    SpscEnvelopeBuffer(int capacity) {
        this.capacity = capacity;
        int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        this.mask = size - 1;
        this.slots = new AtomicReferenceArray<>(size);
    }

    @Override
    public Envelope push(Envelope envelope) {
        long t = tail.get();
        if (t - cachedHead >= capacity) {
            cachedHead = head.get();
            if (t - cachedHead >= capacity) {
                return envelope;
            }
        }
        slots.lazySet((int) t & mask, envelope);
        tail.lazySet(t + 1);
        return null;
    }

    @Override
    public Envelope poll() {
        long h = head.get();
        int index = (int) h & mask;
        Envelope e = slots.get(index);
        if (e == null) {
            return null;
        }
        slots.lazySet(index, null);
        head.lazySet(h + 1);
        return e;
    }

    @Override
    public int size() {
        long h = head.get();
        long t = tail.get();
        return (int) Math.max(0, Math.min(capacity, t - h));
    }
}
