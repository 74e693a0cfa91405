package dev.edgeflow.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thing's Device Shadow, classic or named, over the device's own {@link AwsIotConnection}:
 * read it, report the device's state (the latest reading, the gateway's status), set desired
 * state, delete it.
 *
 * <p>Each operation is the service's MQTT request and answer: a publish on
 * {@code $aws/things/<thing>/shadow[/name/<shadow>]/<get|update|delete>}, answered on the same
 * topic plus {@code /accepted} or {@code /rejected}. Before the first request of an operation,
 * the shadow subscribes to its two answer topics and waits for the SUBACKs; every request carries
 * a fresh {@code clientToken}, so that concurrent requests, and answers to other clients of the
 * same shadow, never get mixed up. Requests are published through the connection, so they count
 * against its publish rate limit like every other publish.
 *
 * <p>Every method returns at once with a stage that completes with the answer, or exceptionally
 * with {@link ShadowRejectedException} (the service refused), {@link ShadowVersionConflictException}
 * (an update that named a version lost the race), {@link ShadowTimeoutException} (no answer in time;
 * by default 10 s), or {@link AwsIotException} (the request could not be published). While the
 * connection is down, requests wait to be sent and time out like unanswered ones; the timeout's
 * message then says that the connection is down. Stages never complete on the connection's
 * thread, so code that depends on them may block.
 *
 * <pre>{@code
 * DeviceShadow shadow = DeviceShadow.classic(connection, "rpi-sensor-01");
 * shadow.updateReported(Map.of("temperature", 22.5, "firmware", "1.4.2"))
 *       .toCompletableFuture().join();
 * }</pre>
 *
 * <p>The device's policy must allow {@code iot:Publish} on the request topics and
 * {@code iot:Subscribe} and {@code iot:Receive} on the answer topics.
 *
 * @since 0.1.0
 */
