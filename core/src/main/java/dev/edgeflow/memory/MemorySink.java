package dev.edgeflow.memory;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * An in-process sink, for tests, examples and handing messages to application code.
 *
 * <p>It holds up to {@code capacity} messages for {@link #poll()} and {@link #take(Duration)}.
 * A send into a full sink is not refused: its completion waits until a taker makes room, which
 * is how a slow consumer pushes back on a pipeline. At most {@code capacity} sends may wait that
 * way; one more completes exceptionally with {@link IllegalStateException}. A
 * {@link #discarding(String) discarding} sink only counts. Thread-safe.
 *
 * @since 0.1.0
 */
public final class MemorySink implements Sink {
    private static final ConcurrentHashMap<String, MemorySink> NAMED = new ConcurrentHashMap<>();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final String name;
    private final int capacity;
    private final boolean discard;
    private final Function<? super Message, ? extends Throwable> failWith;
    private final ArrayDeque<Message> held = new ArrayDeque<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile boolean closed;

    private record Waiting(Message message, CompletableFuture<Void> completion) {
    }

    private MemorySink(Builder b) {
        this.name = b.name;
        this.capacity = b.capacity;
        this.discard = b.discard;
        this.failWith = b.failWith;
    }

    /**
     * Starts a sink with options.
     *
     * @param name a name for logs and stats
     * @return a builder
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Creates a sink that holds up to {@code capacity} messages.
     *
     * @param name a name for logs and stats
     * @param capacity how many messages it holds before sends wait
     * @return the sink
     */
    public static MemorySink create(String name, int capacity) {
        return builder(name).capacity(capacity).build();
    }

    /**
     * Creates a sink that confirms and counts every message and keeps none.
     *
     * @param name a name for logs and stats
     * @return the sink
     */
    public static MemorySink discarding(String name) {
        return builder(name).discarding().build();
    }

    /**
     * Returns the sink registered under a name, creating one with a capacity of 10 000 if there
     * is none. The {@code memory} connector scheme uses these; a sink leaves the registry when
     * closed.
     *
     * @param name the name
     * @return the sink
     */
    public static MemorySink named(String name) {
        return NAMED.computeIfAbsent(name, n -> create(n, 10_000));
    }

    @Override
    public CompletionStage<Void> send(Message message) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            failed.increment();
            return CompletableFuture.failedFuture(new IllegalStateException("memory sink '" + name + "' is closed"));
        }
        if (failWith != null) {
            Throwable failure = failWith.apply(message);
            if (failure != null) {
                failed.increment();
                return CompletableFuture.failedFuture(failure);
            }
        }
        if (discard) {
            accepted.increment();
            return DONE;
        }
        synchronized (this) {
            if (held.size() < capacity) {
                held.addLast(message);
                accepted.increment();
                notifyAll();
                return DONE;
            }
            if (waiting.size() >= capacity) {
                failed.increment();
                return CompletableFuture.failedFuture(new IllegalStateException("memory sink '" + name + "' holds "
                        + capacity + " messages and " + capacity + " more sends wait for room; take messages "
                        + "out with poll() or take(), or cap the sends in flight"));
            }
            CompletableFuture<Void> completion = new CompletableFuture<>();
            waiting.addLast(new Waiting(message, completion));
            return completion;
        }
    }

    /**
     * Removes the oldest held message, making room for a waiting send.
     *
     * @return the message, or {@code null} if none is held
     */
    public Message poll() {
        CompletableFuture<Void> release = null;
        Message m;
        synchronized (this) {
            m = held.pollFirst();
            if (m != null) {
                Waiting w = waiting.pollFirst();
                if (w != null) {
                    held.addLast(w.message());
                    accepted.increment();
                    release = w.completion();
                }
            }
        }
        if (release != null) {
            release.complete(null); // outside the lock: it runs the pipeline's callback
        }
        return m;
    }

    /**
     * Removes the oldest held message, waiting up to a timeout for one.
     *
     * @param timeout how long to wait
     * @return the message, or {@code null} on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public Message take(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            Message m = poll();
            if (m != null) {
                return m;
            }
            synchronized (this) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                if (held.isEmpty()) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            }
        }
    }

    /**
     * Removes and returns every held message.
     *
     * @return the messages, oldest first
     */
    public List<Message> drain() {
        List<Message> out = new ArrayList<>();
        Message m;
        while ((m = poll()) != null) {
            out.add(m);
        }
        return out;
    }

    /**
     * Returns the held messages without removing them.
     *
     * @return a copy, oldest first
     */
    public synchronized List<Message> messages() {
        return new ArrayList<>(held);
    }

    /**
     * Returns how many messages this sink confirmed.
     *
     * @return the count
     */
    public long accepted() {
        return accepted.sum();
    }

    /**
     * Returns how many sends this sink failed (closed, refused, or by the failure function).
     *
     * @return the count
     */
    public long failed() {
        return failed.sum();
    }

    /**
     * Returns how many sends wait for room.
     *
     * @return the count
     */
    public synchronized int waitingSends() {
        return waiting.size();
    }

    /**
     * Completes once every send made before this call has completed: at once, unless sends wait
     * for room, and then when a taker has made room for all of them or the sink was closed.
     *
     * @return completes normally, whether the waiting sends were taken or failed by close
     */
    @Override
    public CompletionStage<Void> flush() {
        CompletableFuture<?>[] pending;
        synchronized (this) {
            if (waiting.isEmpty()) {
                return DONE;
            }
            pending = waiting.stream().map(Waiting::completion).toArray(CompletableFuture<?>[]::new);
        }
        return CompletableFuture.allOf(pending).<Void>handle((ignored, failure) -> null);
    }

    @Override
    public String name() {
        return "memory:" + name;
    }

    /** Fails the sends that still wait for room, and any later send. */
    @Override
    public void close() {
        List<Waiting> abandoned;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            abandoned = new ArrayList<>(waiting);
            waiting.clear();
            notifyAll();
        }
        NAMED.remove(name, this);
        for (Waiting w : abandoned) {
            failed.increment();
            w.completion().completeExceptionally(new IllegalStateException("memory sink '" + name
                    + "' was closed while this send waited for room"));
        }
    }

    @Override
    public String toString() {
        return "MemorySink{" + name + ", accepted=" + accepted() + ", failed=" + failed() + "}";
    }

    /**
     * Builds a {@link MemorySink}.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final String name;
        private int capacity = 10_000;
        private boolean discard;
        private Function<? super Message, ? extends Throwable> failWith;

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("memory sink name is " + (name == null ? "null" : "blank")
                        + ": give a short name such as 'out'");
            }
            this.name = name;
        }

        /**
         * Sets how many messages the sink holds before sends wait.
         *
         * @param capacity at least 1; default 10 000
         * @return this builder
         */
        public Builder capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("memory sink capacity is " + capacity + ": use 1 or more");
            }
            this.capacity = capacity;
            return this;
        }

        /**
         * Makes the sink confirm and count every message and keep none.
         *
         * @return this builder
         */
        public Builder discarding() {
            this.discard = true;
            return this;
        }

        /**
         * Makes sends fail: for each message the function returns the failure, or {@code null}
         * to accept it. For testing retries and dead letters.
         *
         * @param failWith the failure for a message, or {@code null}
         * @return this builder
         */
        public Builder failWith(Function<? super Message, ? extends Throwable> failWith) {
            this.failWith = Objects.requireNonNull(failWith, "failWith");
            return this;
        }

        /**
         * Builds the sink.
         *
         * @return the sink
         */
        public MemorySink build() {
            return new MemorySink(this);
        }
    }
}
