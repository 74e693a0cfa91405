package dev.edgeflow.mqtt;

import com.hivemq.client.mqtt.exceptions.MqttEncodeException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3MessageException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import dev.edgeflow.core.ConnectionAware;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.internal.Futures;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes messages to an MQTT broker. A send completes when the broker has the message: at
 * the PUBACK for QoS 1, the PUBCOMP for QoS 2, once written for QoS 0.
 *
 * <p>At most {@linkplain Builder#maxInFlight(int) maxInFlight} publishes are handed to the
 * client at once (the client has no bound of its own); further sends wait in a queue of at most
 * {@linkplain Builder#maxQueued(int) maxQueued}, and beyond that fail at once with a
 * {@link RejectedExecutionException}, so memory stays bounded even without a pipeline in front.
 * In a pipeline, keep the pipeline's {@code maxInFlight} for this sink at or below the sink's.
 *
 * <p>QoS is the message's unless {@link Builder#qos(Qos)} fixes one; a message with header
 * {@link MqttHeaders#RETAIN} {@code "true"} is published retained; other headers become MQTT 5
 * user properties. The broker's refusal of one message (not authorized, invalid topic, too
 * large) completes its send with a {@link MessageRejectedException}, which the pipeline sends to
 * the dead letter; a lost connection completes sends with an {@link MqttConnectionException},
 * which it retries.
 *
 * <p>The sink connects when it is built, without waiting; sends made before the connection is up
 * wait for it. While the connection is down and reconnect is on, the client keeps QoS 1/2
 * publishes in flight and sends them again after reconnecting.
 *
 * @since 0.1.0
 */
public final class MqttSink implements Sink, ConnectionAware {
    private static final Logger LOG = LoggerFactory.getLogger(MqttSink.class);
    /** The in-flight bound used unless set. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;
    /** The queue bound used unless set. */
    public static final int DEFAULT_MAX_QUEUED = 10_000;

    private final MqttConnection connection;
    private final Qos qos;
    private final boolean retain;
    private final int maxInFlight;
    private final int maxQueued;
    private final String name;
    private final ClientSession session;
    private final CompletableFuture<Void> connected;
    private final Object lock = new Object();
    private final ArrayDeque<Send> queue = new ArrayDeque<>();
    private final ArrayDeque<Send> ready = new ArrayDeque<>();
    private final Set<Send> outstanding = ConcurrentHashMap.newKeySet();
    private final List<FlushWaiter> flushWaiters = new CopyOnWriteArrayList<>();
    private final AtomicInteger drainWip = new AtomicInteger();
    private final LongAdder published = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private int inFlight;
    private boolean up;
    private final Object closeLock = new Object();
    private volatile boolean closed;
    private volatile MqttConnectionException fatal;

    private MqttSink(Builder b) {
        this.connection = b.connection;
        this.qos = b.qos;
        this.retain = b.retain;
        this.maxInFlight = b.maxInFlight;
        this.maxQueued = b.maxQueued;
        this.name = b.name != null ? b.name : "mqtt-sink[" + connection.serverUri() + "]";
        this.session = ClientSession.create(connection, MqttSource.DEFAULT_RECEIVE_MAXIMUM, new ClientSession.Listener() {
            @Override
            public void connected() {
                LOG.debug("{}: connected", name);
            }

            @Override
            public void disconnected(MqttConnectionException problem, boolean reconnecting) {
                if (!reconnecting && !closed) {
                    fatal = problem;
                    LOG.error("{}: {}", name, problem.getMessage());
                }
            }
        });
        this.connected = session.connect().whenComplete((v, failure) -> {
            if (failure == null) {
                LOG.info("{}: connected as {}", name, connection.clientId());
                onConnected();
            } else {
                fatal = ConnectionErrors.describe(connection, Futures.unwrap(failure));
                LOG.error("{}: {}", name, fatal.getMessage());
                onConnectFailed(fatal);
            }
        });
    }

    /**
     * Starts a sink: the message's QoS, no retain, in flight {@value #DEFAULT_MAX_IN_FLIGHT},
     * queue {@value #DEFAULT_MAX_QUEUED}.
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
     * Returns the connection settings.
     *
     * @return the settings
     */
    public MqttConnection connection() {
        return connection;
    }

    /**
     * Completes once connected; fails with an {@link MqttConnectionException} if the first
     * connection cannot be made (refused credentials, TLS failure, or any failure with reconnect
     * off). While the broker is unreachable and reconnect is on, it waits.
     *
     * @return the stage
     */
    public CompletionStage<Void> ready() {
        return connected.copy();
    }

    /**
     * Waits until {@link #ready()} completes.
     *
     * @param timeout how long to wait
     * @throws MqttConnectionException if connecting failed or did not finish in time
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
        ClientSession.await(connected, timeout, connection,
                () -> name + " is not connected after " + timeout.toMillis() + " ms");
    }

    /**
     * Tells whether the client is connected now.
     *
     * @return {@code true} if connected
     */
    @Override
    public boolean isConnected() {
        return session.isConnected();
    }

    /**
     * Returns how many sends the broker confirmed.
     *
     * @return the count
     */
    public long publishedCount() {
        return published.sum();
    }

    /**
     * Returns how many sends completed exceptionally.
     *
     * @return the count
     */
    public long failedCount() {
        return failed.sum();
    }

    /**
     * Returns how many publishes are with the client or the broker, unconfirmed.
     *
     * @return the count
     */
    public int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    /**
     * Publishes a message. Never blocks: the send waits in the bounded queue when
     * {@code maxInFlight} publishes are unconfirmed.
     *
     * @param message the message
     * @return completes at the broker's confirmation; exceptionally with
     *     {@link MessageRejectedException} if the broker refused this message,
     *     {@link MqttConnectionException} if the connection failed for good,
     *     {@link RejectedExecutionException} if the queue is full, or
     *     {@link IllegalStateException} after {@link #close()}
     */
    @Override
    public CompletionStage<Void> send(Message message) {
        Objects.requireNonNull(message, "message");
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException(name + " is closed; message " + message.id()
                    + " was not sent"));
            return result;
        }
        MqttConnectionException problem = fatal;
        if (problem != null) {
            failed.increment();
            result.completeExceptionally(problem);
            return result;
        }
        Send send = new Send(message, result);
        synchronized (lock) {
            if (up && inFlight < maxInFlight && queue.isEmpty()) {
                inFlight++;
                ready.add(send);
            } else if (queue.size() + inFlight < maxQueued + maxInFlight) {
                // before the first connection, the in-flight slots wait in the queue too
                queue.add(send);
            } else {
                failed.increment();
                result.completeExceptionally(new RejectedExecutionException(name + " has " + inFlight
                        + " publishes in flight and " + queue.size() + " queued, its bounds (maxInFlight "
                        + maxInFlight + ", maxQueued " + maxQueued + "); message " + message.id()
                        + " was not taken: send through a pipeline, whose maxInFlight bounds the sends, "
                        + "or raise maxQueued"));
                return result;
            }
            outstanding.add(send);
        }
        publishReady();
        return result;
    }

    /** The connection is up: what waited for it goes out, in the order it was sent. */
    private void onConnected() {
        synchronized (lock) {
            up = true;
            admitQueued();
        }
        publishReady();
    }

    /** The first connection failed for good: every waiting send fails with the reason. */
    private void onConnectFailed(MqttConnectionException problem) {
        List<Send> waiting;
        synchronized (lock) {
            waiting = new ArrayList<>(queue);
            queue.clear();
        }
        for (Send send : waiting) {
            failed.increment();
            send.result.completeExceptionally(problem);
            settled(send);
        }
    }

    /** Moves queued sends to the ready list while there is room in flight. Holds the lock. */
    private void admitQueued() {
        while (up && inFlight < maxInFlight && !queue.isEmpty()) {
            inFlight++;
            ready.add(queue.poll());
        }
    }

    /**
     * Hands the ready sends to the client, one thread at a time and in the order they were
     * admitted, so that messages go out in the order they were sent.
     */
    private void publishReady() {
        if (drainWip.getAndIncrement() != 0) {
            return;
        }
        do {
            while (true) {
                Send next;
                synchronized (lock) {
                    next = ready.poll();
                }
                if (next == null) {
                    break;
                }
                publish(next);
            }
        } while (drainWip.decrementAndGet() != 0);
    }

    private void publish(Send send) {
        Message message = send.message;
        Qos level = qos != null ? qos : message.qos();
        boolean retained = retain || "true".equals(message.header(MqttHeaders.RETAIN));
        CompletableFuture<?> publish;
        try {
            publish = session.publish(message.topic(), message.payload(), level, retained, message.headers());
        } catch (RuntimeException e) {
            finished(send, rejectedOrFailed(Futures.unwrap(e), message));
            return;
        }
        publish.whenComplete((r, failure) -> finished(send,
                failure == null ? null : rejectedOrFailed(Futures.unwrap(failure), message)));
    }

    private void finished(Send send, Throwable failure) {
        synchronized (lock) {
            inFlight--;
            admitQueued();
        }
        if (failure == null) {
            published.increment();
            send.result.complete(null);
        } else {
            failed.increment();
            send.result.completeExceptionally(failure);
        }
        settled(send);
        publishReady();
    }

    /** Marks a send settled once its own callbacks have run, so flush() completes after them. */
    private void settled(Send send) {
        send.settled = true;
        outstanding.remove(send);
        if (!flushWaiters.isEmpty()) {
            for (FlushWaiter w : flushWaiters) {
                if (w.check()) {
                    flushWaiters.remove(w);
                }
            }
        }
    }

    private Throwable rejectedOrFailed(Throwable failure, Message message) {
        String reason = null;
        if (failure instanceof Mqtt5PubAckException) {
            var code = ((Mqtt5PubAckException) failure).getMqttMessage().getReasonCode();
            reason = permanentReason(code.name()) ? code.name() : null;
            if (reason == null) {
                return new MqttConnectionException(connection.serverUri(), "MQTT broker " + connection.serverUri()
                        + " did not accept message " + message.id() + " on '" + message.topic() + "' for now: " + code,
                        false, failure);
            }
        } else if (failure instanceof Mqtt5PubRecException) {
            var code = ((Mqtt5PubRecException) failure).getMqttMessage().getReasonCode();
            reason = permanentReason(code.name()) ? code.name() : null;
            if (reason == null) {
                return new MqttConnectionException(connection.serverUri(), "MQTT broker " + connection.serverUri()
                        + " did not accept message " + message.id() + " on '" + message.topic() + "' for now: " + code,
                        false, failure);
            }
        } else if (failure instanceof MqttEncodeException) {
            reason = failure.getMessage();
        } else if (failure instanceof Mqtt3MessageException) {
            reason = failure.getMessage();
        } else if (failure instanceof IllegalArgumentException) {
            reason = failure.getMessage();
        }
        if (reason != null) {
            return new MessageRejectedException("MQTT broker " + connection.serverUri() + " refused message "
                    + message.id() + " on '" + message.topic() + "' (" + message.payloadSize() + " bytes): " + reason,
                    failure);
        }
        return ConnectionErrors.describe(connection, failure);
    }

    private static boolean permanentReason(String code) {
        switch (code) {
            case "NOT_AUTHORIZED":
            case "TOPIC_NAME_INVALID":
            case "PAYLOAD_FORMAT_INVALID":
            case "PACKET_IDENTIFIER_IN_USE":
                return true;
            default:
                return false;
        }
    }

    /**
     * Completes when every send made before this call has completed, normally or not, and the
     * callbacks registered on those sends have run.
     *
     * @return the stage
     */
    @Override
    public CompletionStage<Void> flush() {
        FlushWaiter waiter = new FlushWaiter(new ArrayList<>(outstanding));
        if (!waiter.check()) {
            flushWaiters.add(waiter);
            if (waiter.check()) { // a send settled between the first check and the add
                flushWaiters.remove(waiter);
            }
        }
        return waiter.done;
    }

    /**
     * Stops taking sends, waits up to ten seconds for those in flight and queued (not at all if
     * the sink never connected), fails what is left with an {@link IllegalStateException}, then
     * disconnects. Idempotent; blocks for at
     * most about fifteen seconds.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        boolean everConnected;
        synchronized (lock) {
            everConnected = up;
        }
        try {
            // Without a first connection nothing can complete; waiting would only delay close().
            flush().toCompletableFuture().get(everConnected ? 10 : 0, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: {} sends were still unconfirmed when the sink closed", name, outstanding.size());
        }
        IllegalStateException closedBeforeConfirm = new IllegalStateException(name
                + " closed before the broker confirmed the message");
        synchronized (lock) {
            queue.clear();
        }
        for (Send send : new ArrayList<>(outstanding)) {
            if (send.result.completeExceptionally(closedBeforeConfirm)) {
                failed.increment();
            }
            settled(send);
        }
        try {
            session.close().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: disconnect did not finish cleanly: {}", name, e.toString());
        }
    }

    @Override
    public String toString() {
        return "MqttSink[" + name + ", " + connection + "]";
    }

    /** One send, from the call to its settlement. */
    private static final class Send {
        final Message message;
        final CompletableFuture<Void> result;
        volatile boolean settled;

        Send(Message message, CompletableFuture<Void> result) {
            this.message = message;
            this.result = result;
        }
    }

    /** A flush: done once every send it saw has settled. Sends settle roughly in order. */
    private static final class FlushWaiter {
        final List<Send> sends;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private int next;

        FlushWaiter(List<Send> sends) {
            this.sends = sends;
        }

        synchronized boolean check() {
            while (next < sends.size() && sends.get(next).settled) {
                next++;
            }
            if (next < sends.size()) {
                return false; // checked again when that send settles
            }
            done.complete(null);
            return true;
        }
    }

    /**
     * Builds an {@link MqttSink}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private MqttConnection connection;
        private Qos qos;
        private boolean retain;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private int maxQueued = DEFAULT_MAX_QUEUED;
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
         * Connects to a broker given as a URI, every other connection setting at its default.
         *
         * @param serverUri {@code mqtt://host:port} or {@code mqtts://host:port}
         * @return this builder
         */
        public Builder serverUri(String serverUri) {
            return connection(MqttConnection.of(serverUri));
        }

        /**
         * Publishes every message at this QoS instead of the message's own.
         *
         * @param qos the QoS, or {@code null} for the message's (the default)
         * @return this builder
         */
        public Builder qos(Qos qos) {
            this.qos = qos;
            return this;
        }

        /**
         * Publishes every message retained.
         *
         * @param retain default {@code false}; a message with header {@link MqttHeaders#RETAIN}
         *     {@code "true"} is retained either way
         * @return this builder
         */
        public Builder retain(boolean retain) {
            this.retain = retain;
            return this;
        }

        /**
         * Sets how many publishes may be unconfirmed at once.
         *
         * @param maxInFlight 1 to 65535; default {@value #DEFAULT_MAX_IN_FLIGHT}
         * @return this builder
         */
        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1 || maxInFlight > 65535) {
                throw new IllegalArgumentException("maxInFlight must be 1 to 65535, was " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /**
         * Sets how many sends may wait for an in-flight slot before sends are refused.
         *
         * @param maxQueued 0 or more; default {@value #DEFAULT_MAX_QUEUED}
         * @return this builder
         */
        public Builder maxQueued(int maxQueued) {
            if (maxQueued < 0) {
                throw new IllegalArgumentException("maxQueued must not be negative, was " + maxQueued);
            }
            this.maxQueued = maxQueued;
            return this;
        }

        /**
         * Names the sink in logs and stats.
         *
         * @param name the name; default from the broker
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Returns the sink and starts connecting without waiting.
         *
         * @return the sink
         * @throws IllegalArgumentException if no connection was given
         */
        public MqttSink build() {
            if (connection == null) {
                throw new IllegalArgumentException("MqttSink needs a broker: set connection(...) or "
                        + "serverUri(\"mqtt://host:1883\")");
            }
            return new MqttSink(this);
        }
    }
}
