package dev.edgeflow.core.internal;

import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** One delivery on its way to the sinks it was routed to. */
final class Envelope {
    private static final VarHandle PENDING;
    private static final VarHandle FAILURE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PENDING = lookup.findVarHandle(Envelope.class, "pending", int.class);
            FAILURE = lookup.findVarHandle(Envelope.class, "failure", Throwable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Delivery delivery;
    final SinkChannel[] channels;
    /** What every target gets, unless {@link #perTarget} says otherwise. */
    private final Message message;
    /** One message per target where a route rewrote some; {@code null} when all get {@link #message}. */
    private final Message[] perTarget;
    final long receivedNanos;
    /** The envelope carries a message a step rejected, bound for the dead-letter sink only. */
    final boolean rejectedInStep;
    /** Drain-thread only: how many targets were handed to their sinks. */
    int dispatched;
    /** Set when some target's message went to the dead-letter sink. */
    volatile boolean deadLettered;
    @SuppressWarnings("unused") // through PENDING
    private volatile int pending;
    @SuppressWarnings("unused") // through FAILURE
    private volatile Throwable failure;

    /**
     * Takes {@code channels} as they are (an array shared between envelopes, never written) and
     * sends {@code message} to each target, or {@code perTarget[i]} to target i if that is given.
     */
    Envelope(Delivery delivery, SinkChannel[] channels, Message message, Message[] perTarget, long receivedNanos,
            boolean rejectedInStep) {
        this.delivery = delivery;
        this.channels = channels;
        this.message = message;
        this.perTarget = perTarget;
        this.receivedNanos = receivedNanos;
        this.rejectedInStep = rejectedInStep;
        PENDING.setRelease(this, channels.length);
    }

    Message message(int target) {
        return perTarget == null ? message : perTarget[target];
    }

    /** Returns true when the last target finished. */
    boolean targetDone() {
        return (int) PENDING.getAndAdd(this, -1) == 1;
    }

    void fail(Throwable cause) {
        FAILURE.compareAndSet(this, null, cause);
    }

    Throwable failure() {
        return failure;
    }
}
