package dev.edgeflow.gateway.internal;

import dev.edgeflow.core.ConnectionAware;

/**
 * Asks a connector whether it is connected, where it can tell: a connector that implements
 * {@link ConnectionAware} ({@code MqttSource}, {@code MqttSink}, {@code AwsIotSource},
 * {@code AwsIotSink}, {@code ShadowDeltaSource}, and any provider jar's connector that does).
 * Any other connector's state is unknown, and is reported as unknown rather than guessed.
 */
final class ConnectionProbe {
    private static final ConnectionProbe UNKNOWN = new ConnectionProbe(null);

    private final ConnectionAware target;

    private ConnectionProbe(ConnectionAware target) {
        this.target = target;
    }

    static ConnectionProbe of(Object connector) {
        return connector instanceof ConnectionAware aware ? new ConnectionProbe(aware) : UNKNOWN;
    }

    /** @return whether the connector reports its connection state at all */
    boolean known() {
        return target != null;
    }

    /**
     * @return {@code TRUE} or {@code FALSE} as the connector says, or null when it cannot tell (it
     *     does not report its state, or asking it failed)
     */
    Boolean connected() {
        if (target == null) {
            return null;
        }
        try {
            return target.isConnected();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
