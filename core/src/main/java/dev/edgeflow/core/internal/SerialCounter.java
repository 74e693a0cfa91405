package dev.edgeflow.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A counter written by one thread at a time (under some serialisation that orders the writers,
 * such as Reactive Streams' serial {@code onNext} or a drain loop's work-in-progress counter)
 * and read by any. An increment is a plain load and store, not an atomic read-modify-write:
 * on the hot path that is the difference between a few cycles and a few dozen.
 */
public final class SerialCounter {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(SerialCounter.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through VALUE
    private volatile long value;

    /** Adds one; only the thread that currently owns the counter may call it. */
    public void increment() {
        VALUE.setOpaque(this, (long) VALUE.getOpaque(this) + 1);
    }

    /**
     * Returns the count; from another thread, possibly a little behind.
     *
     * @return the count
     */
    public long get() {
        return (long) VALUE.getOpaque(this);
    }
}
