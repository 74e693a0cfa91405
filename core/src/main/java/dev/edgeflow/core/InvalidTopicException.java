package dev.edgeflow.core;

/**
 * A topic or topic filter that breaks the MQTT topic rules edgeflow applies to every
 * message. The message names the topic (shortened if long) and the rule it broke.
 *
 * @since 0.1.0
 */
public final class InvalidTopicException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was wrong and how to fix it
     */
    public InvalidTopicException(String message) {
        super(message);
    }
}
