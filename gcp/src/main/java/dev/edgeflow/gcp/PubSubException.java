package dev.edgeflow.gcp;

/**
 * A Pub/Sub setup or service failure, with a message that names what failed and how to fix it:
 * a topic or subscription that does not exist, permission denied, credentials missing or
 * malformed, the endpoint unreachable.
 *
 * @since 0.1.0
 */
public class PubSubException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed and how to fix it
     * @param cause the client's exception
     */
    public PubSubException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates the exception.
     *
     * @param message what failed and how to fix it
     */
    public PubSubException(String message) {
        super(message);
    }
}
