package dev.edgeflow.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.core.ConnectionAware;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Source;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desired-state changes of a thing's Device Shadow as a {@link Source}, so that a pipeline
 * can drive actuators: each delta the service sends on
 * {@code $aws/things/<thing>/shadow[/name/<shadow>]/update/delta} becomes one message.
 *
 * <p>A message's topic is the delta topic, its payload the delta's {@code state} object (the
 * desired keys that differ from the reported ones, e.g. {@code {"fan":"on"}}), its timestamp the
 * service's, and its headers {@code shadow-version}, {@code thing-name} and, for a named shadow,
 * {@code shadow-name}.
 *
 * <p><b>Only the newest delta waits.</b> A desired state supersedes the ones before it, so while
 * the pipeline has no demand the source keeps the newest delta only and counts every one it
 * replaced ({@link #supersededCount()}); it never queues more than one. Deltas whose version is
 * not newer than one already handed out are dropped as repeats.
 *
 * <p><b>Catching up.</b> With {@link Builder#initialGet(boolean)} (the default) the source reads
 * the shadow once subscribed, and again whenever the connection comes back, and emits the
 * pending delta if there is one: a device that was offline while its desired state changed acts
 * on it when it returns.
 *
 * <p><b>Acknowledgement does nothing.</b> The service keeps the desired state itself until the
 * device reports matching state, so there is nothing to confirm and nothing to redeliver: a
 * delivery that is nacked is logged, and the same desired state comes back at the next catch-up
 * read. To mark a delta as done, report the new state with {@link DeviceShadow#updateReported(Object)}.
 *
 * <p>Subscribing starts the source: it subscribes to the delta topic without blocking;
 * {@link #ready()} tells when it is in place. One subscriber only. {@link #close()} completes the
 * subscriber and unsubscribes; the connection stays open unless {@link Builder#ownsConnection(boolean)}.
 *
 * @since 0.1.0
 */
public final class ShadowDeltaSource implements Source, ConnectionAware {
    private static final Logger LOG = LoggerFactory.getLogger(ShadowDeltaSource.class);

    private final AwsIotConnection connection;
    private final String thingName;
    private final String shadowName;
    private final String deltaTopic;
    private final boolean initialGet;
    private final boolean ownsConnection;
    private final String name;
    private final DeviceShadow shadow;
    private final ShadowSubscriptions subscriptions;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final LongAdder superseded = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private Flow.Subscriber<? super Delivery> subscriber;
    private long demand;
    private Message waiting;
    private long newestVersion = -1;
    private boolean emitting;
    private boolean terminated;
    private Throwable errorToSignal;
    private boolean completeToSignal;
    private boolean closed;

    private ShadowDeltaSource(Builder b) {
        this.connection = b.connection;
        this.thingName = b.thingName;
        this.shadowName = b.shadowName;
        this.deltaTopic = ShadowTopics.prefix(thingName, shadowName) + "/update/delta";
        this.initialGet = b.initialGet;
        this.ownsConnection = b.ownsConnection;
        this.name = b.name != null ? b.name : "shadow-delta[" + ShadowRejectedException.describe(thingName, shadowName)
                + " on " + connection.clientId() + "]";
        this.shadow = DeviceShadow.builder(connection, thingName).shadowName(shadowName).timeout(b.timeout).build();
        this.subscriptions = new ShadowSubscriptions(connection, name, this::onDelta, this::catchUp);
    }

    /**
     * Starts describing the delta source of a thing's classic shadow.
     *
     * @param connection the device's connection
     * @param thingName the thing
     * @return a builder: classic shadow, initial get on, timeout 10 s, connection not owned
     * @throws NullPointerException if {@code connection} is null
     */
    public static Builder builder(AwsIotConnection connection, String thingName) {
        return new Builder(Objects.requireNonNull(connection, "connection"), thingName);
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Tells whether the device's connection, over which the deltas come, is up now.
     *
     * @return {@code true} while connected
     */
    @Override
    public boolean isConnected() {
        return connection.isConnected();
    }

    /**
     * Returns false: a nacked delta is not emitted again at once; the service keeps the desired
     * state, and the next catch-up read brings it back.
     *
     * @return false
     */
    @Override
    public boolean redeliversOnNack() {
        return false;
    }

    /**
     * Returns the topic the deltas arrive on.
     *
     * @return {@code $aws/things/<thing>/shadow[/name/<shadow>]/update/delta}
     */
    public String deltaTopic() {
        return deltaTopic;
    }

    /**
     * Returns how many deltas were replaced by a newer one before the pipeline asked for them.
     *
     * @return the count since the source was built
     */
    public long supersededCount() {
        return superseded.sum();
    }

    /**
     * Returns how many deltas were handed to the pipeline.
     *
     * @return the count since the source was built
     */
    public long deliveredCount() {
        return delivered.sum();
    }

    /**
     * Returns a stage that completes once a subscriber has subscribed, the delta topic is
     * subscribed and, with {@link Builder#initialGet(boolean)}, the shadow has been read once
     * (whether or not the read succeeded: a failed read is logged as a warning).
     *
     * @return completes when deltas will reach the source; exceptionally if the broker refused
     *     the subscription
     */
    public CompletionStage<Void> ready() {
        return ready.copy();
    }

    /**
     * Waits until {@link #ready()}.
     *
     * @param timeout how long to wait
     * @throws AwsIotException if the subscription was refused, or it was not in place in time
     *     (with whether the connection is up)
     * @throws InterruptedException if interrupted
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof AwsIotException ? (AwsIotException) c
                    : new AwsIotException(name + " could not subscribe to " + deltaTopic + ": " + c, null, true, c);
        } catch (TimeoutException e) {
            throw new AwsIotException(name + " is not subscribed to " + deltaTopic + " after " + timeout
                    + (subscriber() == null ? ": nothing has subscribed to the source yet"
                    : connection.isConnected() ? ": the broker has not answered the subscription"
                    : ": the connection is down"), null, false, e);
        }
    }

    @Override
    public void subscribe(Flow.Subscriber<? super Delivery> s) {
        Objects.requireNonNull(s, "subscriber");
        boolean first;
        boolean alreadyClosed;
        lock.lock();
        try {
            first = subscriber == null && !closed;
            alreadyClosed = closed && subscriber == null;
            if (first) {
                subscriber = s;
            }
        } finally {
            lock.unlock();
        }
        if (!first) {
            s.onSubscribe(new Refused());
            if (alreadyClosed) {
                s.onComplete();
            } else {
                s.onError(new IllegalStateException(name + " accepts one subscriber and already has one"));
            }
            return;
        }
        s.onSubscribe(new DeltaSubscription());
        subscriptions.ensure(deltaTopic)
                .thenCompose(subscribed -> initialGet ? readPendingDelta() : CompletableFuture.completedFuture(null))
                .whenComplete((ok, failure) -> {
                    if (failure == null) {
                        ready.complete(null);
                        return;
                    }
                    Throwable cause = failure instanceof java.util.concurrent.CompletionException
                            && failure.getCause() != null ? failure.getCause() : failure;
                    ready.completeExceptionally(cause);
                    fail(cause);
                });
    }

    /**
     * Stops the source: unsubscribes from the delta topic, drops a delta still waiting, and
     * completes the subscriber. Closes the connection only if the source owns it. Idempotent;
     * does not block.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            waiting = null;
            completeToSignal = true;
        } finally {
            lock.unlock();
        }
        subscriptions.close();
        shadow.close();
        ready.completeExceptionally(new IllegalStateException(name + " was closed"));
        drain();
        if (ownsConnection) {
            connection.close();
        }
        LOG.debug("{}: closed ({} delivered, {} superseded)", name, delivered.sum(), superseded.sum());
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- arrivals ----

    /** On the connection's thread. */
    private void onDelta(Message raw) {
        JsonNode event = ShadowJson.readObject(raw.payload());
        if (event == null || !(event.get("state") instanceof ObjectNode) || !event.path("version").canConvertToLong()) {
            LOG.warn("{}: a message on {} that is not a shadow delta was ignored: {}", name, deltaTopic,
                    raw.payloadAsString());
            return;
        }
        offer((ObjectNode) event.get("state"), event.path("version").asLong(),
                Instant.ofEpochSecond(event.path("timestamp").asLong(Instant.now().getEpochSecond())));
    }

    private CompletableFuture<Void> readPendingDelta() {
        return shadow.getDocument().handle((document, failure) -> {
            if (failure != null) {
                LOG.warn("{}: reading the shadow to catch up on desired state failed; deltas still arrive as they "
                        + "come: {}", name, failure.getMessage());
            } else if (document.isPresent() && document.get().hasDelta()) {
                offer(document.get().delta(), document.get().version(), document.get().timestamp());
            }
            return null;
        });
    }

    private void catchUp() {
        if (initialGet) {
            LOG.debug("{}: connection back; reading the shadow for desired state missed meanwhile", name);
            readPendingDelta();
        }
    }

    private void offer(ObjectNode state, long version, Instant timestamp) {
        Message.Builder m = Message.builder(deltaTopic).payload(ShadowJson.write(state)).qos(Qos.AT_LEAST_ONCE)
                .timestamp(timestamp).header("shadow-version", Long.toString(version)).header("thing-name", thingName);
        if (shadowName != null) {
            m.header("shadow-name", shadowName);
        }
        Message message = m.build();
        lock.lock();
        try {
            if (closed || terminated || version <= newestVersion) {
                return;
            }
            newestVersion = version;
            if (waiting != null) {
                superseded.increment();
                LOG.debug("{}: delta version {} superseded by version {} before the pipeline asked for it", name,
                        waiting.header("shadow-version"), version);
            }
            waiting = message;
        } finally {
            lock.unlock();
        }
        drain();
    }

    private void fail(Throwable cause) {
        lock.lock();
        try {
            if (terminated || closed) {
                return;
            }
            errorToSignal = cause;
            waiting = null;
        } finally {
            lock.unlock();
        }
        drain();
    }

    private Flow.Subscriber<? super Delivery> subscriber() {
        lock.lock();
        try {
            return subscriber;
        } finally {
            lock.unlock();
        }
    }

    /** Signals one at a time, on whichever thread finds work; a request from inside onNext only adds demand. */
    private void drain() {
        lock.lock();
        try {
            if (emitting) {
                return;
            }
            emitting = true;
        } finally {
            lock.unlock();
        }
        while (true) {
            Runnable signal;
            lock.lock();
            try {
                signal = nextSignal();
                if (signal == null) {
                    emitting = false;
                    return;
                }
            } finally {
                lock.unlock();
            }
            signal.run();
        }
    }

    /** Under the lock. */
    private Runnable nextSignal() {
        Flow.Subscriber<? super Delivery> s = subscriber;
        if (s == null || terminated) {
            return null;
        }
        if (errorToSignal != null) {
            terminated = true;
            Throwable e = errorToSignal;
            return () -> s.onError(e);
        }
        if (waiting != null && demand > 0) {
            Message m = waiting;
            waiting = null;
            demand--;
            delivered.increment();
            return () -> s.onNext(Delivery.of(m, new Acknowledger()));
        }
        if (completeToSignal) {
            terminated = true;
            return s::onComplete;
        }
        return null;
    }

    private final class Acknowledger implements Delivery.Acknowledger {
        @Override
        public void ack(Delivery delivery) {
            // The service keeps desired state until the device reports it; nothing to confirm.
        }

        @Override
        public void nack(Delivery delivery, Throwable cause) {
            LOG.warn("{}: desired state {} (version {}) failed in the pipeline: {}; the service still holds it, and "
                    + "the next catch-up read brings it back", name, delivery.message().payloadAsString(),
                    delivery.message().header("shadow-version"), cause.toString());
        }
    }

    private final class DeltaSubscription implements Flow.Subscription {
        @Override
        public void request(long n) {
            lock.lock();
            try {
                if (terminated) {
                    return;
                }
                if (n <= 0) {
                    errorToSignal = new IllegalArgumentException(name + ": request(" + n + ") breaks Reactive "
                            + "Streams rule 3.9; request 1 or more");
                    waiting = null;
                } else {
                    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                }
            } finally {
                lock.unlock();
            }
            drain();
        }

        @Override
        public void cancel() {
            lock.lock();
            try {
                if (terminated) {
                    return;
                }
                terminated = true;
                waiting = null;
            } finally {
                lock.unlock();
            }
            subscriptions.close();
        }
    }

    /** The subscription handed to a subscriber that is refused; it does nothing. */
    private static final class Refused implements Flow.Subscription {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }

    /**
     * Describes a {@link ShadowDeltaSource}; {@link #build()} makes it.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final AwsIotConnection connection;
        private final String thingName;
        private String shadowName;
        private boolean initialGet = true;
        private boolean ownsConnection;
        private Duration timeout = Duration.ofSeconds(10);
        private String name;

        private Builder(AwsIotConnection connection, String thingName) {
            this.connection = connection;
            this.thingName = thingName;
        }

        /**
         * Follows a named shadow instead of the classic one.
         *
         * @param shadowName the shadow's name
         * @return this builder
         */
        public Builder shadowName(String shadowName) {
            this.shadowName = shadowName;
            return this;
        }

        /**
         * Reads the shadow when the source starts and whenever the connection comes back, and
         * emits the pending delta, so that desired state set while the device was offline is not
         * missed. On by default.
         *
         * @param initialGet false to emit only deltas that arrive while subscribed
         * @return this builder
         */
        public Builder initialGet(boolean initialGet) {
            this.initialGet = initialGet;
            return this;
        }

        /**
         * Sets how long the catch-up read waits for the service's answer. 10 seconds by default.
         *
         * @param timeout more than zero
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("ShadowDeltaSource timeout must be more than zero, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Makes {@link ShadowDeltaSource#close()} close the connection too, for a connection
         * built for this source only. Off by default.
         *
         * @param owns true to close the connection with the source
         * @return this builder
         */
        public Builder ownsConnection(boolean owns) {
            this.ownsConnection = owns;
            return this;
        }

        /**
         * Names the source in logs and stats.
         *
         * @param name a short name, never a secret
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Makes the source. Sends nothing until a subscriber subscribes.
         *
         * @return the source
         * @throws IllegalArgumentException if the thing or shadow name is empty, too long, or holds
         *     characters AWS IoT does not allow
         * @throws IllegalStateException if an {@link AwsIotSource} holds the connection alone
         */
        public ShadowDeltaSource build() {
            ShadowTopics.checkName("thing name", thingName);
            if (shadowName != null) {
                ShadowTopics.checkName("shadow name", shadowName);
            }
            return new ShadowDeltaSource(this);
        }
    }
}
