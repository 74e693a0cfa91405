package dev.edgeflow.core.internal;

import java.util.ArrayDeque;

/**
 * A bounded buffer that makes room by evicting its oldest envelope. Eviction takes from the
 * consumer's end, so both ends share a lock; only {@code DROP_OLDEST} pays for it.
 */
final class EvictingEnvelopeBuffer implements EnvelopeBuffer {
    private final int capacity;
    private final ArrayDeque<Envelope> queue;

    EvictingEnvelopeBuffer(int capacity) {
        this.capacity = capacity;
        this.queue = new ArrayDeque<>(Math.min(capacity, 1 << 16));
    }

    @Override
    public synchronized Envelope push(Envelope envelope) {
        Envelope evicted = queue.size() >= capacity ? queue.pollFirst() : null;
        queue.addLast(envelope);
        return evicted;
    }

    @Override
    public synchronized Envelope poll() {
        return queue.pollFirst();
    }

    @Override
    public synchronized int size() {
        return queue.size();
    }
}
