package dev.edgeflow.core;

import java.util.Objects;

/**
 * Turns a message's topic into the topic it is sent to on one route: the seed bridge's
 * topic mapping, Greengrass's {@code targetTopicPrefix}. The result is checked as a publish
 * topic; a rewrite that yields a bad topic sends the message to the dead-letter sink.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface TopicRewrite {

    /**
     * Returns the target topic for a source topic.
     *
     * @param topic the message's topic
     * @return the topic to send to
     */
    String rewrite(String topic);

    /**
     * Keeps the topic as it is.
     *
     * @return the identity rewrite
     */
    static TopicRewrite identity() {
        return topic -> topic;
    }

    /**
     * Puts a prefix in front of every topic: {@code prefix("site1/")} sends {@code sensor/t} to
     * {@code site1/sensor/t}.
     *
     * @param prefix the prefix, usually ending in {@code /}
     * @return the rewrite
     * @throws InvalidTopicException if the prefix holds a wildcard or U+0000
     */
    static TopicRewrite prefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty()) {
            return identity();
        }
        Topics.requirePublishTopic(prefix);
        return prefix::concat;
    }

    /**
     * Replaces a leading part of the topic; topics that do not start with it are kept.
     * {@code replacePrefix("sensor/", "cloud/sensor/")} sends {@code sensor/t} to
     * {@code cloud/sensor/t}.
     *
     * @param from the leading part to replace
     * @param to what to put instead
     * @return the rewrite
     */
    static TopicRewrite replacePrefix(String from, String to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        return topic -> topic.startsWith(from) ? to + topic.substring(from.length()) : topic;
    }

    /**
     * Sends every message to one topic.
     *
     * @param target the topic
     * @return the rewrite
     * @throws InvalidTopicException if the topic breaks the rules of {@link Topics}
     */
    static TopicRewrite fixed(String target) {
        Topics.requirePublishTopic(target);
        return topic -> target;
    }
}
