package dev.edgeflow.memory;

import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Source;
import dev.edgeflow.core.internal.SerialCounter;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process source, for tests, examples and feeding a pipeline from application code.
 *
 * <p>Two kinds: {@link #create(String, int) queue} sources take messages through
 * {@link #offer(Message)} into a bounded queue until {@link #complete()}; {@link #of(String, Iterable)
 * iterable} sources pull from an iterable as demand allows and complete at its end. Both emit on
 * the thread that offers or requests, only as much as was requested, and keep count of acks and
 * nacks. A nacked message is delivered again, up to {@link Builder#maxDeliveries(int)} times in
 * all; after that it is given up, counted and logged. The source completes once its input has
 * ended and every delivery is settled.
 *
 * @since 0.1.0
 */
public final class MemorySource implements Source {
    private static final Logger LOG = LoggerFactory.getLogger(MemorySource.class);
    private static final ConcurrentHashMap<String, MemorySource> NAMED = new ConcurrentHashMap<>();
    private static final Flow.Subscription REJECTED = new Flow.Subscription() {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    };

    private final String name;
    private final BlockingQueue<Message> queue;
    private final Iterator<Message> iterator;
    private final int maxDeliveries;
    private final boolean redeliver;
    private final ConcurrentLinkedQueue<Delivery> redeliveries = new ConcurrentLinkedQueue<>();
    private final Delivery.Acknowledger acknowledger = new Acknowledger();

    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong requested = new AtomicLong();
    /**
     * Set once the input has run out; from then on every settlement wakes the drain loop, which
     * completes the subscriber when the last delivery is settled. Until then an ack costs one
     * counter increment and nothing else.
     */
    private volatile boolean inputExhausted;
    /** Written by the drain loop only. */
    private final SerialCounter delivered = new SerialCounter();
    private final LongAdder acked = new LongAdder();
    private final LongAdder nacked = new LongAdder();
    private final LongAdder givenUp = new LongAdder();
    private volatile Flow.Subscriber<? super Delivery> subscriber;
    private volatile boolean inputDone;
    private volatile boolean cancelled;
    private volatile boolean closed;
    private boolean terminated; // drain loop only
    private volatile Throwable lastNackCause;
    private volatile Throwable badRequest;

    private MemorySource(Builder b, Iterator<Message> iterator) {
        this.name = b.name;
        this.queue = iterator == null ? new ArrayBlockingQueue<>(b.capacity) : null;
        this.iterator = iterator;
        this.maxDeliveries = b.maxDeliveries;
        this.redeliver = b.maxDeliveries > 1;
    }

    /**
     * Starts a source with options.
     *
     * @param name a name for logs and stats
     * @return a builder
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Creates a queue source that takes messages through {@link #offer(Message)}.
     *
     * @param name a name for logs and stats
     * @param capacity how many offered messages it holds before {@code offer} refuses more
     * @return the source
     */
    public static MemorySource create(String name, int capacity) {
        return builder(name).capacity(capacity).build();
    }

    /**
     * Creates a source that emits the messages of an iterable, then completes.
     *
     * @param name a name for logs and stats
     * @param messages the messages; iterated lazily as demand allows
     * @return the source
     */
    public static MemorySource of(String name, Iterable<Message> messages) {
        return builder(name).build(messages);
    }

    /**
     * Creates a source that emits the given messages, then completes.
     *
     * @param messages the messages
     * @return the source, named {@code memory}
     */
    public static MemorySource of(Message... messages) {
        return of("memory", List.of(messages));
    }

    /**
     * Returns the queue source registered under a name, creating it with a capacity of 10 000
     * if there is none. The {@code memory} connector scheme uses these; a source leaves the
     * registry when closed.
     *
     * @param name the name
     * @return the source
     */
    public static MemorySource named(String name) {
        return NAMED.computeIfAbsent(name, n -> create(n, 10_000));
    }

    /**
     * Offers a message. Never blocks.
     *
     * @param message the message
     * @return {@code true} if taken; {@code false} if the queue is full or the source completed
     * @throws IllegalStateException if this is an iterable source
     */
    public boolean offer(Message message) {
        Objects.requireNonNull(message, "message");
        BlockingQueue<Message> q = requireQueue();
        if (inputDone || closed || !q.offer(message)) {
            return false;
        }
        drain();
        return true;
    }

    /**
     * Offers a message, waiting up to a timeout for room: the way a producer thread feels the
     * pipeline's backpressure.
     *
     * @param message the message
     * @param timeout how long to wait for room
     * @return {@code true} if taken; {@code false} on timeout or if the source completed
     * @throws InterruptedException if interrupted while waiting
     * @throws IllegalStateException if this is an iterable source
     */
    public boolean offer(Message message, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        BlockingQueue<Message> q = requireQueue();
        if (inputDone || closed || !q.offer(message, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        drain();
        return true;
    }

    private BlockingQueue<Message> requireQueue() {
        if (queue == null) {
            throw new IllegalStateException("memory source '" + name
                    + "' emits an iterable; create it with MemorySource.create(name, capacity) to offer messages");
        }
        return queue;
    }

    /** Ends the input: the source completes once what was offered is delivered and settled. */
    public void complete() {
        inputDone = true;
        drain();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super Delivery> s) {
        Objects.requireNonNull(s, "subscriber");
        Flow.Subscription subscription = new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (n <= 0) {
                    // Signalled from the drain loop, so that it is serial with onNext and sent at
                    // most once, never after onComplete (rules 1.3 and 1.7).
                    if (badRequest == null) {
                        badRequest = new IllegalArgumentException("request(" + n + ") of memory source '" + name
                                + "': demand must be positive (Reactive Streams rule 3.9)");
                    }
                    cancelled = true;
                    drain();
                    return;
                }
                requested.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                drain();
            }

            @Override
            public void cancel() {
                cancelled = true;
            }
        };
        synchronized (this) {
            if (subscriber != null) {
                // Its own do-nothing subscription: the rejected subscriber must not reach the
                // demand or cancellation of the one that is subscribed.
                s.onSubscribe(REJECTED);
                s.onError(new IllegalStateException("memory source '" + name + "' already has a subscriber"));
                return;
            }
            subscriber = s;
        }
        s.onSubscribe(subscription);
        drain();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Flow.Subscriber<? super Delivery> s = subscriber;
            if (s != null && !terminated) {
                Throwable error = badRequest;
                if (error != null) {
                    terminated = true;
                    s.onError(error);
                } else if (closed || cancelled) {
                    if (!cancelled) {
                        terminated = true;
                        s.onComplete();
                    }
                } else {
                    long r = requested.get();
                    long emitted = 0;
                    while (emitted != r && !cancelled) {
                        Delivery d = next();
                        if (d == null) {
                            break;
                        }
                        delivered.increment();
                        s.onNext(d);
                        emitted++;
                    }
                    if (emitted > 0 && r != Long.MAX_VALUE) {
                        requested.addAndGet(-emitted);
                    }
                    if (!inputExhausted && inputEnded()) {
                        inputExhausted = true; // before counting what is settled, see the Acknowledger
                    }
                    if (!cancelled && inputExhausted && inputEnded() && redeliveries.isEmpty() && unsettled() == 0) {
                        terminated = true;
                        s.onComplete();
                    }
                }
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private Delivery next() {
        Delivery again = redeliveries.poll();
        if (again != null) {
            return again;
        }
        Message m;
        if (iterator != null) {
            m = iterator.hasNext() ? iterator.next() : null;
        } else {
            m = queue.poll();
        }
        return m == null ? null : Delivery.of(m, acknowledger);
    }

    private boolean inputEnded() {
        return iterator != null ? !iterator.hasNext() : inputDone && queue.isEmpty();
    }

    private final class Acknowledger implements Delivery.Acknowledger {
        @Override
        public void ack(Delivery delivery) {
            acked.increment();
            // An ack makes no new demand; it matters to the drain loop only near completion.
            // The increment comes before the read of the flag, and the drain loop writes the flag
            // before it counts: one of the two sides always sees the other.
            if (inputExhausted) {
                drain();
            }
        }

        @Override
        public void nack(Delivery delivery, Throwable cause) {
            nacked.increment();
            lastNackCause = cause;
            if (redeliver && delivery.attempt() < maxDeliveries && !closed) {
                redeliveries.add(Delivery.redelivery(delivery.message(), this, delivery.attempt() + 1));
            } else {
                givenUp.increment();
                LOG.warn("memory source '{}' gives up message {} after {} deliveries: {}", name,
                        delivery.message().id(), delivery.attempt(), cause.toString());
            }
            drain();
        }
    }

    /**
     * Returns how many deliveries were emitted, redeliveries included.
     *
     * @return the count
     */
    public long delivered() {
        return delivered.get();
    }

    /**
     * Returns how many deliveries were acked.
     *
     * @return the count
     */
    public long acked() {
        return acked.sum();
    }

    /**
     * Returns how many deliveries were nacked.
     *
     * @return the count
     */
    public long nacked() {
        return nacked.sum();
    }

    /**
     * Returns how many messages were nacked on their last allowed delivery and given up.
     *
     * @return the count
     */
    public long givenUp() {
        return givenUp.sum();
    }

    /**
     * Returns how many emitted deliveries are not yet acked or nacked.
     *
     * @return the count
     */
    public long unsettled() {
        // Settled is read between two reads of delivered that agree, so the result lies between
        // the true counts at the start and at the end of the read.
        long before = delivered.get();
        for (int tries = 0;; tries++) {
            long settled = acked.sum() + nacked.sum();
            long after = delivered.get();
            if (after == before || tries == 100) {
                return Math.max(0, after - settled);
            }
            before = after;
        }
    }

    /**
     * Returns the demand the subscriber has requested and not yet received.
     *
     * @return the outstanding demand
     */
    public long outstandingDemand() {
        return requested.get();
    }

    /**
     * Returns the cause of the latest nack.
     *
     * @return the cause, or {@code null} if nothing was nacked
     */
    public Throwable lastNackCause() {
        return lastNackCause;
    }

    /**
     * Returns how many offered messages wait to be requested.
     *
     * @return the count; 0 for an iterable source
     */
    public int queued() {
        return queue == null ? 0 : queue.size();
    }

    @Override
    public String name() {
        return "memory:" + name;
    }

    @Override
    public boolean redeliversOnNack() {
        return redeliver;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        inputDone = true;
        NAMED.remove(name, this);
        drain();
    }

    @Override
    public String toString() {
        return "MemorySource{" + name + ", delivered=" + delivered() + ", acked=" + acked() + ", nacked=" + nacked() + "}";
    }

    /**
     * Builds a {@link MemorySource}.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final String name;
        private int capacity = 10_000;
        private int maxDeliveries = 10;

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("memory source name is " + (name == null ? "null" : "blank")
                        + ": give a short name such as 'sensors'");
            }
            this.name = name;
        }

        /**
         * Sets how many offered messages the queue holds.
         *
         * @param capacity at least 1; default 10 000
         * @return this builder
         */
        public Builder capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("memory source capacity is " + capacity + ": use 1 or more");
            }
            this.capacity = capacity;
            return this;
        }

        /**
         * Sets how many times in all a message is delivered while it keeps being nacked.
         *
         * @param maxDeliveries at least 1; 1 turns redelivery off; default 10
         * @return this builder
         */
        public Builder maxDeliveries(int maxDeliveries) {
            if (maxDeliveries < 1) {
                throw new IllegalArgumentException("memory source maxDeliveries is " + maxDeliveries
                        + ": use 1 for no redelivery or more");
            }
            this.maxDeliveries = maxDeliveries;
            return this;
        }

        /**
         * Builds a queue source.
         *
         * @return the source
         */
        public MemorySource build() {
            return new MemorySource(this, null);
        }

        /**
         * Builds a source that emits the messages of an iterable, then completes.
         *
         * @param messages the messages
         * @return the source
         */
        public MemorySource build(Iterable<Message> messages) {
            return new MemorySource(this, Objects.requireNonNull(messages, "messages").iterator());
        }
    }
}