public final class DeviceShadow implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceShadow.class);
    private static final String GET = "get";
    private static final String UPDATE = "update";
    private static final String DELETE = "delete";

    private final AwsIotConnection connection;
    private final String thingName;
    private final String shadowName;
    private final String prefix;
    private final Duration timeout;
    private final int maxConflictRetries;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final ShadowSubscriptions subscriptions;
    private volatile boolean closed;

    private DeviceShadow(Builder b) {
        this.connection = b.connection;
        this.thingName = b.thingName;
        this.shadowName = b.shadowName;
        this.prefix = ShadowTopics.prefix(thingName, shadowName);
        this.timeout = b.timeout;
        this.maxConflictRetries = b.maxConflictRetries;
        connection.claimShared(toString());
        this.subscriptions = new ShadowSubscriptions(connection, toString(), this::onAnswer, () -> { });
    }

    /**
     * Opens the classic (unnamed) shadow of a thing, with a timeout of 10 s and up to 5 retries
     * of {@link #updateWithRetry(Function)}. Does not block and sends nothing yet.
     *
     * @param connection the device's connection; it stays open when the shadow is closed
     * @param thingName the thing, usually the connection's client id
     * @return the shadow
     * @throws IllegalArgumentException if the name is empty or holds characters AWS IoT does not allow
     * @throws IllegalStateException if an {@link AwsIotSource} holds the connection alone
     */
    public static DeviceShadow classic(AwsIotConnection connection, String thingName) {
        return builder(connection, thingName).build();
    }

    /**
     * Opens a named shadow of a thing, with a timeout of 10 s and up to 5 retries of
     * {@link #updateWithRetry(Function)}. Does not block and sends nothing yet.
     *
     * @param connection the device's connection; it stays open when the shadow is closed
     * @param thingName the thing, usually the connection's client id
     * @param shadowName the shadow's name, such as {@code gateway-status}
     * @return the shadow
     * @throws IllegalArgumentException if a name is empty or holds characters AWS IoT does not allow
     * @throws IllegalStateException if an {@link AwsIotSource} holds the connection alone
     */
    public static DeviceShadow named(AwsIotConnection connection, String thingName, String shadowName) {
        return builder(connection, thingName).shadowName(shadowName).build();
    }

    /**
     * Starts describing a shadow, for a timeout or retry count other than the defaults.
     *
     * @param connection the device's connection
     * @param thingName the thing
     * @return a builder for the classic shadow, timeout 10 s, 5 conflict retries
     * @throws NullPointerException if {@code connection} is null
     */
    public static Builder builder(AwsIotConnection connection, String thingName) {
        return new Builder(Objects.requireNonNull(connection, "connection"), thingName);
    }

    /**
     * Returns the thing whose shadow this is.
     *
     * @return the thing name
     */
    public String thingName() {
        return thingName;
    }

    /**
     * Returns the shadow's name.
     *
     * @return the name, or empty for the classic shadow
     */
    public Optional<String> shadowName() {
        return Optional.ofNullable(shadowName);
    }

    /**
     * Returns how long a request waits for its answer.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Reads the whole shadow document. Does not block.
     *
     * @return completes with the document (desired, reported, delta, version), or with empty if
     *     the shadow does not exist (the service's 404); exceptionally with
     *     {@link ShadowRejectedException}, {@link ShadowTimeoutException} or {@link AwsIotException}
     */
    public CompletionStage<Optional<ShadowDocument>> get() {
        return async(getDocument());
    }

    /**
     * Reports the device's state: merges {@code state} into the shadow's {@code reported}
     * section, creating the shadow if needed. A key set to {@code null} is removed. Without an
     * expected version this never conflicts: the last report wins, as a reading should. Does not
     * block.
     *
     * @param state a {@code Map}, a record or bean, or a {@link JsonNode}: anything Jackson writes
     *     as a JSON object; {@code null} clears the whole section
     * @return completes with what the service accepted (the reported keys of this update) and the
     *     new version; exceptionally as {@link #update(JsonNode, OptionalLong)} says
     * @throws IllegalArgumentException if {@code state} is not written as a JSON object
     */
    public CompletionStage<ShadowDocument> updateReported(Object state) {
        return update(section("reported", state), OptionalLong.empty());
    }

    /**
     * Sets desired state, as an application in the cloud would: merges {@code state} into the
     * shadow's {@code desired} section. Keys that then differ from the reported ones are sent to
     * the device as a delta. Does not block.
     *
     * @param state anything Jackson writes as a JSON object; {@code null} clears the whole section
     * @return completes with what the service accepted and the new version; exceptionally as
     *     {@link #update(JsonNode, OptionalLong)} says
     * @throws IllegalArgumentException if {@code state} is not written as a JSON object
     */
    public CompletionStage<ShadowDocument> updateDesired(Object state) {
        return update(section("desired", state), OptionalLong.empty());
    }

    /**
     * Updates the shadow with a state document, such as
     * {@code {"reported":{"mode":"eco"},"desired":null}}, optionally only if the shadow is still
     * at {@code expectedVersion}. Does not block.
     *
     * @param stateDocument the value of the request's {@code state} field: an object with
     *     {@code desired} and/or {@code reported}
     * @param expectedVersion the version the update is based on (from {@link ShadowDocument#version()}),
     *     or empty to update whatever the version
     * @return completes with what the service accepted and the new version; exceptionally with
     *     {@link ShadowVersionConflictException} if the shadow is no longer at
     *     {@code expectedVersion}, {@link ShadowRejectedException} for other refusals (400 for a
     *     malformed document, 413 over 8 KB), {@link ShadowTimeoutException} or {@link AwsIotException}
     * @throws IllegalArgumentException if {@code stateDocument} is not a JSON object
     */
    public CompletionStage<ShadowDocument> update(JsonNode stateDocument, OptionalLong expectedVersion) {
        return async(updateDocument(checkState(stateDocument), expectedVersion));
    }

    /**
     * Reads the shadow, applies {@code change} to it and writes the result with the version it
     * read, reading and applying again when someone else updated the shadow in between (409),
     * up to the builder's {@code maxConflictRetries} times (5 by default). Use it for changes
     * that depend on the current state, such as counters or lists. Does not block; {@code change}
     * runs off the connection's thread and may run more than once.
     *
     * <p>A shadow that does not exist yet is handed to {@code change} as an empty document at
     * version 0, and the first update is written without a version, because there is none to
     * compare.
     *
     * @param change from the current document to the value of the update's {@code state} field
     *     (e.g. {@code {"reported":{"count":7}}}), or {@code null} to leave the shadow as it is
     * @return completes with the accepted update, or with the document read if {@code change}
     *     returned {@code null}; exceptionally with {@link ShadowVersionConflictException} once the
     *     retries are used up, or whatever {@code change}, a read or an update failed with
     * @throws NullPointerException if {@code change} is null
     */
    public CompletionStage<ShadowDocument> updateWithRetry(Function<ShadowDocument, JsonNode> change) {
        Objects.requireNonNull(change, "change");
        return async(attempt(change, null, 0));
    }

    /**
     * Deletes the shadow, the desired and reported state and its version. Does not block.
     *
     * @return completes with {@code true} if the shadow was deleted, {@code false} if it did not
     *     exist (the service's 404); exceptionally with {@link ShadowRejectedException},
     *     {@link ShadowTimeoutException} or {@link AwsIotException}
     */
    public CompletionStage<Boolean> delete() {
        return async(request(DELETE, ShadowJson.MAPPER.createObjectNode()).handle((answer, failure) -> {
            if (failure == null) {
                return true;
            }
            if (code(failure) == 404) {
                return false;
            }
            throw wrap(failure);
        }));
    }

    /**
     * Stops listening for answers: requests still waiting fail with {@link IllegalStateException},
     * and the answer topics are unsubscribed. The connection stays open. Idempotent; does not block.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        subscriptions.close();
        IllegalStateException closing = new IllegalStateException(this + " was closed before the answer came");
        for (String token : pending.keySet()) {
            Pending p = pending.remove(token);
            if (p != null) {
                p.result.completeExceptionally(closing);
            }
        }
    }

    @Override
    public String toString() {
        return "DeviceShadow[" + ShadowRejectedException.describe(thingName, shadowName) + " on "
                + connection.clientId() + "]";
    }

    // ---- for ShadowDeltaSource ----

    CompletableFuture<Optional<ShadowDocument>> getDocument() {
        return request(GET, ShadowJson.MAPPER.createObjectNode()).handle((answer, failure) -> {
            if (failure == null) {
                return Optional.of(ShadowDocument.fromResponse(answer));
            }
            if (code(failure) == 404) {
                return Optional.empty();
            }
            throw wrap(failure);
        });
    }

    // ---- the protocol ----

    private CompletableFuture<ShadowDocument> attempt(Function<ShadowDocument, JsonNode> change,
            ShadowDocument known, int retry) {
        CompletableFuture<ShadowDocument> current = known != null ? CompletableFuture.completedFuture(known)
                : getDocument().thenApply(d -> d.orElseGet(ShadowDocument::absent));
        return current.thenComposeAsync(doc -> {
            JsonNode next = change.apply(doc);
            if (next == null) {
                return CompletableFuture.completedFuture(doc);
            }
            return updateDocument(checkState(next),
                    doc.version() == 0 ? OptionalLong.empty() : OptionalLong.of(doc.version()));
        }).exceptionallyCompose(failure -> {
            Throwable cause = unwrap(failure);
            if (cause instanceof ShadowVersionConflictException && retry < maxConflictRetries) {
                LOG.debug("{}: version conflict, trying again ({} of {})", this, retry + 1, maxConflictRetries);
                return attempt(change, ((ShadowVersionConflictException) cause).current(), retry + 1);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    private CompletableFuture<ShadowDocument> updateDocument(ObjectNode state, OptionalLong expectedVersion) {
        ObjectNode body = ShadowJson.MAPPER.createObjectNode();
        body.set("state", state);
        expectedVersion.ifPresent(v -> body.put("version", v));
        return request(UPDATE, body).thenApply(ShadowDocument::fromResponse).exceptionallyCompose(failure -> {
            Throwable cause = unwrap(failure);
            if (code(cause) != 409 || expectedVersion.isEmpty()) {
                return CompletableFuture.failedFuture(cause);
            }
            String message = ((ShadowRejectedException) cause).serviceMessage();
            // The 409 answer does not say which version the shadow is at; reading it back does.
            return getDocument().handle((doc, e) -> {
                throw new ShadowVersionConflictException(thingName, shadowName, message, expectedVersion.getAsLong(),
                        e == null ? doc.orElse(null) : null);
            });
        });
    }

    /** Completes with the {@code /accepted} answer, exceptionally with the {@code /rejected} one or a timeout. */
    private CompletableFuture<JsonNode> request(String operation, ObjectNode body) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException(this + " is closed"));
        }
        String token = UUID.randomUUID().toString();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.put(token, new Pending(operation, result));
        CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            Pending p = pending.remove(token);
            if (p != null) {
                p.result.completeExceptionally(new ShadowTimeoutException(thingName, shadowName, operation, timeout,
                        connection.isConnected()));
            }
        });
        body.put("clientToken", token);
        String topic = prefix + "/" + operation;
        subscriptions.ensureAll(topic + "/accepted", topic + "/rejected")
                .thenCompose(subscribed -> connection.publish(topic, ShadowJson.write(body), Qos.AT_LEAST_ONCE))
                .whenComplete((published, failure) -> {
                    if (failure != null) {
                        Pending p = pending.remove(token);
                        if (p != null) {
                            p.result.completeExceptionally(unwrap(failure));
                        }
                    }
                });
        return result;
    }

    /** On the connection's thread: hands the answer to the request it belongs to, and nothing more. */
    private void onAnswer(Message message) {
        JsonNode answer = ShadowJson.readObject(message.payload());
        String token = answer == null ? null : answer.path("clientToken").asText(null);
        Pending p = token == null ? null : pending.remove(token);
        if (p == null) {
            LOG.trace("{}: an answer on '{}' for another request or client", this, message.topic());
            return;
        }
        if (message.topic().endsWith("/accepted")) {
            p.result.complete(answer);
        } else {
            p.result.completeExceptionally(new ShadowRejectedException(thingName, shadowName, p.operation,
                    answer.path("code").asInt(0), answer.path("message").asText("")));
        }
    }

    private static ObjectNode section(String name, Object state) {
        ObjectNode document = ShadowJson.MAPPER.createObjectNode();
        JsonNode value = state == null ? NullNode.getInstance()
                : state instanceof JsonNode ? (JsonNode) state : ShadowJson.MAPPER.valueToTree(state);
        if (!value.isObject() && !value.isNull()) {
            throw new IllegalArgumentException("the " + name + " state must be a JSON object such as "
                    + "{\"temperature\":22.5}, but " + state.getClass().getName() + " is written as " + value);
        }
        document.set(name, value);
        return document;
    }

    private static ObjectNode checkState(JsonNode state) {
        if (!(state instanceof ObjectNode)) {
            throw new IllegalArgumentException("a shadow update's state must be a JSON object with 'desired' and/or "
                    + "'reported', such as {\"reported\":{\"mode\":\"eco\"}}, but was " + state);
        }
        return ((ObjectNode) state).deepCopy();
    }

    /** Dependent stages run off the connection's thread, so that callers may block in them. */
    private static <T> CompletionStage<T> async(CompletableFuture<T> stage) {
        return stage.thenApplyAsync(Function.identity());
    }

    private static int code(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause instanceof ShadowRejectedException ? ((ShadowRejectedException) cause).code() : -1;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static RuntimeException wrap(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause instanceof RuntimeException ? (RuntimeException) cause : new CompletionException(cause);
    }

    private static final class Pending {
        final String operation;
        final CompletableFuture<JsonNode> result;

        Pending(String operation, CompletableFuture<JsonNode> result) {
            this.operation = operation;
            this.result = result;
        }
    }

    /**
     * Describes a {@link DeviceShadow}; {@link #build()} opens it.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final AwsIotConnection connection;
        private final String thingName;
        private String shadowName;
        private Duration timeout = Duration.ofSeconds(10);
        private int maxConflictRetries = 5;

        private Builder(AwsIotConnection connection, String thingName) {
            this.connection = connection;
            this.thingName = thingName;
        }

        /**
         * Opens a named shadow instead of the classic one.
         *
         * @param shadowName the shadow's name, such as {@code gateway-status}
         * @return this builder
         */
        public Builder shadowName(String shadowName) {
            this.shadowName = shadowName;
            return this;
        }

        /**
         * Sets how long a request waits for its answer, from the call to the answer, including
         * the first subscription and the wait for the rate limiter. 10 seconds by default.
         *
         * @param timeout more than zero
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("DeviceShadow timeout must be more than zero, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Sets how often {@link DeviceShadow#updateWithRetry(Function)} reads and applies again
         * after a version conflict. 5 by default.
         *
         * @param retries 0 or more
         * @return this builder
         * @throws IllegalArgumentException if {@code retries} is negative
         */
        public Builder maxConflictRetries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("DeviceShadow maxConflictRetries must be 0 or more, was " + retries);
            }
            this.maxConflictRetries = retries;
            return this;
        }

        /**
         * Opens the shadow. Does not block and sends nothing yet.
         *
         * @return the shadow
         * @throws IllegalArgumentException if the thing or shadow name is empty, too long, or holds
         *     characters AWS IoT does not allow (only {@code a-z A-Z 0-9 : _ -})
         * @throws IllegalStateException if an {@link AwsIotSource} holds the connection alone
         */
        public DeviceShadow build() {
            ShadowTopics.checkName("thing name", thingName);
            if (shadowName != null) {
                ShadowTopics.checkName("shadow name", shadowName);
            }
            return new DeviceShadow(this);
        }
    }
}
