package dev.edgeflow.core;

/**
 * The cause given when a pipeline nacks a delivery because it was stopped before the delivery
 * could be sent. A source that redelivers will send the message again.
 *
 * @since 0.1.0
 */
public final class PipelineStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which pipeline stopped and what became of the message
     */
    public PipelineStoppedException(String message) {
        super(message);
    }
}
