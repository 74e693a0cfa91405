package dev.edgeflow.core;

/**
 * A message that can never succeed as it is: its payload is over a service's limit, it is
 * not JSON where JSON is required, a sink refused it for good. A pipeline does not retry it;
 * it goes to the dead-letter sink, with this exception's message as the reason.
 *
 * <p>Sinks complete a send exceptionally with this type (or a subclass) to say "do not retry".
 *
 * @since 0.1.0
 */
public class MessageRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message why the message is rejected, naming the message and the limit it broke
     */
    public MessageRejectedException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message why the message is rejected, naming the message and the limit it broke
     * @param cause the underlying error, or {@code null}
     */
    public MessageRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
