package dev.edgeflow.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgeflow.core.InvalidTopicException;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.PayloadFormatException;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.TopicFilter;
import dev.edgeflow.core.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * The downlink of the bidirectional bridge: turns a cloud command
 * {@code {"topic": "device/pi-1/command", "payload": {...}}} into the local MQTT message the
 * tutorial publishes, and refuses a command whose topic is not on the allow-list.
 *
 * <p>Without the allow-list anyone who can publish to the cloud topic could publish to any local
 * topic: fake {@code sensor/...} readings that the uplink would send straight back to the cloud,
 * or retained junk on a device's configuration topic. A refused command is not published; the
 * map step throws {@link MessageRejectedException} with the reason, the pipeline sends it to its
 * dead-letter sink and acks it (see {@link PubSubBidirectionalBridge} for why not a nack).
 */
final class DownlinkCommands {
    /** The tutorial's topic for a command that names none. */
    static final String DEFAULT_TOPIC = "command";
    /** Reasons above this length are cut: they travel as a Pub/Sub attribute (1024 bytes at most). */
    private static final int MAX_REASON_CHARS = 300;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<TopicFilter> allowed;
    private final LongAdder published = new LongAdder();
    private final LongAdder rejected = new LongAdder();

    /**
     * Creates the step.
     *
     * @param allowList MQTT topic filters a command may publish to, such as {@code device/+/command}
     * @throws IllegalArgumentException if the list is empty or a filter is not valid
     */
    DownlinkCommands(List<String> allowList) {
        Objects.requireNonNull(allowList, "allowList");
        if (allowList.isEmpty()) {
            throw new IllegalArgumentException("the downlink allow-list is empty: give at least one MQTT topic "
                    + "filter, such as device/+/command");
        }
        this.allowed = allowList.stream().map(TopicFilter::of).collect(Collectors.toUnmodifiableList());
    }

    /**
     * Returns the allow-list.
     *
     * @return the filters
     */
    List<String> allowList() {
        return allowed.stream().map(TopicFilter::filter).collect(Collectors.toUnmodifiableList());
    }

    /**
     * Turns a command into the local message.
     *
     * @param command the cloud message
     * @return the message for the local broker: the command's topic, its payload as JSON, QoS 1
     * @throws MessageRejectedException if it is not JSON, its topic is not a text, not a topic one
     *     can publish to, or not on the allow-list
     */
    Message toLocal(Message command) {
        JsonNode json;
        try {
            json = command.payloadAsJson();
        } catch (PayloadFormatException e) {
            throw reject(command, "its payload is not JSON");
        }
        if (!json.isObject()) {
            throw reject(command, "its payload is JSON but not an object {\"topic\": ..., \"payload\": ...}");
        }
        JsonNode topicNode = json.path("topic");
        if (!topicNode.isMissingNode() && !topicNode.isTextual()) {
            throw reject(command, "its 'topic' is not a text");
        }
        String topic = topicNode.isTextual() ? topicNode.asText() : DEFAULT_TOPIC;
        try {
            Topics.requirePublishTopic(topic);
        } catch (InvalidTopicException e) {
            throw reject(command, "topic '" + shorten(topic) + "' cannot be published to: " + e.getMessage());
        }
        if (allowed.stream().noneMatch(f -> f.matches(topic))) {
            throw reject(command, "topic '" + shorten(topic) + "' is not on the allow-list " + allowList());
        }
        JsonNode payload = json.has("payload") ? json.get("payload") : JSON.createObjectNode();
        byte[] bytes = payload.isTextual() ? payload.asText().getBytes(StandardCharsets.UTF_8) : payload.toString()
                .getBytes(StandardCharsets.UTF_8);
        published.increment();
        // The cloud message's attributes stay behind: they are Pub/Sub's, not the device's.
        return Message.builder(topic).id(command.id()).payload(bytes).qos(Qos.AT_LEAST_ONCE).build();
    }

    /**
     * Returns how many commands were refused.
     *
     * @return the count since start
     */
    long rejected() {
        return rejected.sum();
    }

    /**
     * Returns how many commands passed the allow-list.
     *
     * @return the count since start
     */
    long accepted() {
        return published.sum();
    }

    private MessageRejectedException reject(Message command, String why) {
        rejected.increment();
        String reason = "command " + command.id() + " refused: " + why;
        return new MessageRejectedException(reason.length() > MAX_REASON_CHARS
                ? reason.substring(0, MAX_REASON_CHARS) + "..." : reason);
    }

    private static String shorten(String topic) {
        return topic.length() > 80 ? topic.substring(0, 80) + "..." : topic;
    }
}
