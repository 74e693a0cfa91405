package dev.edgeflow.timeseries;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Sink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes readings into a {@link TimeSeriesStore} in batches, and completes each send only when its
 * batch is committed.
 *
 * <pre>{@code
 * JdbcTimeSeriesStore store = JdbcTimeSeriesStore.h2(Path.of("/var/lib/edgeflow/readings"));
 * TimeSeriesSink sink = TimeSeriesSink.builder(store).maxBatchSize(500).maxBatchDelay(Duration.ofMillis(200)).build();
 * Pipeline.from(sensors).to(sink).start();
 * }</pre>
 *
 * <p><b>How a send ends.</b> A message is parsed at once by the {@link ReadingParser}; one that
 * breaks its rules completes with {@link MessageRejectedException} (the pipeline dead-letters
 * it with the reason). The rest wait, at most {@link Builder#maxPending(int)} of them, for a
 * writer thread of the sink's own, which commits them in batches of up to
 * {@link Builder#maxBatchSize(int)}, waiting at most {@link Builder#maxBatchDelay(Duration)} to
 * fill one. When the store commits, each send of the batch completes normally. When it fails
 * with a retryable {@link TimeSeriesException} (the database is down), each send completes
 * with that exception and the pipeline retries it with backoff. When it fails for good, the
 * batch is written again one reading at a time, so that only the readings the store refuses
 * are rejected and the others are stored.
 *
 * <p><b>Under load</b> {@code send} never blocks: with {@code maxPending} readings waiting it
 * completes at once, exceptionally and retryably, and the pipeline's in-flight cap (normally
 * far below {@code maxPending}) keeps that from happening in the first place.
 *
 * <p>The sink does not own the store: {@link #close()} leaves it open for queries, unless
 * {@link Builder#closeStoreOnClose(boolean)} says otherwise.
 *
 * @since 0.1.0
 */
public final class TimeSeriesSink implements Sink {
    private static final Logger LOG = LoggerFactory.getLogger(TimeSeriesSink.class);
    /** How often a writer filling a batch looks at the flush and stop flags. */
    private static final long WAKE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How often an idle writer looks at the stop flag; a new reading wakes it at once. */
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final TimeSeriesStore store;
    private final ReadingParser parser;
    private final String name;
    private final int maxBatchSize;
    private final long maxBatchDelayNanos;
    private final Duration closeTimeout;
    private final boolean closeStore;
    private final BlockingQueue<Pending> queue;
    private final Map<CompletableFuture<Void>, Boolean> outstanding = new ConcurrentHashMap<>();
    private final Queue<FlushWaiter> flushWaiters = new ConcurrentLinkedQueue<>();
    private final Map<String, Instant> lastTimes;
    private final Thread writer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean flushing;
    private volatile boolean stopping;

    private final LongAdder written = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder outOfOrder = new LongAdder();
    private final LongAdder failedBatches = new LongAdder();

    private TimeSeriesSink(Builder b) {
        this.store = b.store;
        this.parser = b.parser;
        this.name = b.name != null ? b.name : "timeseries[" + store.name() + "]";
        this.maxBatchSize = b.maxBatchSize;
        this.maxBatchDelayNanos = b.maxBatchDelay.toNanos();
        this.closeTimeout = b.closeTimeout;
        this.closeStore = b.closeStore;
        this.queue = new ArrayBlockingQueue<>(b.maxPending);
        int maxDevices = b.maxTrackedDevices;
        this.lastTimes = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
                return size() > maxDevices;
            }
        };
        this.writer = new Thread(this::writeLoop, "edgeflow-timeseries-writer[" + store.name() + "]");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Starts a sink over a store.
     *
     * @param store where readings are written
     * @return a builder
     */
    public static Builder builder(TimeSeriesStore store) {
        return new Builder(store);
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Parses a reading and queues it for the next batch.
     *
     * @param message the reading
     * @return completes when the reading's batch is committed; exceptionally with
     *     {@link MessageRejectedException} when the reading breaks the parser's rules or the
     *     store refuses it for good, with a retryable {@link TimeSeriesException} when the
     *     store is unreachable or the sink is full, and with {@link IllegalStateException}
     *     once the sink is closed
     */
    @Override
    public CompletionStage<Void> send(Message message) {
        Objects.requireNonNull(message, "message");
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException(name + " is closed"));
        }
        Point point;
        try {
            point = parser.parse(message);
        } catch (MessageRejectedException e) {
            rejected.increment();
            return CompletableFuture.failedFuture(e);
        }
        noteOrder(point);
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!queue.offer(new Pending(point, done))) {
            return CompletableFuture.failedFuture(new TimeSeriesException(name + " has " + queue.size()
                    + " readings waiting for the store, its maxPending; the send may be retried", null, true));
        }
        outstanding.put(done, Boolean.TRUE);
        done.whenComplete((v, e) -> outstanding.remove(done));
        if (closed.get() && queue.remove(new Pending(point, done))) {
            done.completeExceptionally(new IllegalStateException(name + " is closed"));
        }
        return done;
    }

    /**
     * Writes what is waiting without waiting for a batch to fill.
     *
     * @return completes when every send made before this call has completed, normally or not
     */
    @Override
    public CompletionStage<Void> flush() {
        List<CompletableFuture<Void>> snapshot = new ArrayList<>(outstanding.keySet());
        if (snapshot.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        flushWaiters.add(new FlushWaiter(snapshot, flushed));
        flushing = true;
        if (closed.get() && !writer.isAlive()) {
            settleFlushes();
        }
        return flushed;
    }

    /**
     * Writes what is waiting, for at most {@link Builder#closeTimeout(Duration)}, then stops the
     * writer thread. Sends not committed by then complete with {@link IllegalStateException}.
     * Blocks for at most the close timeout. Idempotent; does not throw.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            flush().toCompletableFuture().get(closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("{}: {} readings were not committed within the close timeout of {}; they are failed", name,
                    outstanding.size(), closeTimeout);
        } catch (ExecutionException e) {
            LOG.warn("{}: flushing on close failed", name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The writer is never interrupted: an interrupt inside a JDBC or file write can close the
        // store's channel (H2 closes its database on ClosedByInterruptException).
        stopping = true;
        try {
            writer.join(closeTimeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        IllegalStateException closedError = new IllegalStateException(name + " was closed before the reading was "
                + "committed");
        for (Pending p; (p = queue.poll()) != null;) {
            p.done.completeExceptionally(closedError);
        }
        for (CompletableFuture<Void> f : new ArrayList<>(outstanding.keySet())) {
            f.completeExceptionally(closedError);
        }
        settleFlushes();
        if (closeStore) {
            store.close();
        }
        LOG.info("{} closed: {}", name, stats());
    }

    /**
     * Returns the sink's counters.
     *
     * @return a snapshot
     */
    public TimeSeriesSinkStats stats() {
        return new TimeSeriesSinkStats(written.sum(), batches.sum(), rejected.sum(), parser.droppedValueCount(),
                outOfOrder.sum(), failedBatches.sum(), outstanding.size());
    }

    @Override
    public String toString() {
        return name;
    }

    private void noteOrder(Point point) {
        synchronized (lastTimes) {
            Instant last = lastTimes.get(point.device());
            if (last != null && point.time().isBefore(last)) {
                outOfOrder.increment();
            } else {
                lastTimes.put(point.device(), point.time());
            }
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(maxBatchSize);
        List<Point> points = new ArrayList<>(maxBatchSize);
        try {
            while (!stopping) {
                settleFlushes();
                Pending first = queue.poll(flushing ? WAKE_NANOS : IDLE_NANOS, TimeUnit.NANOSECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + maxBatchDelayNanos;
                while (batch.size() < maxBatchSize) {
                    if (queue.drainTo(batch, maxBatchSize - batch.size()) > 0) {
                        continue;
                    }
                    long wait = deadline - System.nanoTime();
                    if (wait <= 0 || flushing || stopping) {
                        break;
                    }
                    // In short slices, so that a flush or close is noticed without an interrupt.
                    Pending next = queue.poll(Math.min(wait, WAKE_NANOS), TimeUnit.NANOSECONDS);
                    if (next != null) {
                        batch.add(next);
                    }
                }
                for (Pending p : batch) {
                    points.add(p.point);
                }
                commit(batch, points);
                batch.clear();
                points.clear();
            }
        } catch (InterruptedException e) {
            failAll(batch, new IllegalStateException(name + "'s writer was interrupted before the reading was "
                    + "committed"));
            Thread.currentThread().interrupt();
        }
    }

    private void commit(List<Pending> batch, List<Point> points) {
        try {
            store.write(points);
            batches.increment();
            written.add(batch.size());
            for (Pending p : batch) {
                p.done.complete(null);
            }
        } catch (TimeSeriesException e) {
            failedBatches.increment();
            if (e.isRetryable() || batch.size() == 1) {
                LOG.warn("{}: a batch of {} readings failed{}: {}", name, batch.size(),
                        e.isRetryable() ? " (will be retried)" : "", e.getMessage());
                failAll(batch, e.isRetryable() ? e : rejection(e));
                if (!e.isRetryable()) {
                    rejected.add(batch.size());
                }
            } else {
                LOG.warn("{}: the store refused a batch of {} readings ({}); writing them one at a time to store the "
                        + "good ones", name, batch.size(), e.getMessage());
                for (Pending p : batch) {
                    commitOne(p);
                }
            }
        } catch (RuntimeException e) {
            failedBatches.increment();
            LOG.error("{}: the store failed unexpectedly on a batch of {} readings", name, batch.size(), e);
            failAll(batch, new TimeSeriesException(name + ": the store failed unexpectedly: " + e, e, true));
        }
    }

    private void commitOne(Pending p) {
        try {
            store.write(List.of(p.point));
            batches.increment();
            written.increment();
            p.done.complete(null);
        } catch (TimeSeriesException e) {
            if (e.isRetryable()) {
                p.done.completeExceptionally(e);
            } else {
                rejected.increment();
                p.done.completeExceptionally(rejection(e));
            }
        } catch (RuntimeException e) {
            p.done.completeExceptionally(new TimeSeriesException(name + ": the store failed unexpectedly: " + e, e,
                    true));
        }
    }

    private MessageRejectedException rejection(TimeSeriesException e) {
        return new MessageRejectedException(name + " refused the reading: " + e.getMessage(), e);
    }

    private static void failAll(List<Pending> batch, Throwable cause) {
        for (Pending p : batch) {
            p.done.completeExceptionally(cause);
        }
    }

    /**
     * Completes the flushes whose sends have all completed. Runs on the writer thread after it
     * completed a batch's sends, whose callbacks have then run: a flush completes after the
     * callbacks of the sends before it, not merely after their results were set.
     */
    private void settleFlushes() {
        for (Iterator<FlushWaiter> it = flushWaiters.iterator(); it.hasNext();) {
            FlushWaiter w = it.next();
            if (w.sends.stream().allMatch(CompletableFuture::isDone)) {
                it.remove();
                w.flushed.complete(null);
            }
        }
        flushing = !flushWaiters.isEmpty();
    }

    private record Pending(Point point, CompletableFuture<Void> done) {
    }

    private record FlushWaiter(List<CompletableFuture<Void>> sends, CompletableFuture<Void> flushed) {
    }

    /** Configures a {@link TimeSeriesSink}. */
    public static final class Builder {
        private final TimeSeriesStore store;
        private ReadingParser parser = ReadingParser.ofDefaults();
        private String name;
        private int maxBatchSize = 500;
        private Duration maxBatchDelay = Duration.ofMillis(200);
        private int maxPending = 10_000;
        private int maxTrackedDevices = 10_000;
        private Duration closeTimeout = Duration.ofSeconds(10);
        private boolean closeStore;

        private Builder(TimeSeriesStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * Sets the rules that turn messages into points.
         *
         * @param parser by default {@link ReadingParser#ofDefaults()}
         * @return this builder
         */
        public Builder parser(ReadingParser parser) {
            this.parser = Objects.requireNonNull(parser, "parser");
            return this;
        }

        /**
         * Sets the sink's name in logs and stats.
         *
         * @param name by default {@code timeseries[<store name>]}
         * @return this builder
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name is blank; give one such as \"readings-db\"");
            }
            this.name = name;
            return this;
        }

        /**
         * Sets the most readings written in one batch.
         *
         * @param size 1 to 100 000; by default 500
         * @return this builder
         */
        public Builder maxBatchSize(int size) {
            if (size < 1 || size > 100_000) {
                throw new IllegalArgumentException("maxBatchSize is " + size + "; give 1 to 100000, such as 500");
            }
            this.maxBatchSize = size;
            return this;
        }

        /**
         * Sets how long the writer waits for a batch to fill once it has a reading.
         *
         * @param delay zero (write at once) to one minute; by default 200 ms
         * @return this builder
         */
        public Builder maxBatchDelay(Duration delay) {
            if (delay == null || delay.isNegative() || delay.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("maxBatchDelay is " + delay + "; give zero to one minute, such as "
                        + "Duration.ofMillis(200)");
            }
            this.maxBatchDelay = delay;
            return this;
        }

        /**
         * Bounds the readings accepted and not yet committed.
         *
         * @param max 1 or more; by default 10 000
         * @return this builder
         */
        public Builder maxPending(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxPending is " + max + "; give 1 or more, such as 10000");
            }
            this.maxPending = max;
            return this;
        }

        /**
         * Bounds the devices whose last time is kept to count out-of-order readings.
         *
         * @param max 1 or more; by default 10 000; the least recently seen device is forgotten
         * @return this builder
         */
        public Builder maxTrackedDevices(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxTrackedDevices is " + max + "; give 1 or more, such as 10000");
            }
            this.maxTrackedDevices = max;
            return this;
        }

        /**
         * Sets how long {@link TimeSeriesSink#close()} waits for what is pending.
         *
         * @param timeout more than zero; by default 10 s
         * @return this builder
         */
        public Builder closeTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("closeTimeout is " + timeout + "; give more than zero, such as "
                        + "Duration.ofSeconds(10)");
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Says whether closing the sink closes the store too.
         *
         * @param close by default {@code false}: the store stays open for queries
         * @return this builder
         */
        public Builder closeStoreOnClose(boolean close) {
            this.closeStore = close;
            return this;
        }

        /**
         * Builds the sink and starts its writer thread.
         *
         * @return the sink
         */
        public TimeSeriesSink build() {
            return new TimeSeriesSink(this);
        }
    }
}
