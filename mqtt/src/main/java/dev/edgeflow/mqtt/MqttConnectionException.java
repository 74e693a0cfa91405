package dev.edgeflow.mqtt;

/**
 * A connection to an MQTT broker failed or was lost. The message names the broker, the client
 * id and what went wrong (unreachable, TLS verification, refused credentials, a subscription
 * the broker refused); {@link #isPermanent()} tells whether waiting can help.
 *
 * @since 0.1.0
 */
public class MqttConnectionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The broker, as {@code mqtt://host:port}. */
    private final String serverUri;
    /** Whether retrying without a change cannot succeed. */
    private final boolean permanent;

    /**
     * Creates the exception.
     *
     * @param serverUri the broker, as {@code mqtt://host:port}
     * @param message what went wrong and how to fix it
     * @param permanent whether retrying without a change cannot succeed
     * @param cause the client library's exception, or {@code null}
     */
    public MqttConnectionException(String serverUri, String message, boolean permanent, Throwable cause) {
        super(message, cause);
        this.serverUri = serverUri;
        this.permanent = permanent;
    }

    /**
     * Returns the broker.
     *
     * @return {@code mqtt://host:port} or {@code mqtts://host:port}
     */
    public String serverUri() {
        return serverUri;
    }

    /**
     * Tells whether the failure needs a fix rather than time: refused credentials, a certificate
     * that fails verification, a refused subscription. Reconnecting is not attempted then.
     *
     * @return {@code true} if permanent
     */
    public boolean isPermanent() {
        return permanent;
    }
}
