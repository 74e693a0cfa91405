package dev.edgeflow.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.internal.Ids;
import dev.edgeflow.core.internal.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One message moving through edgeflow: an immutable value of id, topic, payload bytes,
 * headers, timestamp and QoS.
 *
 * <p>The payload is copied in and never handed out mutably: {@link #payload()} returns a
 * copy, {@link #payloadBuffer()} a read-only view. Headers carry MQTT 5 user properties and
 * Pub/Sub attributes. A payload that is not JSON is still a valid message; only the JSON
 * helpers ask for JSON, and they say so with {@link PayloadFormatException}.
 *
 * <p>Every message is checked when it is built: its topic follows {@link Topics}, and header
 * names and values are non-null. Instances are safe to share between threads.
 *
 * @since 0.1.0
 */
public final class Message {
    private static final byte[] EMPTY = new byte[0];

    private final String id;
    private final String topic;
    private final byte[] payload;
    private final Map<String, String> headers;
    private final Instant timestamp;
    private final Qos qos;

    private Message(String id, String topic, byte[] payload, Map<String, String> headers, Instant timestamp,
            Qos qos) {
        this.id = id;
        this.topic = topic;
        this.payload = payload;
        this.headers = headers;
        this.timestamp = timestamp;
        this.qos = qos;
    }

    /**
     * Starts a message on a topic.
     *
     * @param topic the topic to publish to; checked by {@link Builder#build()}
     * @return a builder with an empty payload, no headers, QoS 1, a fresh id, and the time of
     *     {@code build()} as timestamp
     */
    public static Builder builder(String topic) {
        return new Builder().topic(topic);
    }

    /**
     * Creates a message with a UTF-8 text payload.
     *
     * @param topic the topic to publish to
     * @param text the payload text
     * @return the message
     * @throws InvalidTopicException if the topic breaks the rules of {@link Topics}
     * @throws NullPointerException if {@code text} is null
     */
    public static Message of(String topic, String text) {
        return builder(topic).payload(text).build();
    }

    /**
     * Creates a message with a payload of bytes (copied).
     *
     * @param topic the topic to publish to
     * @param payload the payload bytes
     * @return the message
     * @throws InvalidTopicException if the topic breaks the rules of {@link Topics}
     * @throws NullPointerException if {@code payload} is null
     */
    public static Message of(String topic, byte[] payload) {
        return builder(topic).payload(payload).build();
    }

    /**
     * Creates a message whose payload is a value written as JSON with Jackson.
     *
     * @param topic the topic to publish to
     * @param value a Jackson-serializable value (a map, a record, a {@link JsonNode}, ...)
     * @return the message
     * @throws IllegalArgumentException if Jackson cannot write the value
     * @throws InvalidTopicException if the topic breaks the rules of {@link Topics}
     */
    public static Message ofJson(String topic, Object value) {
        return builder(topic).jsonPayload(value).build();
    }

    /**
     * Returns the id: unique per message, kept across a pipeline's map steps unless replaced.
     *
     * @return the id, never null or empty
     */
    public String id() {
        return id;
    }

    /**
     * Returns the topic.
     *
     * @return a valid publish topic
     */
    public String topic() {
        return topic;
    }

    /**
     * Returns a copy of the payload.
     *
     * @return a new array on every call; use {@link #payloadBuffer()} to avoid the copy
     */
    public byte[] payload() {
        return payload.length == 0 ? EMPTY : payload.clone();
    }

    /**
     * Returns a read-only view of the payload, without copying.
     *
     * @return a read-only buffer positioned at the start of the payload
     */
    public ByteBuffer payloadBuffer() {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    /**
     * Returns the payload size.
     *
     * @return the number of payload bytes
     */
    public int payloadSize() {
        return payload.length;
    }

    /**
     * Writes the payload to a stream, without copying it.
     *
     * @param out the stream
     * @throws IOException if the stream fails
     */
    public void writePayloadTo(OutputStream out) throws IOException {
        out.write(payload);
    }

    /**
     * Decodes the payload as UTF-8 text. Malformed bytes become U+FFFD.
     *
     * @return the payload text
     */
    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /**
     * Parses the payload as JSON.
     *
     * @return the JSON tree
     * @throws PayloadFormatException if the payload is empty or not valid JSON; the message
     *     names this message's id and topic and the parser's complaint
     */
    public JsonNode payloadAsJson() {
        if (payload.length == 0) {
            throw new PayloadFormatException("payload of message " + id + " on topic '" + topic
                    + "' is empty, not JSON", null);
        }
        try {
            return Json.MAPPER.readTree(payload);
        } catch (IOException e) {
            throw notJson(e);
        }
    }

    /**
     * Parses the payload as JSON into a type.
     *
     * @param type the type to read, for example a record
     * @param <T> the type
     * @return the value
     * @throws PayloadFormatException if the payload is not JSON or does not fit {@code type}
     */
    public <T> T payloadAs(Class<T> type) {
        try {
            return Json.MAPPER.readValue(payload, type);
        } catch (IOException e) {
            throw notJson(e);
        }
    }

    /**
     * Tells whether the payload parses as JSON. Parses it in full; prefer
     * {@link #payloadAsJson()} and its exception when the tree is wanted anyway.
     *
     * @return {@code true} if the payload is valid JSON
     */
    public boolean isJson() {
        if (payload.length == 0) {
            return false;
        }
        try {
            Json.MAPPER.readTree(payload);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private PayloadFormatException notJson(IOException e) {
        String reason = e instanceof JsonProcessingException
                ? ((JsonProcessingException) e).getOriginalMessage()
                : e.getMessage();
        return new PayloadFormatException("payload of message " + id + " on topic '" + topic
                + "' is not the JSON asked for: " + reason, e);
    }

    /**
     * Returns the headers.
     *
     * @return an unmodifiable map, empty if there are none
     */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * Returns one header.
     *
     * @param name the header name
     * @return the value, or {@code null} if absent
     */
    public String header(String name) {
        return headers.get(name);
    }

    /**
     * Returns the timestamp: when the reading was taken or the message was first built.
     *
     * @return the timestamp
     */
    public Instant timestamp() {
        return timestamp;
    }

    /**
     * Returns the QoS.
     *
     * @return the QoS
     */
    public Qos qos() {
        return qos;
    }

    /**
     * Returns a builder that starts from this message, keeping its id.
     *
     * @return a builder with every field of this message
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.topic = topic;
        b.payload = payload;
        b.headers = headers.isEmpty() ? null : new HashMap<>(headers);
        b.timestamp = timestamp;
        b.qos = qos;
        return b;
    }

    /**
     * Returns this message on another topic.
     *
     * @param newTopic the new topic
     * @return a new message with the same id, payload, headers, timestamp and QoS
     * @throws InvalidTopicException if the topic breaks the rules of {@link Topics}
     */
    public Message withTopic(String newTopic) {
        return new Message(id, Topics.requirePublishTopic(newTopic), payload, headers, timestamp, qos);
    }

    /**
     * Returns this message with another payload.
     *
     * @param newPayload the new payload (copied)
     * @return a new message with the same id, topic, headers, timestamp and QoS
     */
    public Message withPayload(byte[] newPayload) {
        return new Message(id, topic, newPayload.clone(), headers, timestamp, qos);
    }

    /**
     * Returns this message with one header added or replaced.
     *
     * @param name the header name, not null or empty
     * @param value the value, not null
     * @return a new message
     * @throws IllegalArgumentException if the name is null or empty, or the value null
     */
    public Message withHeader(String name, String value) {
        Map<String, String> copy = new HashMap<>(headers);
        copy.put(checkHeaderName(name), checkHeaderValue(name, value));
        return new Message(id, topic, payload, Collections.unmodifiableMap(copy), timestamp, qos);
    }

    static String checkHeaderName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("header name is " + (name == null ? "null" : "empty")
                    + ": give every header a name");
        }
        return name;
    }

    static String checkHeaderValue(String name, String value) {
        if (value == null) {
            throw new IllegalArgumentException("header '" + name + "' has a null value: leave the header out instead");
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Message)) {
            return false;
        }
        Message m = (Message) o;
        return id.equals(m.id) && topic.equals(m.topic) && Arrays.equals(payload, m.payload)
                && headers.equals(m.headers) && timestamp.equals(m.timestamp) && qos == m.qos;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, topic, Arrays.hashCode(payload), headers, timestamp, qos);
    }

    /** Shows id, topic, size, QoS and header names; never the payload or header values. */
    @Override
    public String toString() {
        return "Message{id=" + id + ", topic=" + topic + ", payload=" + payload.length + " bytes, qos="
                + qos.level() + ", headers=" + headers.keySet() + ", timestamp=" + timestamp + "}";
    }

    /**
     * Builds a {@link Message}. Not thread-safe; reusable after {@link #build()}.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String id;
        private String topic;
        private byte[] payload = EMPTY;
        private Map<String, String> headers;
        private Instant timestamp;
        private Qos qos = Qos.AT_LEAST_ONCE;

        private Builder() {
        }

        /**
         * Sets the id.
         *
         * @param id a non-empty id; by default a fresh one is made
         * @return this builder
         */
        public Builder id(String id) {
            if (id == null || id.isEmpty()) {
                throw new IllegalArgumentException("message id is " + (id == null ? "null" : "empty")
                        + ": leave it unset to get a generated id");
            }
            this.id = id;
            return this;
        }

        /**
         * Sets the topic; checked by {@link #build()}.
         *
         * @param topic the topic
         * @return this builder
         */
        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        /**
         * Sets the payload bytes (copied).
         *
         * @param payload the bytes, not null
         * @return this builder
         */
        public Builder payload(byte[] payload) {
            this.payload = Objects.requireNonNull(payload, "payload").clone();
            return this;
        }

        /**
         * Sets the payload to UTF-8 text.
         *
         * @param text the text, not null
         * @return this builder
         */
        public Builder payload(String text) {
            this.payload = Objects.requireNonNull(text, "payload").getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /**
         * Sets the payload to a value written as JSON.
         *
         * @param value a Jackson-serializable value
         * @return this builder
         * @throws IllegalArgumentException if Jackson cannot write it
         */
        public Builder jsonPayload(Object value) {
            try {
                this.payload = Json.MAPPER.writeValueAsBytes(value);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot write " + (value == null ? "null" : value.getClass().getName())
                        + " as JSON: " + e.getOriginalMessage(), e);
            }
            return this;
        }

        /**
         * Adds or replaces a header.
         *
         * @param name the name, not null or empty
         * @param value the value, not null
         * @return this builder
         */
        public Builder header(String name, String value) {
            if (headers == null) {
                headers = new HashMap<>();
            }
            headers.put(checkHeaderName(name), checkHeaderValue(name, value));
            return this;
        }

        /**
         * Adds or replaces several headers.
         *
         * @param values the headers
         * @return this builder
         */
        public Builder headers(Map<String, String> values) {
            values.forEach(this::header);
            return this;
        }

        /**
         * Sets the timestamp.
         *
         * @param timestamp the time of the reading, not null
         * @return this builder
         */
        public Builder timestamp(Instant timestamp) {
            this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
            return this;
        }

        /**
         * Sets the QoS.
         *
         * @param qos the QoS, not null
         * @return this builder
         */
        public Builder qos(Qos qos) {
            this.qos = Objects.requireNonNull(qos, "qos");
            return this;
        }

        /**
         * Builds the message.
         *
         * @return the message
         * @throws InvalidTopicException if the topic breaks the rules of {@link Topics}
         */
        public Message build() {
            Topics.requirePublishTopic(topic);
            Map<String, String> h = headers == null || headers.isEmpty()
                    ? Collections.emptyMap()
                    : Collections.unmodifiableMap(new HashMap<>(headers));
            return new Message(id == null ? Ids.next() : id, topic, payload, h,
                    timestamp == null ? Instant.now() : timestamp, qos);
        }
    }
}
