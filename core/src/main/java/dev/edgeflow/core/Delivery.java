package dev.edgeflow.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A {@link Message} handed out by a {@link Source}, with the means to tell the source what
 * became of it.
 *
 * <p>{@link #ack()} says every sink has the message; {@link #nack(Throwable)} says it failed
 * for good. What that means belongs to the source: release the MQTT PUBACK, ack the Pub/Sub
 * message, advance a spool cursor, nothing for a sensor reading. The first of the two calls
 * settles the delivery; every later call does nothing and returns {@code false}, so both are
 * safe to call from any thread, more than once.
 *
 * @since 0.1.0
 */
public final class Delivery {
    /**
     * What a source does when a delivery is settled. Called at most once per delivery, on the
     * thread that settles it; it must not block.
     *
     * @since 0.1.0
     */
    public interface Acknowledger {
        /**
         * The delivery's message reached every sink it was routed to, or was deliberately
         * filtered or dropped.
         *
         * @param delivery the settled delivery
         */
        void ack(Delivery delivery);

        /**
         * The delivery's message failed for good.
         *
         * @param delivery the settled delivery
         * @param cause why it failed
         */
        void nack(Delivery delivery, Throwable cause);
    }

    private static final Acknowledger NONE = new Acknowledger() {
        @Override
        public void ack(Delivery delivery) {
        }

        @Override
        public void nack(Delivery delivery, Throwable cause) {
        }
    };

    private static final int PENDING = 0;
    private static final int ACKED = 1;
    private static final int NACKED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Delivery.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Message message;
    private final Acknowledger acknowledger;
    private final int attempt;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    private Delivery(Message message, Acknowledger acknowledger, int attempt) {
        this.message = Objects.requireNonNull(message, "message");
        this.acknowledger = Objects.requireNonNull(acknowledger, "acknowledger");
        this.attempt = attempt;
    }

    /**
     * Creates a delivery whose settlement is reported to an acknowledger.
     *
     * @param message the message
     * @param acknowledger called once, when the delivery is settled
     * @return the delivery
     */
    public static Delivery of(Message message, Acknowledger acknowledger) {
        return new Delivery(message, acknowledger, 1);
    }

    /**
     * Creates a delivery that a source hands out again after a nack.
     *
     * @param message the message
     * @param acknowledger called once, when this delivery is settled
     * @param attempt which delivery of the message this is, 1 for the first
     * @return the delivery
     * @throws IllegalArgumentException if {@code attempt} is below 1
     */
    public static Delivery redelivery(Message message, Acknowledger acknowledger, int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is " + attempt + ": deliveries count from 1");
        }
        return new Delivery(message, acknowledger, attempt);
    }

    /**
     * Creates a delivery that nobody needs to hear about, such as a sensor reading that cannot
     * be read again.
     *
     * @param message the message
     * @return the delivery
     */
    public static Delivery unacknowledged(Message message) {
        return new Delivery(message, NONE, 1);
    }

    /**
     * Returns the message.
     *
     * @return the message
     */
    public Message message() {
        return message;
    }

    /**
     * Returns which delivery of this message this is.
     *
     * @return 1 for the first delivery, more after nacks
     */
    public int attempt() {
        return attempt;
    }

    /**
     * Acknowledges the delivery. Does nothing if it was already settled.
     *
     * @return {@code true} if this call settled it
     * @throws RuntimeException whatever the source's acknowledger throws, once
     */
    public boolean ack() {
        if (STATE.compareAndSet(this, PENDING, ACKED)) {
            acknowledger.ack(this);
            return true;
        }
        return false;
    }

    /**
     * Rejects the delivery: the message failed for good. Does nothing if it was already settled.
     *
     * @param cause why it failed, not null
     * @return {@code true} if this call settled it
     * @throws RuntimeException whatever the source's acknowledger throws, once
     */
    public boolean nack(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        if (STATE.compareAndSet(this, PENDING, NACKED)) {
            acknowledger.nack(this, cause);
            return true;
        }
        return false;
    }

    /**
     * Tells whether {@link #ack()} or {@link #nack(Throwable)} has been called.
     *
     * @return {@code true} once settled
     */
    public boolean isSettled() {
        return state != PENDING;
    }

    /**
     * Tells whether the delivery was acknowledged.
     *
     * @return {@code true} if {@link #ack()} settled it
     */
    public boolean isAcked() {
        return state == ACKED;
    }

    /**
     * Tells whether the delivery was rejected.
     *
     * @return {@code true} if {@link #nack(Throwable)} settled it
     */
    public boolean isNacked() {
        return state == NACKED;
    }

    @Override
    public String toString() {
        int s = state;
        return "Delivery{" + message + ", attempt=" + attempt + ", "
                + (s == PENDING ? "pending" : s == ACKED ? "acked" : "nacked") + "}";
    }
}
