package dev.edgeflow.core;

import java.nio.charset.StandardCharsets;

/**
 * The topic rules every edgeflow message follows. They are MQTT's, because MQTT is the
 * strictest transport edgeflow speaks: a topic that passes here can be published anywhere.
 *
 * @since 0.1.0
 */
public final class Topics {
    /** The longest topic MQTT allows, in UTF-8 bytes. */
    public static final int MAX_TOPIC_BYTES = 65_535;

    private Topics() {
    }

    /**
     * Checks a topic a message can be published to.
     *
     * @param topic the topic
     * @return {@code topic}, for chaining
     * @throws InvalidTopicException if the topic is null or empty, holds a wildcard
     *     ({@code +} or {@code #}), holds U+0000, or is longer than 65535 UTF-8 bytes
     */
    public static String requirePublishTopic(String topic) {
        checkCommon(topic, "topic");
        for (int i = 0, n = topic.length(); i < n; i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#') {
                throw new InvalidTopicException("topic '" + shorten(topic) + "' holds the wildcard '" + c
                        + "' at index " + i + ": wildcards belong in subscriptions and routes, "
                        + "publish to a concrete topic such as 'sensor/room1/temperature'");
            }
            if (c == '\u0000') {
                throw nulChar(topic, "topic", i);
            }
        }
        return topic;
    }

    static void checkCommon(String value, String what) {
        if (value == null) {
            throw new InvalidTopicException(what + " is null: give a " + what + " such as 'sensor/room1'");
        }
        if (value.isEmpty()) {
            throw new InvalidTopicException(what + " is empty: give a " + what + " such as 'sensor/room1'");
        }
        // Three bytes per char is the worst case for a UTF-16 char, so short strings need no count.
        if (value.length() * 3 > MAX_TOPIC_BYTES) {
            int bytes = value.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_TOPIC_BYTES) {
                throw new InvalidTopicException(what + " '" + shorten(value) + "' is " + bytes
                        + " UTF-8 bytes long; MQTT allows at most " + MAX_TOPIC_BYTES);
            }
        }
    }

    static InvalidTopicException nulChar(String value, String what, int index) {
        return new InvalidTopicException(what + " '" + shorten(value).replace("\u0000", "\\u0000")
                + "' holds the character U+0000 at index " + index + ", which MQTT forbids in topics");
    }

    static String shorten(String value) {
        return value.length() <= 80 ? value : value.substring(0, 77) + "...";
    }
}
