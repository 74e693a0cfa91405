package dev.edgeflow.gateway;

/**
 * A gateway that could not start: a connector could not be created or started. The message
 * names the route or connector and the file's entry to fix. When it is thrown, whatever had
 * already been created has been closed again.
 *
 * @since 0.1.0
 */
public final class GatewayException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed and how to fix it
     * @param cause the underlying failure, or null
     */
    public GatewayException(String message, Throwable cause) {
        super(message, cause);
    }
}
