package dev.edgeflow.gcp;

import com.google.api.core.ApiService;
import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.batching.FlowController.LimitExceededBehavior;
import com.google.api.gax.core.InstantiatingExecutorProvider;
import com.google.cloud.pubsub.v1.AckReplyConsumer;
import com.google.cloud.pubsub.v1.AckReplyConsumerWithResponse;
import com.google.cloud.pubsub.v1.AckResponse;
import com.google.cloud.pubsub.v1.MessageReceiver;
import com.google.cloud.pubsub.v1.MessageReceiverWithAckResponse;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.Timestamp;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.PubsubMessage;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Source;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives messages from a Pub/Sub subscription by streaming pull (the client's
 * {@link Subscriber}) and emits them as deliveries.
 *
 * <ul>
 *   <li><b>Acknowledgement:</b> a message is acked to Pub/Sub only when the pipeline acks its
 *       delivery, and nacked (so delivered again soon) when the pipeline nacks it. While the
 *       pipeline works on it, the client extends its ack deadline, for at most
 *       {@link Builder#maxAckExtension(Duration) maxAckExtension}; after that Pub/Sub delivers
 *       it again.</li>
 *   <li><b>Demand:</b> the client's flow control is on: at most
 *       {@link Builder#maxOutstandingMessages(long) maxOutstandingMessages} messages and
 *       {@link Builder#maxOutstandingBytes(long) maxOutstandingBytes} bytes are received and not
 *       yet acked or nacked, counting those waiting for the pipeline's demand. When the pipeline
 *       stops requesting, the client stops pulling once that many wait, so the backpressure
 *       reaches the service; memory stays bounded by those two numbers.</li>
 *   <li><b>Message:</b> the payload is the message's data; the attributes become headers; the
 *       message id is the message's id and the publish time its timestamp. The topic is the
 *       value of the attribute named by {@link Builder#topicFromAttribute(String)} where
 *       present, else {@link Builder#topic(String)} (default: the subscription's id). The
 *       ordering key, if any, is the header {@value #ORDERING_KEY_HEADER}.</li>
 *   <li><b>Exactly once:</b> with {@link Builder#exactlyOnce(boolean)}, for a subscription
 *       created with exactly-once delivery, each ack is confirmed by the service, and a failed
 *       ack is logged and counted ({@link #ackFailures()}).</li>
 *   <li><b>Errors:</b> a subscription that does not exist, permission denied or an endpoint
 *       that does not answer ends the stream with {@code onError} and a {@link PubSubException}
 *       that says how to fix it.</li>
 * </ul>
 *
 * <p>One subscriber; the streaming pull starts when it subscribes.
 *
 * @since 0.1.0
 */
public final class PubSubSource implements Source {
    /** The header that carries a message's ordering key. */
    public static final String ORDERING_KEY_HEADER = "pubsub.ordering_key";

    private static final Logger log = LoggerFactory.getLogger(PubSubSource.class);

    private final String name;
    private final PubSubConnection connection;
    private final ProjectSubscriptionName subscription;
    private final String topic;
    private final String topicAttribute;
    private final Builder settings;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Delivery> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger drainers = new AtomicInteger();
    private final AtomicLong demand = new AtomicLong();
    private final LongAdder received = new LongAdder();
    private final LongAdder acked = new LongAdder();
    private final LongAdder nacked = new LongAdder();
    private final LongAdder ackFailures = new LongAdder();
    private volatile Flow.Subscriber<? super Delivery> downstream;
    private volatile Throwable terminal;
    private volatile boolean done;
    private volatile Subscriber subscriber;
    private volatile GrpcTransport transport;

    private PubSubSource(Builder b) {
        this.connection = b.connection;
        this.subscription = ProjectSubscriptionName.of(b.connection.projectId(), b.subscriptionId);
        this.name = b.name != null ? b.name : "pubsub:" + subscription;
        this.topic = b.topic != null ? b.topic : b.subscriptionId;
        this.topicAttribute = b.topicAttribute;
        this.settings = b;
        Message.builder(topic); // fails now, not per message, if the topic is not valid
        if (b.createOnTopic != null) {
            try (PubSubAdmin admin = PubSubAdmin.open(connection)) {
                admin.createTopicIfMissing(b.createOnTopic);
                admin.createSubscriptionIfMissing(b.subscriptionId, b.createOnTopic, Duration.ofSeconds(60));
            }
        }
    }

    /**
     * Starts a source for a subscription.
     *
     * @param connection the project and where to reach it
     * @param subscriptionId the subscription's id, such as {@code iot-sensor-sub}
     * @return a builder
     * @throws IllegalArgumentException if the id is not a valid subscription id
     */
    public static Builder builder(PubSubConnection connection, String subscriptionId) {
        return new Builder(connection, subscriptionId);
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Returns the subscription's full name.
     *
     * @return such as {@code projects/my-project/subscriptions/iot-sensor-sub}
     */
    public String subscription() {
        return subscription.toString();
    }

    /**
     * Returns the connection the source pulls through.
     *
     * @return the connection
     */
    public PubSubConnection connection() {
        return connection;
    }

    /** Nacked messages come back: Pub/Sub delivers them again. */
    @Override
    public boolean redeliversOnNack() {
        return true;
    }

    /**
     * Returns counts since the source started.
     *
     * @return {@code [received, acked, nacked]}
     */
    public long[] counts() {
        return new long[] {received.sum(), acked.sum(), nacked.sum()};
    }

    /**
     * Returns how many acks the service refused (exactly-once delivery only).
     *
     * @return the count
     */
    public long ackFailures() {
        return ackFailures.sum();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super Delivery> s) {
        Objects.requireNonNull(s, "subscriber");
        if (!subscribed.compareAndSet(false, true)) {
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            s.onError(new IllegalStateException("source " + name + " takes one subscriber and has one"));
            return;
        }
        downstream = s;
        s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (n <= 0) {
                    fail(new IllegalArgumentException("request(" + n + "): Reactive Streams rule 3.9 asks for n > 0"));
                    return;
                }
                demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                drain();
            }

            @Override
            public void cancel() {
                close();
            }
        });
        if (closed.get()) {
            done = true;
            drain();
            return;
        }
        start();
    }

    private void start() {
        try {
            transport = GrpcTransport.open(connection);
            Subscriber.Builder b = settings.exactlyOnce
                    ? Subscriber.newBuilder(subscription, (MessageReceiverWithAckResponse) this::receiveExactlyOnce)
                    : Subscriber.newBuilder(subscription, (MessageReceiver) this::receive);
            Subscriber sub = b.setChannelProvider(transport.channels)
                    .setCredentialsProvider(transport.credentials)
                    .setFlowControlSettings(FlowControlSettings.newBuilder()
                            .setMaxOutstandingElementCount(settings.maxOutstandingMessages)
                            .setMaxOutstandingRequestBytes(settings.maxOutstandingBytes)
                            .setLimitExceededBehavior(LimitExceededBehavior.Block)
                            .build())
                    .setMaxAckExtensionPeriodDuration(settings.maxAckExtension)
                    .setParallelPullCount(settings.parallelPulls)
                    .setExecutorProvider(InstantiatingExecutorProvider.newBuilder()
                            .setExecutorThreadCount(settings.threads).build())
                    .build();
            sub.addListener(new ApiService.Listener() {
                @Override
                public void failed(ApiService.State from, Throwable failure) {
                    fail(PubSubErrors.describe(failure, "subscription", subscription.toString(), connection));
                }
            }, MoreExecutors.directExecutor());
            subscriber = sub;
            sub.startAsync();
        } catch (RuntimeException e) {
            fail(e instanceof PubSubException ? e : new PubSubException("cannot start a Pub/Sub subscriber for "
                    + subscription + " (" + connection + "): " + e.getMessage(), e));
        }
    }

    private void receive(PubsubMessage m, AckReplyConsumer reply) {
        offer(m, new Delivery.Acknowledger() {
            @Override
            public void ack(Delivery d) {
                reply.ack();
                acked.increment();
            }

            @Override
            public void nack(Delivery d, Throwable cause) {
                reply.nack();
                nacked.increment();
            }
        }, reply::nack);
    }

    private void receiveExactlyOnce(PubsubMessage m, AckReplyConsumerWithResponse reply) {
        offer(m, new Delivery.Acknowledger() {
            @Override
            public void ack(Delivery d) {
                acked.increment();
                var f = reply.ack();
                f.addListener(() -> checkAck(m, f), MoreExecutors.directExecutor());
            }

            @Override
            public void nack(Delivery d, Throwable cause) {
                reply.nack();
                nacked.increment();
            }
        }, reply::nack);
    }

    private void checkAck(PubsubMessage m, java.util.concurrent.Future<AckResponse> done) {
        try {
            AckResponse r = done.get(); // done: called from its listener
            if (r != AckResponse.SUCCESSFUL) {
                ackFailures.increment();
                log.warn("{}: Pub/Sub did not confirm the ack of message {}: {}; it may be delivered again", name,
                        m.getMessageId(), r);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            ackFailures.increment();
            log.warn("{}: acking message {} failed: {}", name, m.getMessageId(), e.toString());
        }
    }

    private void offer(PubsubMessage m, Delivery.Acknowledger acknowledger, Runnable reject) {
        if (done || closed.get()) {
            reject.run(); // not ours to keep: Pub/Sub delivers it again
            return;
        }
        Message message;
        try {
            message = toMessage(m);
        } catch (RuntimeException e) {
            // A topic attribute that is not a valid topic: the message can never be emitted as asked.
            log.warn("{}: message {} cannot be turned into a message ({}); nacked, so the subscription's dead "
                    + "letter policy (if any) takes it", name, m.getMessageId(), e.getMessage());
            reject.run();
            nacked.increment();
            return;
        }
        received.increment();
        ready.add(Delivery.of(message, acknowledger));
        drain();
    }

    Message toMessage(PubsubMessage m) {
        return toMessage(m, topic, topicAttribute);
    }

    /** A received message as a Message: topic from the attribute if given and present, else {@code topic}. */
    static Message toMessage(PubsubMessage m, String topic, String topicAttribute) {
        Map<String, String> attributes = m.getAttributesMap();
        String t = topicAttribute != null ? attributes.getOrDefault(topicAttribute, topic) : topic;
        Message.Builder b = Message.builder(t).payload(m.getData().toByteArray()).headers(attributes);
        if (!m.getMessageId().isEmpty()) {
            b.id(m.getMessageId());
        }
        if (m.hasPublishTime()) {
            Timestamp ts = m.getPublishTime();
            b.timestamp(Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos()));
        }
        if (!m.getOrderingKey().isEmpty()) {
            b.header(ORDERING_KEY_HEADER, m.getOrderingKey());
        }
        return b.build();
    }

    private void fail(Throwable t) {
        if (terminal == null) {
            terminal = t;
        }
        done = true;
        drain();
        stopSubscriber();
    }

    /** Emits while there is demand; one thread at a time, the others leave their work to it. */
    private void drain() {
        if (drainers.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            Flow.Subscriber<? super Delivery> s = downstream;
            if (s != null) {
                while (demand.get() > 0) {
                    Delivery d = ready.poll();
                    if (d == null) {
                        break;
                    }
                    demand.decrementAndGet();
                    s.onNext(d);
                }
                if (done && (ready.isEmpty() || terminal != null)) {
                    downstream = null;
                    Delivery left;
                    while ((left = ready.poll()) != null) {
                        left.nack(new IllegalStateException("source " + name + " stopped before emitting it"));
                    }
                    if (terminal != null) {
                        s.onError(terminal);
                    } else {
                        s.onComplete();
                    }
                }
            }
            missed = drainers.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void stopSubscriber() {
        Subscriber sub = subscriber;
        if (sub != null) {
            sub.stopAsync();
            try {
                sub.awaitTerminated(settings.closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | IllegalStateException e) {
                log.debug("{}: the subscriber did not stop cleanly: {}", name, e.toString());
            }
        }
        GrpcTransport t = transport;
        if (t != null) {
            t.close();
        }
    }

    /**
     * Stops pulling; deliveries not yet emitted are nacked (Pub/Sub delivers them again), the
     * subscriber gets {@code onComplete}. Emitted deliveries that are not settled stay
     * unacknowledged and come back after their ack deadline.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        done = true;
        Subscriber sub = subscriber;
        if (sub != null) {
            sub.stopAsync();
        }
        Delivery left;
        while ((left = ready.poll()) != null) {
            left.nack(new IllegalStateException("source " + name + " closed before emitting it"));
        }
        drain();
        stopSubscriber();
    }

    /** Builds a {@link PubSubSource}. */
    public static final class Builder {
        private final PubSubConnection connection;
        private final String subscriptionId;
        private String name;
        private String topic;
        private String topicAttribute;
        private long maxOutstandingMessages = 1000;
        private long maxOutstandingBytes = 100L << 20;
        private Duration maxAckExtension = Duration.ofMinutes(10);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private int parallelPulls = 1;
        private int threads = 2;
        private boolean exactlyOnce;
        private String createOnTopic;

        private Builder(PubSubConnection connection, String subscriptionId) {
            this.connection = Objects.requireNonNull(connection, "connection");
            this.subscriptionId = PubSubAdmin.checkId(subscriptionId, "subscription");
        }

        /**
         * Names the source in logs and stats.
         *
         * @param name default {@code pubsub:projects/<project>/subscriptions/<id>}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The topic of emitted messages (where no topic attribute says otherwise).
         *
         * @param topic such as {@code cloud/commands}; default the subscription's id
         * @return this builder
         * @throws IllegalArgumentException if it is not a valid topic
         */
        public Builder topic(String topic) {
            Message.builder(Objects.requireNonNull(topic, "topic"));
            this.topic = topic;
            return this;
        }

        /**
         * Takes each message's topic from an attribute, such as the {@code source_topic} a
         * {@link PubSubSink} with {@code topicAttribute} wrote.
         *
         * @param attribute the attribute's name
         * @return this builder
         */
        public Builder topicFromAttribute(String attribute) {
            this.topicAttribute = Objects.requireNonNull(attribute, "topicFromAttribute");
            return this;
        }

        /**
         * Caps messages received and not yet acked or nacked.
         *
         * @param messages at least 1; default 1000
         * @return this builder
         */
        public Builder maxOutstandingMessages(long messages) {
            this.maxOutstandingMessages = PubSubSink.Builder.range("maxOutstandingMessages", messages, 1,
                    Integer.MAX_VALUE);
            return this;
        }

        /**
         * Caps bytes received and not yet acked or nacked.
         *
         * @param bytes at least 10 000 000 (one message of the largest size); default 100 MiB
         * @return this builder
         */
        public Builder maxOutstandingBytes(long bytes) {
            this.maxOutstandingBytes = PubSubSink.Builder.range("maxOutstandingBytes", bytes,
                    PubSubSink.MAX_MESSAGE_BYTES, Long.MAX_VALUE);
            return this;
        }

        /**
         * How long the client keeps extending a message's ack deadline while the pipeline
         * works on it.
         *
         * @param max 10 s to 1 h; default 10 min
         * @return this builder
         */
        public Builder maxAckExtension(Duration max) {
            Objects.requireNonNull(max, "maxAckExtension");
            if (max.compareTo(Duration.ofSeconds(10)) < 0 || max.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("maxAckExtension is " + max + ": give 10 s to 1 h");
            }
            this.maxAckExtension = max;
            return this;
        }

        /**
         * How long {@link PubSubSource#close()} waits for the streaming pull to stop.
         *
         * @param timeout 0 to 5 min; default 10 s
         * @return this builder
         */
        public Builder closeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "closeTimeout");
            if (timeout.isNegative() || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("closeTimeout is " + timeout + ": give 0 to 5 min");
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Streaming pulls to open at once.
         *
         * @param pulls 1 to 16; default 1
         * @return this builder
         */
        public Builder parallelPulls(int pulls) {
            this.parallelPulls = (int) PubSubSink.Builder.range("parallelPulls", pulls, 1, 16);
            return this;
        }

        /**
         * Threads of the subscriber's executor (receiving and lease extension).
         *
         * @param threads 1 to 64; default 2
         * @return this builder
         */
        public Builder threads(int threads) {
            this.threads = (int) PubSubSink.Builder.range("threads", threads, 1, 64);
            return this;
        }

        /**
         * Confirms each ack with the service, for subscriptions with exactly-once delivery.
         *
         * @param exactlyOnce whether to
         * @return this builder
         */
        public Builder exactlyOnce(boolean exactlyOnce) {
            this.exactlyOnce = exactlyOnce;
            return this;
        }

        /**
         * Creates the topic and the subscription on it when the source is built, if they do
         * not exist (ack deadline 60 s, no ordering). Off by default.
         *
         * @param topicId the topic the subscription receives from, such as {@code iot-sensor-data}
         * @return this builder
         * @throws IllegalArgumentException if the id is not a valid topic id
         */
        public Builder createIfMissing(String topicId) {
            this.createOnTopic = PubSubAdmin.checkId(topicId, "topic");
            return this;
        }

        /**
         * Builds the source; the streaming pull starts when it is subscribed to. The
         * subscription is not checked here (unless {@link #createIfMissing(String)}): a missing
         * one ends the stream with {@code onError}.
         *
         * @return the source
         * @throws PubSubException if {@code createIfMissing} was asked and creating failed
         */
        public PubSubSource build() {
            return new PubSubSource(this);
        }
    }
}
