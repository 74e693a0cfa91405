package dev.edgeflow.core;

import java.util.concurrent.Flow;

/**
 * Where messages come from: a {@link Flow.Publisher} of {@link Delivery deliveries} with a
 * lifecycle.
 *
 * <p>A source emits no more deliveries than its subscriber requested. That demand is the
 * backpressure, and a source carries it to the network where it can (MQTT manual
 * acknowledgement and receive-maximum, Pub/Sub flow control). Sources follow the Reactive
 * Streams rules: signals are serial, {@code request} from inside {@code onNext} does not
 * recurse without bound, and errors from the far side arrive as {@code onError}.
 *
 * <p>Unless a source says otherwise it accepts one subscriber; a second one gets
 * {@code onError} with an {@link IllegalStateException}.
 *
 * @since 0.1.0
 */
public interface Source extends Flow.Publisher<Delivery>, AutoCloseable {

    /**
     * Returns a name for logs and stats.
     *
     * @return a short name, such as {@code mqtt://localhost:1883}; never a secret
     */
    String name();

    /**
     * Tells whether a nacked delivery comes back: the source emits the message again.
     *
     * @return {@code true} if nacked messages are redelivered
     */
    default boolean redeliversOnNack() {
        return false;
    }

    /**
     * Stops the source: no more deliveries, the subscriber gets {@code onComplete}, and the
     * threads and connections of the source are released. Deliveries that are not yet
     * settled stay unacknowledged, so a source that can redeliver will. Idempotent; does not
     * throw.
     */
    @Override
    void close();
}
