package dev.edgeflow.aws;

import dev.edgeflow.core.ConnectionAware;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.internal.Futures;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes messages to AWS IoT Core through an {@link AwsIotConnection}: QoS 1 by default, a
 * send completes at the broker's PUBACK.
 *
 * <p><b>Limits.</b> Under {@link AwsIotLimits#IOT_CORE} every message is checked before it is sent
 * (payload, topic length and levels, wildcards); one that can never pass completes with
 * {@link MessageRejectedException}, which a pipeline sends to its dead letter with the reason.
 * Publishes pass the connection's rate limiter (100 per second), so a burst waits instead of
 * being throttled or disconnected by the service.
 *
 * <p><b>Bounds.</b> At most {@code maxInFlight} publishes are handed to the connection at a time
 * (the CRT's own offline queue is unbounded, so it never holds more than that), at most
 * {@code maxQueued} more wait here, and a send beyond both fails at once with
 * {@link RejectedExecutionException}. While the connection is down, sends wait in the queue for
 * at most {@code offlineTimeout} (30 s), then fail with the connection's last failure so that the
 * pipeline retries, buffers or spools them.
 *
 * <p><b>Batching.</b> With {@link Builder#batching(int, Duration)}, messages to the same topic are
 * packed into one JSON array per publish, up to a byte size or a delay, so that a device sends
 * far more than 100 readings per second within IoT Core's per-connection publish limit. Every
 * payload must then be JSON; each send completes when its batch is acknowledged. Headers are
 * not carried in batching mode (a batch has one set of MQTT user properties). Give each route
 * its own sink to batch some topics and not others; sinks on one connection share its limiter.
 * Because a send completes only with its batch, a batch fills only as far as the caller keeps
 * sends outstanding: under a pipeline, raise {@code Pipeline.Builder.maxInFlight(sink, n)} (256
 * by default) and this sink's {@code maxQueued} to at least the readings of a full batch times
 * the topics batched (about 1 200 readings of 100 bytes fill 128 KB), or batches close on their
 * delay half empty.
 *
 * <pre>{@code
 * AwsIotSink sink = AwsIotSink.builder()
 *         .connection(connection)
 *         .batching(128 * 1024, Duration.ofMillis(500))
 *         .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class AwsIotSink implements Sink, ConnectionAware {
    private static final Logger LOG = LoggerFactory.getLogger(AwsIotSink.class);
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final AwsIotConnection connection;
    private final boolean ownsConnection;
    private final Qos qos;
    private final int maxInFlight;
    private final int maxQueued;
    private final String name;
    private final int batchBytes;
    private final Duration batchDelay;
    private final Duration closeTimeout;
    private final Duration offlineTimeout;
    private final List<FlushWaiter> flushWaiters = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    /** Publishes ready to go, in order; each is one message or one batch. */
    private final ArrayDeque<Publish> queue = new ArrayDeque<>();
    /** Open batches by topic, in batching mode. */
    private final Map<String, Batch> open = new HashMap<>();
    private final Set<Send> outstanding = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private final LongAdder published = new LongAdder();
    private final LongAdder publishes = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final AwsIotConnection.ConnectionListener listener;
    private int inFlight;
    private int queuedMessages;
    private volatile boolean up;
    private volatile boolean closed;

    private AwsIotSink(Builder b) {
        this.connection = b.connection;
        this.ownsConnection = b.ownsConnection;
        this.qos = b.qos;
        this.maxInFlight = b.maxInFlight;
        this.maxQueued = b.maxQueued;
        this.name = b.name != null ? b.name : "awsiot-sink-" + NAMES.incrementAndGet() + "[" + connection.clientId()
                + "]";
        this.batchBytes = b.batchBytes;
        this.batchDelay = b.batchDelay;
        this.closeTimeout = b.closeTimeout;
        this.offlineTimeout = b.offlineTimeout;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgeflow-awsiot-sink-" + name);
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(50, Math.min(1_000, offlineTimeout.toMillis() / 4));
        timer.scheduleWithFixedDelay(this::failExpired, period, period, TimeUnit.MILLISECONDS);
        connection.claimShared(name);
        this.listener = new AwsIotConnection.ConnectionListener() {
            @Override
            public void connected() {
                up = true;
                drain();
            }

            @Override
            public void disconnected(AwsIotException problem) {
                up = false;
            }
        };
        connection.addListener(listener);
    }

    /**
     * Starts a sink: QoS 1, {@code maxInFlight} 100, {@code maxQueued} 10 000, no batching.
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
     * Returns the connection.
     *
     * @return the connection this sink publishes on
     */
    public AwsIotConnection connection() {
        return connection;
    }

    /**
     * Tells whether the connection is up now: {@link AwsIotConnection#isConnected()}.
     *
     * @return {@code true} while connected
     */
    @Override
    public boolean isConnected() {
        return connection.isConnected();
    }

    /**
     * Returns the messages confirmed by the broker.
     *
     * @return the count; a batch counts each message in it
     */
    public long publishedCount() {
        return published.sum();
    }

    /**
     * Returns the MQTT publishes confirmed by the broker.
     *
     * @return the count; a batch counts once
     */
    public long publishCount() {
        return publishes.sum();
    }

    /**
     * Returns the messages that failed, rejected ones included.
     *
     * @return the count
     */
    public long failedCount() {
        return failed.sum();
    }

    /**
     * Returns the messages rejected for good (over a limit, not JSON in batching mode, refused
     * by the broker).
     *
     * @return the count
     */
    public long rejectedCount() {
        return rejected.sum();
    }

    /**
     * Publishes a message, or adds it to its topic's batch. Never blocks.
     *
     * @param message the message
     * @return completes at the broker's PUBACK (of its batch); exceptionally with
     *     {@link MessageRejectedException} if the message can never pass,
     *     {@link RejectedExecutionException} if the sink's bounds are full,
     *     {@link AwsIotException} if the publish failed and may be retried, or
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
        try {
            connection.limits().check(message);
            if (batchBytes > 0) {
                checkBatchable(message);
            }
        } catch (MessageRejectedException e) {
            rejected.increment();
            failed.increment();
            result.completeExceptionally(e);
            return result;
        }
        Send send = new Send(message, result);
        synchronized (lock) {
            if (queuedMessages >= maxQueued + (long) maxInFlight * (batchBytes > 0 ? 0 : 1)) {
                failed.increment();
                result.completeExceptionally(new RejectedExecutionException(name + " holds " + queuedMessages
                        + " messages waiting and " + inFlight + " publishes in flight, its bounds (maxQueued "
                        + maxQueued + ", maxInFlight " + maxInFlight + "); message " + message.id() + " was not "
                        + "taken: send through a pipeline, whose maxInFlight bounds the sends, or raise maxQueued"));
                return result;
            }
            queuedMessages++;
            outstanding.add(send);
            if (batchBytes > 0) {
                addToBatch(send);
            } else {
                queue.add(new Publish(message.topic(), null, List.of(send)));
            }
        }
        drain();
        return result;
    }

    private void checkBatchable(Message message) {
        if (!message.isJson()) {
            throw new MessageRejectedException("message " + message.id() + " on '" + message.topic() + "' is not "
                    + "JSON, and " + name + " packs messages into JSON arrays: send JSON, or use a sink without "
                    + "batching for this topic");
        }
        if (message.payloadSize() + 2 > batchBytes) {
            throw new MessageRejectedException("message " + message.id() + " on '" + message.topic() + "' has a "
                    + message.payloadSize() + "-byte payload, which does not fit a batch of at most " + batchBytes
                    + " bytes: raise the batch size or send it through a sink without batching");
        }
    }

    /** Holds the lock. */
    private void addToBatch(Send send) {
        String topic = send.message.topic();
        Batch batch = open.get(topic);
        int size = send.message.payloadSize();
        if (batch != null && batch.bytes + size + 1 > batchBytes) {
            closeBatch(batch);
            batch = null;
        }
        if (batch == null) {
            batch = new Batch(topic);
            open.put(topic, batch);
            Batch b = batch;
            batch.timer = timer.schedule(() -> {
                synchronized (lock) {
                    if (open.get(b.topic) == b) {
                        closeBatch(b);
                    }
                }
                drain();
            }, batchDelay.toNanos(), TimeUnit.NANOSECONDS);
        }
        batch.sends.add(send);
        batch.bytes += size + 1;
        if (batch.bytes >= batchBytes - 1) {
            closeBatch(batch);
        }
    }

    /** Holds the lock. */
    private void closeBatch(Batch batch) {
        open.remove(batch.topic);
        if (batch.timer != null) {
            batch.timer.cancel(false);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(batch.bytes + 1);
        out.write('[');
        for (int i = 0; i < batch.sends.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(batch.sends.get(i).message.payload());
        }
        out.write(']');
        queue.add(new Publish(batch.topic, out.toByteArray(), batch.sends));
    }

    /** Hands publishes to the connection while there is room in flight and the connection is up. */
    private void drain() {
        while (true) {
            Publish next;
            synchronized (lock) {
                if (!up || inFlight >= maxInFlight || queue.isEmpty()) {
                    return;
                }
                next = queue.poll();
                inFlight++;
            }
            start(next);
        }
    }

    private void start(Publish p) {
        CompletableFuture<Void> publish;
        if (p.payload == null) {
            Message m = p.sends.get(0).message;
            publish = connection.publish(m.topic(), m.payload(), qos, m.headers());
        } else {
            publish = connection.publish(p.topic, p.payload, qos);
        }
        publish.whenComplete((r, failure) -> finished(p, failure == null ? null : Futures.unwrap(failure)));
    }

    private void finished(Publish p, Throwable failure) {
        synchronized (lock) {
            inFlight--;
            queuedMessages -= p.sends.size();
        }
        if (failure == null) {
            publishes.increment();
        } else if (failure instanceof MessageRejectedException) {
            rejected.add(p.sends.size());
        }
        for (Send s : p.sends) {
            // a send that close() already failed stays failed, and is not counted twice
            if (failure == null) {
                if (s.result.complete(null)) {
                    published.increment();
                }
            } else if (s.result.completeExceptionally(failure)) {
                failed.increment();
            }
            settled(s);
        }
        drain();
    }

    /** After the send's result completed, so that a flush completes after the sends' own callbacks. */
    private void settled(Send s) {
        outstanding.remove(s);
        for (FlushWaiter w : flushWaiters) {
            if (w.settled(s)) {
                flushWaiters.remove(w);
            }
        }
    }

    /** Fails what has waited for a connection longer than the offline timeout. */
    private void failExpired() {
        if (up) {
            return;
        }
        long limit = System.nanoTime() - offlineTimeout.toNanos();
        List<Publish> expired = new ArrayList<>();
        synchronized (lock) {
            for (Batch b : new ArrayList<>(open.values())) {
                if (b.openedAt < limit) {
                    closeBatch(b);
                }
            }
            while (!queue.isEmpty() && queue.peek().queuedAt < limit) {
                Publish p = queue.poll();
                queuedMessages -= p.sends.size();
                expired.add(p);
            }
        }
        if (expired.isEmpty()) {
            return;
        }
        AwsIotException last = connection.lastFailure();
        AwsIotException problem = new AwsIotException(name + ": no connection to " + connection.endpoint() + ":"
                + connection.port() + " for " + offlineTimeout + (last != null ? " (" + last.getMessage() + ")" : "")
                + "; the message was not sent, the pipeline may retry it", last != null ? last.errorName() : null,
                false, last);
        for (Publish p : expired) {
            for (Send s : p.sends) {
                failed.increment();
                s.result.completeExceptionally(problem);
                settled(s);
            }
        }
    }

    /**
     * Publishes the open batches now and completes when every message sent before this call is
     * confirmed or failed.
     *
     * @return completes when they have settled; never exceptionally
     */
    @Override
    public CompletionStage<Void> flush() {
        synchronized (lock) {
            for (Batch b : new ArrayList<>(open.values())) {
                closeBatch(b);
            }
        }
        FlushWaiter waiter = new FlushWaiter(new ArrayList<>(outstanding));
        flushWaiters.add(waiter);
        if (waiter.check()) {
            flushWaiters.remove(waiter);
        }
        drain();
        return waiter.done;
    }

    /** Completes when every send it holds has settled. */
    private static final class FlushWaiter {
        final Set<Send> pending = ConcurrentHashMap.newKeySet();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        FlushWaiter(List<Send> sends) {
            pending.addAll(sends);
        }

        /** Per settled send: constant time, on the CRT's thread (a scan here made close quadratic). */
        boolean settled(Send s) {
            if (pending.remove(s) && pending.isEmpty()) {
                done.complete(null);
                return true;
            }
            return done.isDone();
        }

        /** Once, when the flush starts: drops what settled before the waiter was registered. */
        boolean check() {
            pending.removeIf(s -> s.result.isDone());
            if (pending.isEmpty()) {
                done.complete(null);
                return true;
            }
            return false;
        }
    }

    /**
     * Stops taking sends, publishes the open batches, waits up to {@code closeTimeout} for what is
     * outstanding, fails what is left with an {@link IllegalStateException}, and closes the
     * connection if this sink built it. Idempotent; blocks at most about {@code closeTimeout}.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            flush().toCompletableFuture().get(up ? closeTimeout.toMillis() : 0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: {} messages were still unconfirmed when the sink closed", name, outstanding.size());
        }
        IllegalStateException closedFirst = new IllegalStateException(name + " closed before the broker confirmed "
                + "the message");
        synchronized (lock) {
            queue.clear();
        }
        for (Send s : new ArrayList<>(outstanding)) {
            if (s.result.completeExceptionally(closedFirst)) {
                failed.increment();
            }
            settled(s);
        }
        connection.removeListener(listener);
        timer.shutdownNow();
        if (ownsConnection) {
            connection.close();
        }
    }

    @Override
    public String toString() {
        return "AwsIotSink[" + name + ", " + connection + (batchBytes > 0 ? ", batching " + batchBytes + " B / "
                + batchDelay.toMillis() + " ms" : "") + "]";
    }

    private static final class Send {
        final Message message;
        final CompletableFuture<Void> result;

        Send(Message message, CompletableFuture<Void> result) {
            this.message = message;
            this.result = result;
        }
    }

    /** One MQTT publish: one message, or one batch with its array payload. */
    private static final class Publish {
        final String topic;
        final byte[] payload;
        final List<Send> sends;

        final long queuedAt = System.nanoTime();

        Publish(String topic, byte[] payload, List<Send> sends) {
            this.topic = topic;
            this.payload = payload;
            this.sends = sends;
        }
    }

    private static final class Batch {
        final String topic;
        final List<Send> sends = new ArrayList<>();
        final long openedAt = System.nanoTime();
        int bytes = 1;
        ScheduledFuture<?> timer;

        Batch(String topic) {
            this.topic = topic;
        }
    }

    /**
     * Builds an {@link AwsIotSink}.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private AwsIotConnection connection;
        private boolean ownsConnection;
        private Qos qos = Qos.AT_LEAST_ONCE;
        private int maxInFlight = 100;
        private int maxQueued = 10_000;
        private String name;
        private int batchBytes;
        private Duration batchDelay;
        private Duration closeTimeout = Duration.ofSeconds(10);
        private Duration offlineTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /**
         * Sets the connection to publish on; it stays open when the sink closes.
         *
         * @param connection the connection; required
         * @return this builder
         */
        public Builder connection(AwsIotConnection connection) {
            this.connection = Objects.requireNonNull(connection, "connection");
            this.ownsConnection = false;
            return this;
        }

        /**
         * Sets a connection that the sink closes when it closes.
         *
         * @param connection the connection; required
         * @return this builder
         */
        public Builder ownConnection(AwsIotConnection connection) {
            this.connection = Objects.requireNonNull(connection, "connection");
            this.ownsConnection = true;
            return this;
        }

        /**
         * Sets the QoS of every publish.
         *
         * @param qos {@link Qos#AT_LEAST_ONCE} (default) or {@link Qos#AT_MOST_ONCE}; AWS IoT Core
         *     has no QoS 2
         * @return this builder
         */
        public Builder qos(Qos qos) {
            if (qos == Qos.EXACTLY_ONCE) {
                throw new IllegalArgumentException("qos EXACTLY_ONCE is not supported by AWS IoT Core: use "
                        + "AT_LEAST_ONCE (and idempotent consumers) or AT_MOST_ONCE");
            }
            this.qos = Objects.requireNonNull(qos, "qos");
            return this;
        }

        /**
         * Sets how many publishes may wait for their PUBACK at a time.
         *
         * @param maxInFlight 1..65535; 100 by default, AWS IoT Core's receive maximum
         * @return this builder
         */
        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1 || maxInFlight > 65_535) {
                throw new IllegalArgumentException("maxInFlight must be 1..65535, was " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /**
         * Sets how many messages may wait in the sink beyond those in flight (in open batches, for
         * the rate limiter, or while the connection is down).
         *
         * @param maxQueued at least 0; 10 000 by default
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
         * Packs messages to the same topic into one JSON-array publish.
         *
         * @param maxBytes the largest array, at most the connection's payload limit (128 KB for
         *     IoT Core); at least 64
         * @param maxDelay how long a message waits for its batch to fill; positive
         * @return this builder
         */
        public Builder batching(int maxBytes, Duration maxDelay) {
            if (maxBytes < 64) {
                throw new IllegalArgumentException("batching maxBytes must be at least 64, was " + maxBytes);
            }
            if (maxDelay == null || maxDelay.isNegative() || maxDelay.isZero()) {
                throw new IllegalArgumentException("batching maxDelay must be positive, was " + maxDelay);
            }
            this.batchBytes = maxBytes;
            this.batchDelay = maxDelay;
            return this;
        }

        /**
         * Sets how long {@link AwsIotSink#close()} waits for outstanding publishes.
         *
         * @param timeout 10 s by default
         * @return this builder
         */
        public Builder closeTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must not be negative, was " + timeout);
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Sets how long a send waits for the connection to come up before it fails with an
         * {@link AwsIotException} that carries the connection's last failure, so that the
         * pipeline can retry, buffer or spool it.
         *
         * @param timeout 30 s by default; positive
         * @return this builder
         */
        public Builder offlineTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("offlineTimeout must be positive, was " + timeout);
            }
            this.offlineTimeout = timeout;
            return this;
        }

        /**
         * Names the sink in logs, errors and pipeline statistics.
         *
         * @param name the name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Builds the sink.
         *
         * @return the sink
         * @throws IllegalArgumentException if no connection is set, or the batch size is over the
         *     connection's payload limit
         */
        public AwsIotSink build() {
            if (connection == null) {
                throw new IllegalArgumentException("connection is required: AwsIotSink.builder().connection("
                        + "AwsIotConnection.builder()...build())");
            }
            if (batchBytes > connection.limits().maxPayloadBytes()) {
                throw new IllegalArgumentException("batching maxBytes " + batchBytes + " is over the payload limit "
                        + connection.limits().maxPayloadBytes() + " of " + connection.limits() + ": use at most that");
            }
            return new AwsIotSink(this);
        }
    }
}
