package dev.edgeflow.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;

/**
 * A Device Shadow's state as the service answered it: the {@code desired}, {@code reported} and
 * {@code delta} sections, the document's {@code version} and the service's {@code timestamp}.
 *
 * <p>What the sections hold depends on the answer it was read from, as in AWS IoT Core: from
 * {@link DeviceShadow#get()} the whole document; from an update, only what that update wrote
 * (the service's {@code /update/accepted} echoes the request), with the new version. A section
 * the answer did not carry is an empty object, never {@code null}. Sections are handed out as
 * copies, so an instance never changes and may be shared between threads.
 *
 * @since 0.1.0
 */
public final class ShadowDocument {
    private static final ObjectNode EMPTY = JsonNodeFactory.instance.objectNode();

    private final ObjectNode desired;
    private final ObjectNode reported;
    private final ObjectNode delta;
    private final long version;
    private final Instant timestamp;

    ShadowDocument(ObjectNode desired, ObjectNode reported, ObjectNode delta, long version, Instant timestamp) {
        this.desired = desired == null ? EMPTY : desired.deepCopy();
        this.reported = reported == null ? EMPTY : reported.deepCopy();
        this.delta = delta == null ? EMPTY : delta.deepCopy();
        this.version = version;
        this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
    }

    /** A shadow that does not exist yet: version 0, every section empty. */
    static ShadowDocument absent() {
        return new ShadowDocument(null, null, null, 0, Instant.EPOCH);
    }

    /** Reads a {@code /get/accepted} or {@code /update/accepted} answer. */
    static ShadowDocument fromResponse(JsonNode response) {
        JsonNode state = response.path("state");
        return new ShadowDocument(object(state.get("desired")), object(state.get("reported")),
                object(state.get("delta")), response.path("version").asLong(0),
                Instant.ofEpochSecond(response.path("timestamp").asLong(0)));
    }

    private static ObjectNode object(JsonNode node) {
        return node instanceof ObjectNode ? (ObjectNode) node : null;
    }

    /**
     * Returns the desired state: what the cloud or an application asked the device to be.
     *
     * @return a copy; an empty object if the answer held no desired state
     */
    public ObjectNode desired() {
        return desired.deepCopy();
    }

    /**
     * Returns the reported state: what the device said it is.
     *
     * @return a copy; an empty object if the answer held no reported state
     */
    public ObjectNode reported() {
        return reported.deepCopy();
    }

    /**
     * Returns the delta: the desired keys whose value differs from the reported one, which the
     * device still has to act on. Only {@link DeviceShadow#get()} answers carry it.
     *
     * @return a copy; an empty object if nothing is pending or the answer held no delta
     */
    public ObjectNode delta() {
        return delta.deepCopy();
    }

    /**
     * Tells whether the device has desired state left to act on.
     *
     * @return {@code true} if {@link #delta()} has at least one key
     */
    public boolean hasDelta() {
        return delta.size() > 0;
    }

    /**
     * Reads the desired state into a type of the application's, with Jackson.
     *
     * @param type a class Jackson can bind an object to, such as a record or {@code Map.class}
     * @param <T> the type
     * @return the desired state as {@code type}
     * @throws IllegalArgumentException if the desired state does not fit {@code type}; the message
     *     names the type and the first field that did not fit
     */
    public <T> T desiredAs(Class<T> type) {
        return as(desired, "desired", type);
    }

    /**
     * Reads the reported state into a type of the application's, with Jackson.
     *
     * @param type a class Jackson can bind an object to, such as a record or {@code Map.class}
     * @param <T> the type
     * @return the reported state as {@code type}
     * @throws IllegalArgumentException if the reported state does not fit {@code type}
     */
    public <T> T reportedAs(Class<T> type) {
        return as(reported, "reported", type);
    }

    private static <T> T as(ObjectNode node, String section, Class<T> type) {
        try {
            return ShadowJson.MAPPER.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the shadow's " + section + " state " + node + " does not fit "
                    + type.getName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Returns the document's version, which the service raises by one with every accepted update.
     * Pass it to {@link DeviceShadow#update(JsonNode, java.util.OptionalLong)} to update only if
     * nobody else has meanwhile.
     *
     * @return the version; 0 for a shadow that does not exist yet
     */
    public long version() {
        return version;
    }

    /**
     * Returns when the service sent the answer.
     *
     * @return the service's timestamp, to the second; {@link Instant#EPOCH} if it gave none
     */
    public Instant timestamp() {
        return timestamp;
    }

    @Override
    public String toString() {
        return "ShadowDocument{version=" + version + ", desired=" + desired + ", reported=" + reported
                + ", delta=" + delta + ", timestamp=" + timestamp + "}";
    }
}
