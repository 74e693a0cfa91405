package dev.edgeflow.core.internal;

import dev.edgeflow.core.OverflowPolicy;

/**
 * The bounded buffer between a pipeline's steps and its sinks. One thread at a time pushes
 * (the source's {@code onNext}, serial by contract) and one at a time polls (the drain loop).
 * A disk-backed buffer for {@code SPOOL} plugs in here.
 */
interface EnvelopeBuffer {

    /**
     * Adds an envelope.
     *
     * @return {@code null} if it was taken with nothing lost; otherwise the envelope that did
     *     not fit (the new one, or the evicted oldest one)
     */
    Envelope push(Envelope envelope);

    /** Removes the oldest envelope, or returns {@code null} if empty. */
    Envelope poll();

    int size();

    static EnvelopeBuffer create(int capacity, OverflowPolicy policy) {
        switch (policy) {
            case BACKPRESSURE:
            case SPOOL:
            case DROP_NEWEST:
                return new SpscEnvelopeBuffer(capacity);
            case DROP_OLDEST:
                return new EvictingEnvelopeBuffer(capacity);
            default:
                throw new IllegalArgumentException("no buffer for overflow policy " + policy);
        }
    }
}
