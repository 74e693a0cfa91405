package dev.edgeflow.core;

/**
 * A payload that is not in the format a step asked for, typically not JSON where JSON was
 * required. A pipeline turns it into a dead-lettered message (or a nack), never a crash.
 *
 * @since 0.1.0
 */
public final class PayloadFormatException extends MessageRejectedException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was wrong, naming the message id and topic
     * @param cause the parser's error, or {@code null}
     */
    public PayloadFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
