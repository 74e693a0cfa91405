package dev.edgeflow.aws;

import dev.edgeflow.core.ConnectionAware;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Source;
import dev.edgeflow.core.TopicFilter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives messages from AWS IoT Core subscriptions, at least once.
 *
 * <p><b>How acknowledgement works.</b> The CRT's Java client sends the PUBACK for a QoS 1 message
 * as soon as its message callback returns, and has no manual acknowledgement. So this source
 * holds the callback, on the connection's own event-loop thread, until the pipeline has demand,
 * has taken the message, and has acked it: only then does the broker get its PUBACK. A message
 * the process never acked (a crash, a lost connection) is sent again by the broker in the
 * rejoined session. A nacked message is offered to the pipeline again, with a growing pause,
 * while the broker still waits for its PUBACK. While the pipeline has no demand, the connection
 * reads nothing more, so demand reaches the network.
 *
 * <p>The cost: one message at a time per source, so throughput is one message per pipeline
 * round trip (thousands per second to a local sink, tens to a batching cloud sink). It suits
 * the downlink of a device (commands, configuration); for more, use several sources with their
 * own client ids and shared subscriptions, or the {@code edgeflow-mqtt} source, whose HiveMQ
 * client acknowledges manually with a window. Because it holds its connection's thread, a source
 * needs an {@link AwsIotConnection} of its own; {@link Builder#build()} refuses one that a sink
 * already uses.
 *
 * <p>When the pipeline cancels (it stops), the message in hand stays held until the pipeline
 * settles it while draining, and a message that arrives afterwards is held without being
 * offered; both wait for {@link #close()}, or for a lost connection, after which the broker sends
 * them again. At {@link #close()}, a message the pipeline has not settled within the close timeout
 * is released: the CRT acknowledges it on return, so it is counted and logged as a warning.
 *
 * @since 0.1.0
 */
public final class AwsIotSource implements Source, ConnectionAware {
    private static final Logger LOG = LoggerFactory.getLogger(AwsIotSource.class);
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final AwsIotConnection connection;
    private final boolean ownsConnection;
    private final Map<String, Qos> subscriptions;
    private final String name;
    private final Duration closeTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final LongAdder received = new LongAdder();
    private final LongAdder acknowledged = new LongAdder();
    private final LongAdder nacked = new LongAdder();
    private final LongAdder released = new LongAdder();
    private final List<AwsIotConnection.Subscription> handles = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private Flow.Subscriber<? super Delivery> subscriber;
    private long demand;
    private boolean cancelled;
    private boolean interrupted;
    private volatile boolean closed;
    private volatile long closeDeadline;

    private AwsIotSource(Builder b) {
        this.connection = b.connection;
        this.ownsConnection = b.ownsConnection;
        this.subscriptions = Map.copyOf(b.subscriptions);
        this.name = b.name != null ? b.name : "awsiot-source-" + NAMES.incrementAndGet() + "[" + connection.clientId()
                + " " + b.subscriptions.keySet() + "]";
        this.closeTimeout = b.closeTimeout;
        connection.claimExclusive(name);
    }

    /**
     * Starts a source; QoS 1 subscriptions by default.
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
     * Returns true: a nacked message is offered again, and the broker has not had its PUBACK.
     *
     * @return true
     */
    @Override
    public boolean redeliversOnNack() {
        return true;
    }

    /**
     * Returns the connection.
     *
     * @return the source's own connection
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
     * Returns a stage that completes once a pipeline has subscribed and the broker has accepted
     * every subscription.
     *
     * @return completes at the last SUBACK; exceptionally if a subscription was refused
     */
    public CompletionStage<Void> ready() {
        return ready.copy();
    }

    /**
     * Waits until {@link #ready()}.
     *
     * @param timeout how long to wait
     * @throws AwsIotException if a subscription was refused, or not ready in time (with the
     *     connection's last failure)
     * @throws InterruptedException if interrupted
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof AwsIotException ? (AwsIotException) c : new AwsIotException(name + ": " + c, null,
                    true, c);
        } catch (java.util.concurrent.TimeoutException e) {
            AwsIotException last = connection.lastFailure();
            throw new AwsIotException(name + " is not subscribed after " + timeout + (subscribed.get() ? ""
                    : " (no pipeline has subscribed to it yet)") + (last != null ? ": " + last.getMessage() : ""),
                    last != null ? last.errorName() : null, false, last);
        }
    }

    /**
     * Returns the messages received from the broker.
     *
     * @return the count; a redelivery after a nack is not counted again
     */
    public long receivedCount() {
        return received.sum();
    }

    /**
     * Returns the messages the pipeline acked.
     *
     * @return the count
     */
    public long acknowledgedCount() {
        return acknowledged.sum();
    }

    /**
     * Returns the nacks.
     *
     * @return the count
     */
    public long nackedCount() {
        return nacked.sum();
    }

    /**
     * Returns the messages released unsettled at close.
     *
     * @return the count; each was logged
     */
    public long releasedAtCloseCount() {
        return released.sum();
    }

    /**
     * Subscribes the pipeline (one subscriber only) and then the broker's subscriptions. A second
     * subscriber gets {@code onError} with an {@link IllegalStateException}; a refused
     * subscription ends the subscriber with {@code onError} naming the topic filter.
     *
     * @param s the subscriber
     */
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
            s.onError(new IllegalStateException(name + " already has a subscriber; a source feeds one pipeline"));
            return;
        }
        lock.lock();
        try {
            subscriber = s;
        } finally {
            lock.unlock();
        }
        s.onSubscribe(new Demand());
        if (closed) {
            s.onComplete();
            return;
        }
        for (Map.Entry<String, Qos> e : subscriptions.entrySet()) {
            connection.subscribe(e.getKey(), e.getValue(), this::onMessage).whenComplete((h, failure) -> {
                if (failure != null) {
                    ready.completeExceptionally(failure);
                    fail(failure);
                } else {
                    handles.add(h);
                    if (handles.size() == subscriptions.size()) {
                        ready.complete(null);
                    }
                }
            });
        }
    }

    private void fail(Throwable failure) {
        Flow.Subscriber<? super Delivery> s;
        lock.lock();
        try {
            s = cancelled || closed ? null : subscriber;
            cancelled = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (s != null) {
            s.onError(failure instanceof AwsIotException || failure instanceof IllegalArgumentException ? failure
                    : new AwsIotException(name + ": " + failure.getMessage(), null, false, failure));
        }
    }

    /** On the connection's event-loop thread; returning lets the CRT send the PUBACK. */
    private void onMessage(Message message) {
        received.increment();
        int attempt = 0;
        lock.lock();
        try {
            while (true) {
                while (demand == 0 && !closed && !cancelled && !interrupted) {
                    awaitChange();
                }
                if (closed || cancelled || interrupted) {
                    holdUntilClose(message);
                    return;
                }
                demand--;
                Settlement settlement = new Settlement();
                // under the lock, so that close() cannot signal onComplete between the check and onNext
                subscriber.onNext(attempt == 0 ? Delivery.of(message, settlement)
                        : Delivery.redelivery(message, settlement, attempt + 1));
                if (message.qos() == Qos.AT_MOST_ONCE) {
                    return;
                }
                // A cancel (Pipeline.stop) does not end this wait: the pipeline may still settle what
                // it holds while it drains. Only close() does, at its deadline.
                while (settlement.state == 0 && !pastCloseDeadline() && !interrupted) {
                    awaitChange();
                }
                if (settlement.state == 1) {
                    return;
                }
                if (settlement.state == 0) {
                    releaseAtClose(message);
                    return;
                }
                // nacked: offer it again after a pause that grows, still holding the PUBACK back
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(5_000,
                        100L << Math.min(attempt, 6)));
                while (!closed && !cancelled && !interrupted && System.nanoTime() < until) {
                    changed.awaitNanos(until - System.nanoTime());
                }
                attempt++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupted = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Holds the lock. A QoS 1 message the pipeline can no longer take is held, not returned:
     * returning lets the CRT acknowledge it. It is released at close; if the process ends or the
     * connection drops first, the broker sends it again.
     */
    private void holdUntilClose(Message message) {
        if (message.qos() == Qos.AT_MOST_ONCE) {
            return;
        }
        while (!closed && !interrupted) {
            awaitChange();
        }
        releaseAtClose(message);
    }

    /** Holds the lock. While closing, a message in hand still gets until the close deadline. */
    private boolean pastCloseDeadline() {
        return closed && System.nanoTime() >= closeDeadline;
    }

    private void awaitChange() {
        try {
            if (closed) {
                changed.awaitNanos(Math.max(1, closeDeadline - System.nanoTime()));
            } else {
                changed.await(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupted = true;
        }
    }

    private void releaseAtClose(Message message) {
        if (message.qos() == Qos.AT_MOST_ONCE) {
            return;
        }
        released.increment();
        LOG.warn("{}: message {} on '{}' was not settled by the pipeline before close or cancel; the CRT "
                + "acknowledges it to the broker on return, so it is not redelivered", name, message.id(),
                message.topic());
    }

    /**
     * Unsubscribes, waits up to the close timeout for the message in hand to be settled, completes
     * the subscriber, and closes the connection if the source built it. Idempotent; blocks at
     * most about the close timeout.
     */
    @Override
    public void close() {
        Flow.Subscriber<? super Delivery> s;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closeDeadline = System.nanoTime() + closeTimeout.toNanos();
            closed = true;
            s = cancelled ? null : subscriber;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (AwsIotConnection.Subscription h : handles) {
            try {
                h.unsubscribe().get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("{}: unsubscribe failed: {}", name, e.toString());
            }
        }
        if (s != null) {
            s.onComplete();
        }
        if (ownsConnection) {
            connection.close();
        }
    }

    @Override
    public String toString() {
        return "AwsIotSource[" + name + "]";
    }

    private final class Demand implements Flow.Subscription {
        @Override
        public void request(long n) {
            if (n <= 0) {
                fail(new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)"));
                return;
            }
            lock.lock();
            try {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void cancel() {
            lock.lock();
            try {
                cancelled = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** 0 open, 1 acked, 2 nacked. */
    private final class Settlement implements Delivery.Acknowledger {
        int state;

        @Override
        public void ack(Delivery delivery) {
            settle(1);
            acknowledged.increment();
        }

        @Override
        public void nack(Delivery delivery, Throwable cause) {
            settle(2);
            nacked.increment();
        }

        private void settle(int to) {
            lock.lock();
            try {
                if (state == 0) {
                    state = to;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Builds an {@link AwsIotSource}.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private AwsIotConnection connection;
        private boolean ownsConnection;
        private final Map<String, Qos> subscriptions = new LinkedHashMap<>();
        private String name;
        private Duration closeTimeout = Duration.ofSeconds(5);

        private Builder() {
        }

        /**
         * Sets the source's own connection; it stays open when the source closes.
         *
         * @param connection a connection no sink uses; required
         * @return this builder
         */
        public Builder connection(AwsIotConnection connection) {
            this.connection = Objects.requireNonNull(connection, "connection");
            this.ownsConnection = false;
            return this;
        }

        /**
         * Sets the source's own connection, closed when the source closes.
         *
         * @param connection a connection no sink uses; required
         * @return this builder
         */
        public Builder ownConnection(AwsIotConnection connection) {
            this.connection = Objects.requireNonNull(connection, "connection");
            this.ownsConnection = true;
            return this;
        }

        /**
         * Adds a QoS 1 subscription.
         *
         * @param topicFilter e.g. {@code device/rpi-01/commands/#}
         * @return this builder
         */
        public Builder subscribe(String topicFilter) {
            return subscribe(topicFilter, Qos.AT_LEAST_ONCE);
        }

        /**
         * Adds a subscription.
         *
         * @param topicFilter the filter
         * @param qos {@link Qos#AT_LEAST_ONCE} or {@link Qos#AT_MOST_ONCE}
         * @return this builder
         */
        public Builder subscribe(String topicFilter, Qos qos) {
            TopicFilter.of(topicFilter);
            if (qos == Qos.EXACTLY_ONCE) {
                throw new IllegalArgumentException("subscription '" + topicFilter + "': AWS IoT Core has no QoS 2; use "
                        + "AT_LEAST_ONCE");
            }
            subscriptions.put(topicFilter, Objects.requireNonNull(qos, "qos"));
            return this;
        }

        /**
         * Sets how long {@link AwsIotSource#close()} waits for the message in hand.
         *
         * @param timeout 5 s by default
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
         * Names the source in logs and pipeline statistics.
         *
         * @param name the name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Builds the source. It subscribes when a pipeline subscribes to it.
         *
         * @return the source
         * @throws IllegalArgumentException without a connection or a subscription
         * @throws IllegalStateException if the connection is used by a sink or another source
         */
        public AwsIotSource build() {
            if (connection == null) {
                throw new IllegalArgumentException("connection is required: a connection of the source's own");
            }
            if (subscriptions.isEmpty()) {
                throw new IllegalArgumentException("no subscription: add subscribe(\"topic/filter/#\")");
            }
            return new AwsIotSource(this);
        }
    }
}
