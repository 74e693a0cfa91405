package dev.edgeflow.gcp;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Sink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes messages to a Pub/Sub topic. A send completes when the service has stored the
 * message and returned its id (see {@link #sendForId}).
 *
 * <ul>
 *   <li><b>Transport:</b> {@link Transport#GRPC} (the default) publishes with the client
 *       library's {@code Publisher}; {@link Transport#REST} with edgeflow's own publisher over
 *       Pub/Sub's REST API and the JDK's HTTP client, which keeps gRPC, its Netty, protobuf and gax
 *       out of the process: some 2 000 classes and 22 MiB of RSS less on a small gateway
 *       (benchmarks/RESULTS.md, "Gateway footprint"). Both keep the contract below.</li>
 *   <li><b>Batching:</b> messages go out in batches of up to {@link Builder#batchMessages(long)
 *       batchMessages} messages or {@link Builder#batchBytes(long) batchBytes} bytes, or after
 *       {@link Builder#batchDelay(Duration) batchDelay}, whichever comes first.</li>
 *   <li><b>Bounded:</b> the publisher's flow control is on (the client's default is unbounded): at
 *       most {@link Builder#maxOutstandingMessages(long) maxOutstandingMessages} messages and
 *       {@link Builder#maxOutstandingBytes(long) maxOutstandingBytes} bytes are unconfirmed.
 *       Beyond that {@link #send} blocks its caller until room is made: that is the
 *       backpressure a pipeline sees. A pipeline's {@code maxInFlight} for this sink at or
 *       below {@code maxOutstandingMessages} keeps the pipeline's threads from blocking.</li>
 *   <li><b>Attributes:</b> every header becomes an attribute; with {@link Builder#topicAttribute(String)}
 *       the message's topic also goes in one (the seed's {@code source_topic}).</li>
 *   <li><b>Ordering:</b> with {@link Builder#orderingKeyFromHeader(String)} or
 *       {@link Builder#orderingKeyFromTopic()}, messages with the same key are delivered in
 *       order to subscriptions with ordering on. After a failed publish, the client refuses the
 *       key's later messages; this sink fails those sends and resumes the key, so the
 *       pipeline's retry sends them again in order.</li>
 *   <li><b>Failures:</b> retryable errors (unavailable, deadline exceeded, ...) are retried by the
 *       client for up to {@link Builder#retryTimeout(Duration) retryTimeout}, then the send fails
 *       and the pipeline may retry it. A message that can never be published (over 10 MB,
 *       attributes beyond Pub/Sub's limits, rejected as invalid) fails with
 *       {@link MessageRejectedException} and goes to the pipeline's dead letter with the reason.
 *       A topic that does not exist, denied permission and bad credentials fail with a
 *       {@link PubSubException} that says how to fix them.</li>
 *   <li><b>Close</b> publishes what is batched and waits up to {@link Builder#closeTimeout(Duration)
 *       closeTimeout}; sends still unconfirmed then fail, and the channel is closed after the
 *       publisher. Close never hangs, also when the endpoint is down.</li>
 * </ul>
 *
 * <pre>{@code
 * PubSubSink sink = PubSubSink.builder(PubSubConnection.builder("my-project").build(), "iot-sensor-data")
 *         .topicAttribute("source_topic")
 *         .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class PubSubSink implements Sink {
    /** Pub/Sub's limit on one message: data, attributes and ordering key together. */
    public static final int MAX_MESSAGE_BYTES = 10_000_000;
    /** Pub/Sub's limits on attributes. */
    static final int MAX_ATTRIBUTES = 100;
    static final int MAX_ATTRIBUTE_KEY_BYTES = 256;
    static final int MAX_ATTRIBUTE_VALUE_BYTES = 1024;
    static final int MAX_ORDERING_KEY_BYTES = 1024;

    private static final Logger log = LoggerFactory.getLogger(PubSubSink.class);

    private final String name;
    private final PubSubConnection connection;
    private final String topic;
    private final String topicAttribute;
    private final String orderingKeyHeader;
    private final boolean orderingKeyFromTopic;
    private final Duration closeTimeout;
    private final Transport transport;
    private final Publishing publishing;
    /** Each unconfirmed send's future, and a marker completed once that future's own callbacks have run. */
    private final Map<CompletableFuture<?>, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * How a sink reaches Pub/Sub.
     *
     * @since 0.1.0
     */
    public enum Transport {
        /** The client library's gRPC publisher: Pub/Sub's own client, with compression. */
        GRPC,
        /**
         * Pub/Sub's REST API on the JDK's HTTP client (HTTP/2 to the service, HTTP/1.1 to the
         * emulator): the same batching, flow control, ordering and retries, without gRPC in the
         * process. For small devices and gateways where memory counts.
         */
        REST
    }

    /** What a publisher is built with. */
    record Settings(long batchMessages, long batchBytes, Duration batchDelay, long maxOutstandingMessages,
            long maxOutstandingBytes, Duration retryTimeout, boolean ordered, int threads, long compressionThreshold) {
    }

    private PubSubSink(Builder b) {
        this.connection = b.connection;
        this.topic = "projects/" + b.connection.projectId() + "/topics/" + b.topicId;
        this.name = b.name != null ? b.name : "pubsub:" + topic;
        this.topicAttribute = b.topicAttribute;
        this.orderingKeyHeader = b.orderingKeyHeader;
        this.orderingKeyFromTopic = b.orderingKeyFromTopic;
        this.closeTimeout = b.closeTimeout;
        this.transport = b.transport;
        Settings settings = new Settings(b.batchMessages, b.batchBytes, b.batchDelay, b.maxOutstandingMessages,
                b.maxOutstandingBytes, b.retryTimeout, b.orderingKeyHeader != null || b.orderingKeyFromTopic,
                b.threads, b.compressionThreshold);
        if (transport == Transport.REST) {
            PubSubRestClient client = new PubSubRestClient(connection);
            if (b.createTopicIfMissing) {
                try {
                    client.createTopicIfMissing(topic);
                } catch (RuntimeException e) {
                    client.close();
                    throw e;
                }
            }
            this.publishing = new RestPublisher(client, connection, topic, settings);
        } else {
            if (b.createTopicIfMissing) {
                try (PubSubAdmin admin = PubSubAdmin.open(connection)) {
                    admin.createTopicIfMissing(b.topicId);
                }
            }
            this.publishing = new GrpcPublishing(connection, b.topicId, settings);
        }
    }

    /**
     * Starts a sink for a topic.
     *
     * @param connection the project and where to reach it
     * @param topicId the topic's id, such as {@code iot-sensor-data}
     * @return a builder
     * @throws IllegalArgumentException if the id is not a valid topic id
     */
    public static Builder builder(PubSubConnection connection, String topicId) {
        return new Builder(connection, topicId);
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Returns the topic's full name.
     *
     * @return such as {@code projects/my-project/topics/iot-sensor-data}
     */
    public String topic() {
        return topic;
    }

    /**
     * Returns how the sink reaches Pub/Sub.
     *
     * @return the transport
     */
    public Transport transport() {
        return transport;
    }

    /**
     * Returns the connection the sink publishes through.
     *
     * @return the connection
     */
    public PubSubConnection connection() {
        return connection;
    }

    @Override
    public CompletionStage<Void> send(Message message) {
        return publish(message, id -> null);
    }

    /**
     * Sends one message and returns the id the service gave it. Blocks while the publisher's
     * flow control is full.
     *
     * @param message the message
     * @return completes with the message id; exceptionally with {@link MessageRejectedException}
     *     if the message can never be published, with {@link IllegalStateException} if the sink
     *     is closed, or with the failure otherwise
     */
    public CompletableFuture<String> sendForId(Message message) {
        return publish(message, id -> id);
    }

    /** Publishes; the future it returns is the one {@link #flush()} waits for, completed with {@code value(id)}. */
    private <T> CompletableFuture<T> publish(Message message, Function<String, T> value) {
        Objects.requireNonNull(message, "message");
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("sink " + name + " is closed"));
        }
        OutgoingMessage m;
        try {
            m = outgoing(message);
        } catch (MessageRejectedException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<Void> settled = new CompletableFuture<>();
        pending.put(result, settled);
        CompletableFuture<String> f;
        try {
            f = publishing.publish(m);
        } catch (RuntimeException e) { // the publisher was shut down under us
            pending.remove(result);
            settled.complete(null);
            return CompletableFuture.failedFuture(closed.get()
                    ? new IllegalStateException("sink " + name + " is closed", e) : e);
        }
        String key = m.orderingKey();
        f.whenComplete((id, t) -> {
            if (t == null) {
                result.complete(value.apply(id));
            } else {
                if (!key.isEmpty()) {
                    publishing.failedWithKey(key);
                }
                result.completeExceptionally(failure(message, t));
            }
            pending.remove(result);
            settled.complete(null); // after the caller's callbacks on result: flush waits for these
        });
        return result;
    }

    private Throwable failure(Message message, Throwable t) {
        t = PubSubErrors.unwrap(t);
        String code = publishing.status(t);
        if ("INVALID_ARGUMENT".equals(code)) {
            return new MessageRejectedException("Pub/Sub rejected message " + message.id() + " on topic '"
                    + message.topic() + "' for " + topic + ": " + t.getMessage(), t);
        }
        if ("NOT_FOUND".equals(code) || "PERMISSION_DENIED".equals(code) || "UNAUTHENTICATED".equals(code)) {
            return PubSubErrors.describe(t, code, t.getMessage(), "topic", topic, connection);
        }
        return t;
    }

    OutgoingMessage outgoing(Message message) {
        Map<String, String> b = new LinkedHashMap<>();
        long bytes = message.payloadSize();
        Map<String, String> headers = message.headers();
        int attributes = headers.size() + (topicAttribute != null ? 1 : 0);
        if (attributes > MAX_ATTRIBUTES) {
            throw reject(message, "it has " + attributes + " attributes (headers" + (topicAttribute != null
                    ? " and the topic attribute" : "") + "), more than Pub/Sub's " + MAX_ATTRIBUTES);
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            bytes += attribute(message, b, h.getKey(), h.getValue());
        }
        if (topicAttribute != null) {
            bytes += attribute(message, b, topicAttribute, message.topic());
        }
        String key = orderingKeyFromTopic ? message.topic()
                : orderingKeyHeader != null ? message.header(orderingKeyHeader) : null;
        if (key != null && !key.isEmpty()) {
            int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
            if (keyBytes > MAX_ORDERING_KEY_BYTES) {
                throw reject(message, "its ordering key takes " + keyBytes + " bytes, more than Pub/Sub's "
                        + MAX_ORDERING_KEY_BYTES);
            }
            bytes += keyBytes;
        } else {
            key = "";
        }
        if (bytes > MAX_MESSAGE_BYTES) {
            throw reject(message, "it takes " + bytes + " bytes (payload " + message.payloadSize()
                    + " and attributes), more than Pub/Sub's limit of " + MAX_MESSAGE_BYTES
                    + "; store large data elsewhere (such as Cloud Storage) and send its name");
        }
        return new OutgoingMessage(message.payloadBuffer(), b, key, bytes);
    }

    private long attribute(Message message, Map<String, String> b, String key, String value) {
        int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
        int valueBytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (key.startsWith("goog")) {
            throw reject(message, "header '" + key + "' starts with 'goog', which Pub/Sub reserves; rename it");
        }
        if (keyBytes > MAX_ATTRIBUTE_KEY_BYTES) {
            throw reject(message, "header name '" + key.substring(0, 40) + "...' takes " + keyBytes
                    + " bytes, more than the " + MAX_ATTRIBUTE_KEY_BYTES + " Pub/Sub allows in an attribute key");
        }
        if (valueBytes > MAX_ATTRIBUTE_VALUE_BYTES) {
            throw reject(message, "header '" + key + "' has a value of " + valueBytes + " bytes, more than the "
                    + MAX_ATTRIBUTE_VALUE_BYTES + " Pub/Sub allows in an attribute value; put it in the payload");
        }
        b.put(key, value);
        return keyBytes + valueBytes;
    }

    private MessageRejectedException reject(Message message, String why) {
        return new MessageRejectedException("message " + message.id() + " on topic '" + message.topic()
                + "' cannot be published to " + topic + ": " + why);
    }

    /**
     * Publishes what is batched now instead of after the batch delay.
     *
     * @return completes when every send made before this call has completed
     */
    @Override
    public CompletionStage<Void> flush() {
        CompletableFuture<?>[] now = pending.values().toArray(new CompletableFuture<?>[0]);
        publishing.publishAllOutstanding();
        return CompletableFuture.allOf(now).handle((v, t) -> null);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // The gRPC Publisher's shutdown can block (an ordering key that failed, an endpoint that
        // is down): it runs on a thread of its own, and close waits for it no longer than the deadline.
        Thread shutdown = new Thread(() -> {
            try {
                publishing.shutdown(closeTimeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("{}: shutting the publisher down failed: {}", name, e.toString());
            }
        }, "edgeflow-pubsub-close-" + topic.substring(topic.lastIndexOf('/') + 1));
        shutdown.setDaemon(true);
        shutdown.start();
        try {
            shutdown.join(closeTimeout.toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = pending.size();
        if (left > 0) {
            log.warn("{}: closed with {} publishes unconfirmed after {}; they fail, and a pipeline keeps their "
                    + "deliveries unacknowledged", name, left, closeTimeout);
            IllegalStateException e = new IllegalStateException("sink " + name + " closed before Pub/Sub confirmed "
                    + "the message (closeTimeout " + closeTimeout + ")");
            for (Map.Entry<CompletableFuture<?>, CompletableFuture<Void>> f : pending.entrySet()) {
                f.getKey().completeExceptionally(e);
                f.getValue().complete(null);
            }
            pending.clear();
        }
        publishing.release();
    }

    /** Builds a {@link PubSubSink}. */
    public static final class Builder {
        private final PubSubConnection connection;
        private final String topicId;
        private String name;
        private long batchMessages = 100;
        private long batchBytes = 256 * 1024;
        private Duration batchDelay = Duration.ofMillis(10);
        private long maxOutstandingMessages = 1000;
        private long maxOutstandingBytes = 64L << 20;
        private Duration retryTimeout = Duration.ofSeconds(60);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private String topicAttribute;
        private String orderingKeyHeader;
        private boolean orderingKeyFromTopic;
        private long compressionThreshold;
        private boolean createTopicIfMissing;
        private int threads = 2;
        private Transport transport = Transport.GRPC;

        private Builder(PubSubConnection connection, String topicId) {
            this.connection = Objects.requireNonNull(connection, "connection");
            this.topicId = PubSubAdmin.checkId(topicId, "topic");
        }

        /**
         * Names the sink in logs and stats.
         *
         * @param name the name; default {@code pubsub:projects/<project>/topics/<topic>}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sends a batch once it holds this many messages.
         *
         * @param messages 1 to 1000; default 100
         * @return this builder
         */
        public Builder batchMessages(long messages) {
            this.batchMessages = range("batchMessages", messages, 1, 1000);
            return this;
        }

        /**
         * Sends a batch once it holds this many bytes.
         *
         * @param bytes 1 to 10 000 000 (Pub/Sub's request limit); default 256 KiB
         * @return this builder
         */
        public Builder batchBytes(long bytes) {
            this.batchBytes = range("batchBytes", bytes, 1, MAX_MESSAGE_BYTES);
            return this;
        }

        /**
         * Sends a batch this long after its first message at the latest.
         *
         * @param delay 0 to 10 s; default 10 ms
         * @return this builder
         */
        public Builder batchDelay(Duration delay) {
            Objects.requireNonNull(delay, "batchDelay");
            if (delay.isNegative() || delay.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("batchDelay is " + delay + ": give 0 to 10 s");
            }
            this.batchDelay = delay.isZero() ? Duration.ofNanos(1) : delay;
            return this;
        }

        /**
         * Caps unconfirmed messages; beyond it {@link PubSubSink#send} blocks.
         *
         * @param messages at least 1; default 1000
         * @return this builder
         */
        public Builder maxOutstandingMessages(long messages) {
            this.maxOutstandingMessages = range("maxOutstandingMessages", messages, 1, Integer.MAX_VALUE);
            return this;
        }

        /**
         * Caps unconfirmed bytes; beyond it {@link PubSubSink#send} blocks.
         *
         * @param bytes at least 10 000 000 (one message of the largest size must fit); default 64 MiB
         * @return this builder
         */
        public Builder maxOutstandingBytes(long bytes) {
            this.maxOutstandingBytes = range("maxOutstandingBytes", bytes, MAX_MESSAGE_BYTES, Long.MAX_VALUE);
            return this;
        }

        /**
         * How long the client retries a publish that failed for a retryable reason.
         *
         * @param timeout 10 s (the client's least) to 10 min; default 60 s
         * @return this builder
         */
        public Builder retryTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "retryTimeout");
            if (timeout.compareTo(Duration.ofSeconds(10)) < 0 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("retryTimeout is " + timeout + ": give 10 s to 10 min");
            }
            this.retryTimeout = timeout;
            return this;
        }

        /**
         * How long {@link PubSubSink#close()} waits for batched and unconfirmed publishes.
         *
         * @param timeout 0 to 10 min; default 10 s
         * @return this builder
         */
        public Builder closeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "closeTimeout");
            if (timeout.isNegative() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("closeTimeout is " + timeout + ": give 0 to 10 min");
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Puts each message's topic in an attribute, as the seed's bridge does with
         * {@code source_topic}.
         *
         * @param attribute the attribute's name, such as {@code source_topic}
         * @return this builder
         */
        public Builder topicAttribute(String attribute) {
            Objects.requireNonNull(attribute, "topicAttribute");
            if (attribute.isEmpty() || attribute.startsWith("goog")) {
                throw new IllegalArgumentException("topicAttribute is '" + attribute + "': give a non-empty name "
                        + "that does not start with 'goog', such as source_topic");
            }
            this.topicAttribute = attribute;
            return this;
        }

        /**
         * Orders messages by the value of a header: messages with the same value reach an
         * ordered subscription in the order sent. Messages without the header are unordered.
         *
         * @param header the header's name, such as {@code device_id}
         * @return this builder
         */
        public Builder orderingKeyFromHeader(String header) {
            Objects.requireNonNull(header, "orderingKeyFromHeader");
            this.orderingKeyHeader = header;
            this.orderingKeyFromTopic = false;
            return this;
        }

        /**
         * Orders messages by their topic, such as {@code sensor/pi-01/temperature}.
         *
         * @return this builder
         */
        public Builder orderingKeyFromTopic() {
            this.orderingKeyFromTopic = true;
            this.orderingKeyHeader = null;
            return this;
        }

        /**
         * Compresses requests of at least this many bytes with gzip.
         *
         * @param thresholdBytes at least 1; compression is off unless this is called
         * @return this builder
         */
        public Builder compression(long thresholdBytes) {
            this.compressionThreshold = range("compression", thresholdBytes, 1, Long.MAX_VALUE);
            return this;
        }

        /**
         * Creates the topic when the sink is built, if it does not exist. Off by default:
         * production topics are usually created by whoever owns the project.
         *
         * @param create whether to create it
         * @return this builder
         */
        public Builder createTopicIfMissing(boolean create) {
            this.createTopicIfMissing = create;
            return this;
        }

        /**
         * Threads of the publisher's executor (batch timers and callbacks).
         *
         * @param threads 1 to 64; default 2
         * @return this builder
         */
        public Builder threads(int threads) {
            this.threads = (int) range("threads", threads, 1, 64);
            return this;
        }

        /**
         * Chooses how the sink reaches Pub/Sub.
         *
         * @param transport {@link Transport#GRPC} (the default) or {@link Transport#REST}
         * @return this builder
         */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Builds the sink and starts its publisher. The topic is not checked here (unless
         * {@link #createTopicIfMissing(boolean)}): a missing topic fails the first sends, with a
         * message that says how to create it.
         *
         * @return the sink
         * @throws PubSubException if the credentials cannot be loaded or the publisher cannot start
         * @throws IllegalStateException if {@link #compression(long)} is asked of the REST transport
         */
        public PubSubSink build() {
            if (transport == Transport.REST && compressionThreshold > 0) {
                throw new IllegalStateException("compression is offered by the GRPC transport only: leave it out "
                        + "with Transport.REST, or choose Transport.GRPC");
            }
            return new PubSubSink(this);
        }

        static long range(String what, long value, long min, long max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(what + " is " + value + ": give " + min + " to " + max);
            }
            return value;
        }
    }
}
