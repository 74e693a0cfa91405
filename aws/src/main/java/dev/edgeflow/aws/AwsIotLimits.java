package dev.edgeflow.aws;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * AWS IoT Core's message broker limits, checked before a message is sent, so that a message that
 * could never pass goes to the pipeline's dead letter with the reason instead of being dropped by
 * the service or getting the connection closed.
 *
 * <p>{@link #IOT_CORE} holds the documented limits: payload at most 128 KB, topic at most 256
 * bytes with at most 7 slashes (not counting a {@code $aws/rules/<rule>/} prefix, which Basic
 * Ingest strips), no wildcards in a publish topic, client id at most 128 bytes, and 100 publishes
 * per second per connection, which the connection meets with a rate limiter instead of being
 * throttled or disconnected. {@link #NONE} checks nothing; it is for a local broker and for
 * benchmarks.
 *
 * @since 0.1.0
 */
public final class AwsIotLimits {
    /** The limits of AWS IoT Core. */
    public static final AwsIotLimits IOT_CORE = new AwsIotLimits(128 * 1024, 256, 7, 128, 100, true);
    /** No limits: no checks, no rate limiter. */
    public static final AwsIotLimits NONE = new AwsIotLimits(Integer.MAX_VALUE, 65_535, Integer.MAX_VALUE, 65_535, 0,
            false);

    private final int maxPayloadBytes;
    private final int maxTopicBytes;
    private final int maxTopicSlashes;
    private final int maxClientIdBytes;
    private final int publishesPerSecond;
    private final boolean enforced;

    private AwsIotLimits(int maxPayloadBytes, int maxTopicBytes, int maxTopicSlashes, int maxClientIdBytes,
            int publishesPerSecond, boolean enforced) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxTopicBytes = maxTopicBytes;
        this.maxTopicSlashes = maxTopicSlashes;
        this.maxClientIdBytes = maxClientIdBytes;
        this.publishesPerSecond = publishesPerSecond;
        this.enforced = enforced;
    }

    /**
     * Returns these limits with another publish rate, e.g. when AWS raised the account's quota, or
     * to keep a margin for other clients.
     *
     * @param perSecond publishes per second per connection; 0 switches the rate limiter off
     * @return new limits
     * @throws IllegalArgumentException if negative
     */
    public AwsIotLimits withPublishesPerSecond(int perSecond) {
        if (perSecond < 0) {
            throw new IllegalArgumentException("publishesPerSecond must be 0 (no limit) or positive, was " + perSecond);
        }
        return new AwsIotLimits(maxPayloadBytes, maxTopicBytes, maxTopicSlashes, maxClientIdBytes, perSecond, enforced);
    }

    /**
     * Returns the largest payload, in bytes.
     *
     * @return 131072 for IoT Core
     */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /**
     * Returns publishes per second per connection that the rate limiter allows.
     *
     * @return 100 for IoT Core; 0 when there is no rate limiter
     */
    public int publishesPerSecond() {
        return publishesPerSecond;
    }

    /**
     * Returns whether messages are checked.
     *
     * @return false for {@link #NONE}
     */
    public boolean enforced() {
        return enforced;
    }

    /**
     * Checks a message against these limits.
     *
     * @param message the message to publish
     * @throws MessageRejectedException naming the message, the limit and how to fix it
     */
    public void check(Message message) {
        if (!enforced) {
            return;
        }
        checkTopic(message.topic(), message);
        if (message.payloadSize() > maxPayloadBytes) {
            throw new MessageRejectedException("message " + message.id() + " on '" + message.topic() + "' has a "
                    + message.payloadSize() + "-byte payload, over AWS IoT Core's limit of " + maxPayloadBytes
                    + " bytes (128 KB): split the reading or send large data through S3");
        }
    }

    /**
     * Checks a publish topic against these limits.
     *
     * @param topic the topic
     * @param message the message, for the error text; may be {@code null}
     * @throws MessageRejectedException naming the topic, the limit and how to fix it
     */
    public void checkTopic(String topic, Message message) {
        if (!enforced) {
            return;
        }
        Objects.requireNonNull(topic, "topic");
        String what = message != null ? "message " + message.id() + ": topic '" + topic + "'" : "topic '" + topic + "'";
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            throw new MessageRejectedException(what + " has a wildcard ('+' or '#'), which a publish topic cannot "
                    + "have: publish to a concrete topic");
        }
        int bytes = topic.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxTopicBytes) {
            throw new MessageRejectedException(what + " is " + bytes + " bytes long, over AWS IoT Core's limit of "
                    + maxTopicBytes + " bytes: shorten it");
        }
        int slashes = slashesCounted(topic);
        if (slashes > maxTopicSlashes) {
            throw new MessageRejectedException(what + " has " + slashes + " slashes, over AWS IoT Core's limit of "
                    + maxTopicSlashes + " (8 levels; a leading $aws/rules/<rule>/ is not counted): use fewer levels");
        }
    }

    /**
     * Checks a client id against these limits.
     *
     * @param clientId the client id
     * @throws IllegalArgumentException naming the client id and the limit
     */
    public void checkClientId(String clientId) {
        if (!enforced) {
            return;
        }
        int bytes = clientId.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxClientIdBytes) {
            throw new IllegalArgumentException("clientId '" + clientId + "' is " + bytes + " bytes long, over AWS IoT "
                    + "Core's limit of " + maxClientIdBytes + " bytes: use a shorter thing name or client id");
        }
    }

    static int slashesCounted(String topic) {
        String counted = topic;
        if (topic.startsWith("$aws/rules/")) {
            int end = topic.indexOf('/', "$aws/rules/".length());
            counted = end < 0 ? "" : topic.substring(end + 1);
        }
        int n = 0;
        for (int i = 0; i < counted.length(); i++) {
            if (counted.charAt(i) == '/') {
                n++;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return enforced ? "AwsIotLimits[payload<=" + maxPayloadBytes + "B, topic<=" + maxTopicBytes + "B and <="
                + maxTopicSlashes + " slashes, " + (publishesPerSecond == 0 ? "no rate limit" : publishesPerSecond
                + " publishes/s") + "]" : "AwsIotLimits[none]";
    }
}
