package dev.edgeflow.core;

/**
 * Header names edgeflow itself sets on messages. They are valid MQTT 5 user property names
 * and Pub/Sub attribute names.
 *
 * @since 0.1.0
 */
public final class Headers {
    /** On a dead-lettered message: why it was given up, with the exception's message. */
    public static final String DEAD_LETTER_REASON = "edgeflow-dead-letter-reason";
    /** On a dead-lettered message: the class name of the exception that ended it. */
    public static final String DEAD_LETTER_EXCEPTION = "edgeflow-dead-letter-exception";
    /** On a dead-lettered message: the sink (or pipeline stage) that failed. */
    public static final String DEAD_LETTER_STAGE = "edgeflow-dead-letter-stage";
    /** On a dead-lettered message: how many send attempts were made. */
    public static final String DEAD_LETTER_ATTEMPTS = "edgeflow-dead-letter-attempts";
    /** On a dead-lettered message: the pipeline that gave it up. */
    public static final String DEAD_LETTER_PIPELINE = "edgeflow-dead-letter-pipeline";

    private Headers() {
    }
}
