package dev.edgeflow.core;

/**
 * A {@link Source} or {@link Sink} that can tell whether its connection to the far side is up now.
 * Connectors over a network session implement it ({@code MqttSource}, {@code MqttSink},
 * {@code AwsIotSource}, {@code AwsIotSink}, {@code ShadowDeltaSource}), so that a supervisor such as
 * the gateway's health check and its {@code *.connected} meters can show the state without knowing
 * the connector's type. A connector without a session of its own (a file, a log, Pub/Sub's pooled
 * gRPC channels) does not implement it: its state is unknown, and nothing should guess it.
 *
 * @since 0.1.0
 */
public interface ConnectionAware {

    /**
     * Tells whether the connection is up now. Cheap and non-blocking: a supervisor calls it on
     * every health check and every scrape, from any thread.
     *
     * @return {@code true} while connected; {@code false} before the first connection, while
     *     reconnecting and after close
     */
    boolean isConnected();
}
