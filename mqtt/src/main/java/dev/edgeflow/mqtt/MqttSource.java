package dev.edgeflow.mqtt;

import dev.edgeflow.core.ConnectionAware;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Source;
import dev.edgeflow.core.TopicFilter;
import dev.edgeflow.core.internal.Futures;
import dev.edgeflow.core.internal.RateLimitedLog;
import io.reactivex.FlowableSubscriber;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to topic filters on an MQTT broker and emits what arrives as deliveries, at least
 * once.
 *
 * <p>Acknowledgement is manual: the PUBACK (QoS 1) or PUBREC (QoS 2) goes to the broker only
 * when the pipeline acks the delivery, that is once every sink has confirmed. Demand is the
 * backpressure: the source takes from the client only what the pipeline requested, the client
 * holds at most {@linkplain Builder#receiveMaximum(int) receive maximum} unacknowledged QoS 1/2
 * messages, and the broker stops sending when that window is full. When a connection is lost,
 * deliveries not yet acknowledged are released (no PUBACK goes out for them) and the broker sends
 * them again on the session's next connection; see {@link #releasedOnDisconnectCount()}. QoS 0 messages have no
 * window: while the pipeline is slow, a source whose subscriptions are all QoS 0 keeps the newest
 * receive-maximum of them and drops older ones, as QoS 0 allows, counted in
 * {@link #droppedCount()}. (Beside QoS 1/2 subscriptions the client does that itself and only
 * logs it.)
 *
 * <p>Mosquitto 2.0 over MQTT 5 sends more unacknowledged messages than the receive maximum once
 * acknowledgements flow, and the client then disconnects. The source falls back to MQTT 3.1.1 on
 * the same session when that happens, with a warning; the broker's own in-flight limit
 * ({@code max_inflight_messages}) then bounds what it sends. Deliveries unacknowledged at that
 * moment come again. Connect to such a broker with {@link MqttVersion#MQTT_3_1_1} to skip the
 * detour.
 *
 * <p>A nacked QoS 1/2 delivery on a persistent session is redelivered: the source reconnects
 * and the broker sends every message that was not acknowledged again, so
 * {@link #redeliversOnNack()} is {@code true} then. Deliveries that were in flight at that
 * moment may arrive twice. On a clean session, or at QoS 0, a nacked delivery is released to the
 * broker, logged and counted in {@link #nackedCount()}: MQTT has no other way to refuse it.
 *
 * <p>The publish flow is registered before the client connects, so messages the broker queued
 * for a persistent session while the source was away are delivered too, not acknowledged and
 * lost (HiveMQ MQTT Client issue 254).
 *
 * <pre>{@code
 * MqttSource source = MqttSource.builder()
 *         .connection(MqttConnection.builder().serverUri("mqtt://localhost:1883").clientId("bridge-in").build())
 *         .subscribe("sensor/#")
 *         .subscribe("device/+/status")
 *         .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class MqttSource implements Source, ConnectionAware {
    private static final Logger LOG = LoggerFactory.getLogger(MqttSource.class);
    /**
     * The receive maximum used unless set, when a subscription is QoS 1 or 2. The client walks
     * its window of unacknowledged messages on every arrival and every acknowledgement, so a
     * larger window costs CPU per message; 64 keeps a local link busy.
     */
    public static final int DEFAULT_RECEIVE_MAXIMUM = 64;
    /**
     * The receive maximum used unless set, when every subscription is QoS 0. It bounds only the
     * QoS 0 messages waiting for the pipeline; older ones are dropped and counted.
     */
    public static final int DEFAULT_QOS0_RECEIVE_MAXIMUM = 1024;

    private final MqttConnection connection;
    private final Map<String, Qos> subscriptions;
    private final int receiveMaximum;
    private final String name;
    private final boolean resumable;
    /** Whether a subscription is QoS 1 or 2, so that the receive maximum bounds what is handed out. */
    private final boolean windowed;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final LongAdder received = new LongAdder();
    private final LongAdder acknowledged = new LongAdder();
    private final LongAdder nacked = new LongAdder();
    private final LongAdder releasedOnDisconnect = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final RateLimitedLog lossLog = new RateLimitedLog(LOG, 10);
    private final Object closeLock = new Object();
    private volatile boolean closed;
    private volatile Bridge bridge;

    private MqttSource(Builder b) {
        this.connection = b.connection;
        this.subscriptions = Map.copyOf(b.subscriptions);
        this.receiveMaximum = b.receiveMaximum;
        this.name = b.name != null ? b.name : "mqtt-source[" + connection.serverUri() + " " + b.subscriptions.keySet() + "]";
        boolean anyAtLeastOnce = b.subscriptions.values().stream().anyMatch(q -> q != Qos.AT_MOST_ONCE);
        this.windowed = anyAtLeastOnce;
        this.resumable = anyAtLeastOnce && !connection.cleanStart()
                && (connection.version() == MqttVersion.MQTT_3_1_1 || !connection.sessionExpiry().isZero());
    }

    /**
     * Starts a source: QoS 1, receive maximum {@value #DEFAULT_RECEIVE_MAXIMUM}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Tells whether a nacked delivery comes back: on a persistent session with QoS 1 or 2.
     *
     * @return {@code true} if nacks lead to redelivery
     */
    @Override
    public boolean redeliversOnNack() {
        return resumable;
    }

    /**
     * Returns the connection settings.
     *
     * @return the settings
     */
    public MqttConnection connection() {
        return connection;
    }

    /**
     * Returns the receive maximum the source asks the broker to respect.
     *
     * @return 1 to 65535
     */
    public int receiveMaximum() {
        return receiveMaximum;
    }

    /**
     * Returns the subscriptions: topic filter to QoS.
     *
     * @return an unmodifiable map
     */
    public Map<String, Qos> subscriptions() {
        return subscriptions;
    }

    /**
     * Completes once the source is connected and the broker has granted every subscription; fails
     * with an {@link MqttConnectionException} if that cannot happen (refused credentials, a TLS
     * failure, a refused subscription, or any failure with reconnect off). While the broker is
     * unreachable and reconnect is on, it waits.
     *
     * @return the stage; it does not complete before a subscriber has subscribed
     */
    public CompletionStage<Void> ready() {
        return ready.copy();
    }

    /**
     * Waits until {@link #ready()} completes.
     *
     * @param timeout how long to wait
     * @throws MqttConnectionException if connecting or subscribing failed, or did not finish in
     *     time (the message says which)
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
        ClientSession.await(ready, timeout, connection, () -> name + " is not connected and subscribed after "
                + timeout.toMillis() + " ms" + (subscribed.get() ? "" : ": nothing has subscribed to the source yet"));
    }

    /**
     * Returns how many messages arrived from the broker.
     *
     * @return the count
     */
    public long receivedCount() {
        return received.sum();
    }

    /**
     * Returns how many deliveries were acknowledged to the client (for QoS 1 and 2, a PUBACK or
     * PUBREC to the broker unless the connection changed in between).
     *
     * @return the count
     */
    public long acknowledgedCount() {
        return acknowledged.sum();
    }

    /**
     * Returns how many deliveries the pipeline nacked.
     *
     * @return the count
     */
    public long nackedCount() {
        return nacked.sum();
    }

    /**
     * Returns how many deliveries were unacknowledged when a connection was lost, and so will
     * come again from the broker on the session's next connection (duplicates, if the pipeline
     * also delivers the first copy).
     *
     * @return the count
     */
    public long releasedOnDisconnectCount() {
        return releasedOnDisconnect.sum();
    }

    /**
     * Returns how many QoS 0 messages were dropped because the pipeline took them more slowly
     * than they arrived: a source whose subscriptions are all QoS 0 keeps the newest
     * {@link #receiveMaximum()} of them waiting and drops the oldest, with a warning in the log
     * at most every 10 seconds. QoS 0 allows that; this count makes it visible.
     *
     * @return the count
     */
    public long droppedCount() {
        return dropped.sum();
    }

    /**
     * Returns the protocol version the source speaks now: the connection's, or MQTT 3.1.1 after
     * the broker broke MQTT 5 flow control and the source fell back (Mosquitto 2.0 does; see
     * the class documentation).
     *
     * @return the version in use
     */
    public MqttVersion protocolVersion() {
        Bridge b = bridge;
        ClientSession s = b == null ? null : b.session;
        return s == null ? connection.version() : s.connection.version();
    }

    /**
     * Tells whether the client is connected now.
     *
     * @return {@code true} if connected
     */
    @Override
    public boolean isConnected() {
        Bridge b = bridge;
        return b != null && b.session.isConnected();
    }

    /**
     * Subscribes the one subscriber this source accepts; connecting to the broker starts here.
     * A second subscriber gets {@code onError(IllegalStateException)}. A subscriber after
     * {@link #close()} is completed at once. Never blocks.
     *
     * @param subscriber the subscriber
     */
    @Override
    public void subscribe(Flow.Subscriber<? super Delivery> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        if (!subscribed.compareAndSet(false, true)) {
            subscriber.onSubscribe(NoSubscription.INSTANCE);
            subscriber.onError(new IllegalStateException(name + " accepts one subscriber and already has one"));
            return;
        }
        if (closed) {
            subscriber.onSubscribe(NoSubscription.INSTANCE);
            subscriber.onComplete();
            return;
        }
        Bridge b = new Bridge(subscriber);
        bridge = b;
        b.start(connection);
    }

    /**
     * Completes the subscriber, disconnects (keeping a persistent session on the broker, so
     * unacknowledged messages, and those that arrived after the subscriber stopped taking any,
     * come again next time) and only then leaves the client. Idempotent; waits up to five
     * seconds for the DISCONNECT to go out.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Bridge b = bridge;
        if (b == null) {
            ready.completeExceptionally(new MqttConnectionException(connection.serverUri(), name + " was closed",
                    false, null));
            return;
        }
        b.complete();
        // Disconnect first, then drop the client's flow: a client with no flow for a QoS 1/2
        // message acknowledges it itself, so what arrived in between would be lost. Until the
        // DISCONNECT, arriving messages are held unacknowledged (the bridge is terminated), and
        // the persistent session brings them again.
        try {
            b.session.close().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: disconnect did not finish cleanly: {}", name, e.toString());
        }
        b.cancelUpstream();
        ready.completeExceptionally(new MqttConnectionException(connection.serverUri(), name + " was closed",
                false, null));
    }

    @Override
    public String toString() {
        return "MqttSource[" + name + ", " + connection + "]";
    }

    /** Between the client's flowable and the one subscriber. */
    private final class Bridge implements FlowableSubscriber<ClientSession.Incoming>, Flow.Subscription,
            ClientSession.Listener {
        volatile ClientSession session;
        private final Flow.Subscriber<? super Delivery> downstream;
        private final Object emitLock = new Object();
        private boolean downstreamSubscribed;
        /** Requested by the subscriber and not yet emitted; carried over to a new session. */
        private long demand;
        /** Requested from the client and not yet received from it. */
        private long upstreamOutstanding;
        /** How many of {@link #unsettled} there are, kept beside the set for the credit sums. */
        private int unsettledCount;
        private boolean fellBack;
        /**
         * QoS 0 only ({@code !windowed}): what arrived while the subscriber had no demand, newest
         * {@link #receiveMaximum} kept. The client is asked for everything, so that its own
         * QoS 0 drops (logged, not counted) never happen and ours are counted.
         */
        private final ArrayDeque<ClientSession.Incoming> waiting = new ArrayDeque<>();
        private boolean draining;
        /** QoS 1/2 deliveries emitted and not yet acknowledged to the client. */
        final Set<ClientSession.Incoming> unsettled = ConcurrentHashMap.newKeySet();
        private final AtomicBoolean redeliveryScheduled = new AtomicBoolean();
        private volatile Subscription upstream;
        private boolean terminated;

        Bridge(Flow.Subscriber<? super Delivery> downstream) {
            this.downstream = downstream;
        }

        void start(MqttConnection settings) {
            ClientSession s = ClientSession.create(settings, receiveMaximum, this);
            session = s;
            // The flow is registered before CONNECT goes out: queued session messages must find it.
            s.publishes().subscribe(this);
            s.connect()
                    .thenCompose(ignored -> s.subscribe(subscriptions))
                    .whenComplete((ignored, failure) -> {
                        if (session != s) {
                            return; // replaced by a fallback session meanwhile
                        }
                        if (failure == null) {
                            LOG.info("{}: connected as {} over {} and subscribed", name, settings.clientId(),
                                    settings.version());
                            ready.complete(null);
                        } else {
                            Throwable cause = Futures.unwrap(failure);
                            if (!(cause instanceof ClientSession.ReceiveMaximumViolation)) {
                                fail(ConnectionErrors.describe(settings, cause));
                            }
                        }
                    });
        }

        @Override
        public void onSubscribe(Subscription s) {
            boolean first;
            synchronized (emitLock) {
                upstream = s;
                upstreamOutstanding = 0;
                first = !downstreamSubscribed;
                downstreamSubscribed = true;
            }
            if (first) {
                downstream.onSubscribe(this);
            } else {
                replenish();
            }
        }

        /**
         * Asks the client for what the subscriber wants, but never for more than the receive
         * maximum of QoS 1/2 deliveries outstanding in all (unsettled plus asked for). A broker
         * that keeps its window holds no more than that anyway; one that does not (Mosquitto
         * 2.0.11 sends a window per PUBACK) then leaves the surplus in the client's queue instead
         * of in the pipeline, and the client's per-event walk over what was handed out stays
         * short.
         */
        private void replenish() {
            long n;
            Subscription s;
            synchronized (emitLock) {
                if (terminated) {
                    return;
                }
                long want = demand == Long.MAX_VALUE ? Long.MAX_VALUE : demand - upstreamOutstanding;
                if (!windowed) {
                    // QoS 0 only: take everything the client has and bound it in waiting.
                    if (upstreamOutstanding == Long.MAX_VALUE) {
                        return;
                    }
                    want = Long.MAX_VALUE;
                } else {
                    want = Math.min(want, (long) receiveMaximum - unsettledCount - upstreamOutstanding);
                }
                s = upstream;
                if (want <= 0 || s == null) {
                    return;
                }
                n = want;
                upstreamOutstanding = n == Long.MAX_VALUE ? Long.MAX_VALUE : upstreamOutstanding + n;
            }
            s.request(n);
        }

        /** A QoS 1/2 delivery was acknowledged, released or refused: room for one more. */
        boolean settle(ClientSession.Incoming in) {
            if (!unsettled.remove(in)) {
                return false;
            }
            synchronized (emitLock) {
                unsettledCount--;
            }
            replenish();
            return true;
        }

        @Override
        public void onNext(ClientSession.Incoming in) {
            received.increment();
            if (!windowed) {
                onNextAtMostOnce(in);
                return;
            }
            Delivery delivery = deliveryOf(in);
            boolean counted = in.qos != Qos.AT_MOST_ONCE;
            if (counted) {
                unsettled.add(in);
            }
            synchronized (emitLock) {
                if (upstreamOutstanding > 0) {
                    upstreamOutstanding--;
                }
                if (counted) {
                    unsettledCount++;
                }
                if (terminated) {
                    return; // not acknowledged: a persistent session gets it again
                }
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                downstream.onNext(delivery);
            }
        }

        private void onNextAtMostOnce(ClientSession.Incoming in) {
            synchronized (emitLock) {
                if (terminated) {
                    return;
                }
                // With demand, the drain below hands it on at once; the queue is only full without.
                if (waiting.size() >= receiveMaximum) {
                    ClientSession.Incoming oldest = waiting.poll();
                    dropped.increment();
                    lossLog.warn("{}: the pipeline is slower than QoS 0 messages arrive; dropped the oldest waiting "
                            + "(on '{}'), keeping the newest {} ({} dropped so far, droppedCount())", name,
                            oldest.topic, receiveMaximum, dropped.sum());
                }
                waiting.add(in);
            }
            drainWaiting();
        }

        /** Hands waiting QoS 0 messages to the subscriber while it has demand; never reentrant. */
        private void drainWaiting() {
            synchronized (emitLock) {
                if (draining) {
                    return;
                }
                draining = true;
                try {
                    while (demand > 0 && !waiting.isEmpty() && !terminated) {
                        if (demand != Long.MAX_VALUE) {
                            demand--;
                        }
                        downstream.onNext(deliveryOf(waiting.poll()));
                    }
                } finally {
                    draining = false;
                }
            }
        }

        private Delivery deliveryOf(ClientSession.Incoming in) {
            Message.Builder mb = Message.builder(in.topic).payload(in.payload).qos(in.qos);
            if (!in.properties.isEmpty()) {
                mb.headers(in.properties);
            }
            if (in.retain) {
                mb.header(MqttHeaders.RETAIN, "true");
            }
            return Delivery.of(mb.build(), new Settle(in));
        }

        @Override
        public void onError(Throwable t) {
            fail(ConnectionErrors.describe(connection, t));
        }

        @Override
        public void onComplete() {
            complete();
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancelUpstream();
                fail(new IllegalArgumentException(name + ": request(" + n
                        + ") is not allowed, requests must be positive (Reactive Streams rule 3.9)"));
                return;
            }
            synchronized (emitLock) {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
            }
            if (!windowed) {
                drainWaiting();
            }
            replenish();
        }

        /**
         * Stops handing messages on, but keeps the client's flow until {@link #close()}
         * disconnects: a client with no flow for a QoS 1/2 message acknowledges it itself, and
         * the message would be lost. Messages arriving meanwhile stay unacknowledged (at most
         * the receive maximum of them) and come again on the session's next connection.
         */
        @Override
        public void cancel() {
            synchronized (emitLock) {
                terminated = true;
                waiting.clear();
            }
        }

        void cancelUpstream() {
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
        }

        void fail(Throwable problem) {
            synchronized (emitLock) {
                if (terminated) {
                    return;
                }
                terminated = true;
                waiting.clear();
                downstream.onError(problem);
            }
            cancelUpstream();
            ready.completeExceptionally(problem);
            if (!closed) {
                LOG.error("{} failed: {}", name, problem.getMessage());
                session.close();
            }
        }

        void complete() {
            synchronized (emitLock) {
                if (terminated) {
                    return;
                }
                terminated = true;
                downstream.onComplete();
            }
        }

        @Override
        public void connected() {
            LOG.debug("{}: connected", name);
            redeliveryScheduled.set(false);
        }

        @Override
        public void disconnected(MqttConnectionException problem, boolean reconnecting) {
            // What was emitted on the lost connection can no longer be acknowledged there, and the
            // broker sends it again on the next one. Releasing it now keeps the client's in-order
            // acknowledgement queue from counting it against the receive maximum, which would
            // make the client refuse the redelivered messages and disconnect again.
            int count = 0;
            for (ClientSession.Incoming in : unsettled) {
                if (settle(in)) {
                    in.acknowledge.run();
                    count++;
                }
            }
            if (count > 0) {
                releasedOnDisconnect.add(count);
                LOG.info("{}: connection lost with {} deliveries unacknowledged; the broker sends them again "
                        + "on the next connection of the session", name, count);
            }
            if (problem instanceof ClientSession.ReceiveMaximumViolation && !fellBack && !closed) {
                fellBack = true;
                fallBackToMqtt311(problem);
                return;
            }
            if (!reconnecting && !closed) {
                fail(problem);
            }
        }

        /**
         * Moves to a new client speaking MQTT 3.1.1, where the broker's own in-flight limit
         * bounds what it sends; the persistent session (same client id) carries on.
         */
        private void fallBackToMqtt311(MqttConnectionException problem) {
            LOG.warn("{}: {}. Switching this source to MQTT 3.1.1 now, on the same session; set "
                    + "version(MqttVersion.MQTT_3_1_1) (option version=3.1.1) for this broker to start that way.",
                    name, problem.getMessage());
            ClientSession old = session;
            Subscription oldUpstream = upstream;
            if (oldUpstream != null) {
                oldUpstream.cancel();
            }
            old.close();
            start(connection.withVersion(MqttVersion.MQTT_3_1_1));
        }

        void redeliver() {
            if (redeliveryScheduled.compareAndSet(false, true) && !closed) {
                LOG.info("{}: a delivery was nacked; reconnecting so that the broker sends every unacknowledged "
                        + "message again (some may arrive twice)", name);
                session.reconnectNow();
            }
        }
    }

    /** Settles one delivery towards the broker. */
    private final class Settle implements Delivery.Acknowledger {
        private final ClientSession.Incoming in;

        Settle(ClientSession.Incoming in) {
            this.in = in;
        }

        @Override
        public void ack(Delivery delivery) {
            if (in.qos == Qos.AT_MOST_ONCE) {
                acknowledged.increment();
                return;
            }
            Bridge b = bridge;
            if (b != null && b.settle(in)) {
                acknowledged.increment();
                in.acknowledge.run();
            }
            // else released when its connection was lost: the broker sends it again
        }

        @Override
        public void nack(Delivery delivery, Throwable cause) {
            nacked.increment();
            Bridge b = bridge;
            if (in.qos == Qos.AT_MOST_ONCE || b == null) {
                if (!closed) {
                    lossLog.warn("{}: QoS 0 message on '{}' was nacked ({}); QoS 0 cannot be redelivered",
                            name, in.topic, String.valueOf(cause));
                }
                return;
            }
            if (resumable && !closed) {
                b.redeliver(); // stays unacknowledged; released at the disconnect
                return;
            }
            if (b.settle(in)) {
                if (!closed) {
                    lossLog.warn("{}: message on '{}' was nacked ({}) and cannot be redelivered on a clean "
                            + "session; released to the broker", name, in.topic, String.valueOf(cause));
                }
                in.acknowledge.run();
            }
        }
    }

    private enum NoSubscription implements Flow.Subscription {
        INSTANCE;

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }

    /**
     * Builds an {@link MqttSource}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private MqttConnection connection;
        private final Map<String, Qos> subscriptions = new LinkedHashMap<>();
        private Qos qos = Qos.AT_LEAST_ONCE;
        private int receiveMaximum;
        private String name;

        private Builder() {
        }

        /**
         * Sets where and how to connect.
         *
         * @param connection the connection settings
         * @return this builder
         */
        public Builder connection(MqttConnection connection) {
            this.connection = Objects.requireNonNull(connection, "connection");
            return this;
        }

        /**
         * Connects to a broker given as a URI, every other connection setting at its default;
         * short for {@code connection(MqttConnection.of(serverUri))}.
         *
         * @param serverUri {@code mqtt://host:port} or {@code mqtts://host:port}
         * @return this builder
         */
        public Builder serverUri(String serverUri) {
            return connection(MqttConnection.of(serverUri));
        }

        /**
         * Subscribes to a topic filter at the {@linkplain #qos(Qos) default QoS}. Wildcards
         * {@code +} and {@code #} and shared subscriptions {@code $share/group/filter} are
         * allowed.
         *
         * @param topicFilter the filter
         * @return this builder
         * @throws IllegalArgumentException if the filter is not a valid MQTT topic filter
         */
        public Builder subscribe(String topicFilter) {
            return subscribe(topicFilter, null);
        }

        /**
         * Subscribes to a topic filter at a QoS of its own.
         *
         * @param topicFilter the filter
         * @param qos the maximum QoS the broker delivers with on this filter
         * @return this builder
         * @throws IllegalArgumentException if the filter is not a valid MQTT topic filter
         */
        public Builder subscribe(String topicFilter, Qos qos) {
            Objects.requireNonNull(topicFilter, "topicFilter");
            String plain = topicFilter;
            if (topicFilter.startsWith("$share/")) {
                int slash = topicFilter.indexOf('/', "$share/".length());
                if (slash < 0 || slash == "$share/".length() || slash == topicFilter.length() - 1) {
                    throw new IllegalArgumentException("shared subscription '" + topicFilter
                            + "' must read $share/<group>/<filter>, as in $share/bridges/sensor/#");
                }
                plain = topicFilter.substring(slash + 1);
            }
            TopicFilter.of(plain); // validates, with a message that names the filter
            subscriptions.put(topicFilter, qos);
            return this;
        }

        /**
         * Sets the QoS of filters subscribed without one.
         *
         * @param qos default {@link Qos#AT_LEAST_ONCE}
         * @return this builder
         */
        public Builder qos(Qos qos) {
            this.qos = Objects.requireNonNull(qos, "qos");
            return this;
        }

        /**
         * Sets how many unacknowledged QoS 1/2 messages the broker may send before it waits
         * (MQTT 5 receive maximum; with MQTT 3.1.1 the broker's own in-flight limit applies). The
         * client also keeps at most this many QoS 0 messages the pipeline has not taken yet.
         *
         * @param receiveMaximum 1 to 65535; default {@value #DEFAULT_RECEIVE_MAXIMUM}, or
         *     {@value #DEFAULT_QOS0_RECEIVE_MAXIMUM} when every subscription is QoS 0
         * @return this builder
         */
        public Builder receiveMaximum(int receiveMaximum) {
            if (receiveMaximum < 1 || receiveMaximum > 65535) {
                throw new IllegalArgumentException("receiveMaximum must be 1 to 65535, was " + receiveMaximum);
            }
            this.receiveMaximum = receiveMaximum;
            return this;
        }

        /**
         * Names the source in logs and stats.
         *
         * @param name the name; default from the broker and filters
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Returns the source; it connects when a subscriber subscribes.
         *
         * @return the source
         * @throws IllegalArgumentException if no connection or no topic filter was given
         */
        public MqttSource build() {
            if (connection == null) {
                throw new IllegalArgumentException("MqttSource needs a broker: set connection(...) or "
                        + "serverUri(\"mqtt://host:1883\")");
            }
            if (subscriptions.isEmpty()) {
                throw new IllegalArgumentException("MqttSource needs at least one topic filter: "
                        + "subscribe(\"sensor/#\")");
            }
            subscriptions.replaceAll((f, q) -> q == null ? qos : q);
            if (receiveMaximum == 0) {
                boolean onlyQos0 = subscriptions.values().stream().allMatch(q -> q == Qos.AT_MOST_ONCE);
                receiveMaximum = onlyQos0 ? DEFAULT_QOS0_RECEIVE_MAXIMUM : DEFAULT_RECEIVE_MAXIMUM;
            }
            return new MqttSource(this);
        }
    }
}
