package dev.edgeflow.core.spool;

import dev.edgeflow.core.Headers;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.internal.Futures;
import dev.edgeflow.core.internal.RateLimitedLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store and forward in front of a sink: every message is appended to a {@link Spool} on disk,
 * and its send completes as soon as it is durable there, so the pipeline acknowledges it to
 * its source at disk speed whatever the target does. A forwarder hands the spooled messages
 * to the target in append order, with at most {@link Builder#maxInFlight(int)} sends in flight
 * and at most {@link Builder#replayRate(double)} messages a second, and confirms each one in
 * the spool when the target confirms it.
 *
 * <pre>{@code
 * Sink cloud = SpoolingSink.builder(awsSink, Path.of("/var/lib/edgeflow/spool/aws"))
 *         .replayRate(100)                 // AWS IoT Core: 100 publishes/s per connection
 *         .maxBytes(512L << 20)
 *         .build();
 * Pipeline.from(localBroker).route("sensor/#", cloud).start();
 * }</pre>
 *
 * <p><b>When the target fails.</b> A send that fails with a {@link MessageRejectedException}
 * can never succeed: it goes to the {@link Builder#deadLetter(Sink) dead-letter sink} with the
 * reason in the {@link Headers} {@code edgeflow-dead-letter-*} headers (or, without one, is logged and counted in
 * {@link #rejectedCount()}), and is confirmed. Any other failure stops the forwarder; once the
 * sends in flight have settled, it waits (exponential backoff with jitter, from
 * {@link Builder#retryDelay(Duration, Duration)}) and starts again from the oldest unconfirmed
 * message. Meanwhile messages keep going to disk until the spool is full; then its
 * {@link SpoolFullPolicy} applies (by default the sends wait, and the pipeline's in-flight cap
 * slows the source). A target that queues while it reconnects (the MQTT sink does) simply
 * holds the forwarder's window until it is back.
 *
 * <p><b>Guarantees.</b> At least once: a message is acknowledged to its source only once it is
 * durable in the spool (as its {@link Durability} defines), and leaves the spool only once the
 * target confirmed it. Duplicates at the target come from sends the target received but did
 * not confirm (lost connection, crash) and from confirmations the spool had not yet saved when
 * the process died; both are bounded (the window, and the spool's cursor interval). Order is
 * the append order, except that after a failure the messages sent in the same window behind the
 * failed one may already be there ahead of its resend.
 *
 * <p><b>Lifecycle.</b> {@link #close()} stops the forwarder and closes the spool; what was not
 * confirmed stays on disk and is sent by the next {@code SpoolingSink} on the directory. The
 * target is not closed: its owner closes it after this sink.
 *
 * @since 0.1.0
 */
public final class SpoolingSink implements Sink {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolingSink.class);

    private final Sink target;
    private final Spool spool;
    private final String name;
    private final int maxInFlight;
    private final double replayRate;
    private final long retryBaseNanos;
    private final long retryMaxNanos;
    private final Sink deadLetter;
    private final ScheduledExecutorService timer;
    private final RateLimitedLog failLog = new RateLimitedLog(LOG, 10);
    private final RateLimitedLog rejectLog = new RateLimitedLog(LOG, 10);

    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger pendingAppends = new AtomicInteger();
    private final AtomicBoolean waitingForRecords = new AtomicBoolean();
    private final AtomicBoolean pumpScheduled = new AtomicBoolean();
    private final AtomicBoolean resumeScheduled = new AtomicBoolean();
    private volatile boolean failing;
    private volatile boolean closed;
    private volatile Throwable lastFailure;
    private final AtomicInteger failureRounds = new AtomicInteger();

    // the replay rate's token bucket, touched only inside the pump loop
    private double tokens;
    private long tokensAt;

    private final LongAdder forwarded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();

    private SpoolingSink(Builder b, Spool spool) {
        this.target = b.target;
        this.spool = spool;
        this.name = b.name != null ? b.name : "spool[" + target.name() + "]";
        this.maxInFlight = b.maxInFlight;
        this.replayRate = b.replayRate;
        this.retryBaseNanos = b.retryBase.toNanos();
        this.retryMaxNanos = b.retryMax.toNanos();
        this.deadLetter = b.deadLetter;
        String threadName = "edgeflow-spool-forwarder-" + spool.directory().getFileName();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        this.tokens = Math.max(1, replayRate / 10);
        this.tokensAt = System.nanoTime();
        pump();
    }

    /**
     * Starts a spooling sink in front of a target, with its spool in a directory of its own.
     *
     * @param target the sink that gets the messages from the spool
     * @param directory the spool's directory; created if missing, locked while the sink is open
     * @return a builder with the documented defaults
     */
    public static Builder builder(Sink target, Path directory) {
        return new Builder(Objects.requireNonNull(target, "target"), Objects.requireNonNull(directory, "directory"));
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Appends the message to the spool.
     *
     * @param message the message
     * @return completes once the message is durable in the spool; fails with
     *     {@link SpoolException} if it could not be stored (disk full, I/O error, closed) and
     *     with {@link MessageRejectedException} if it is larger than a spool segment
     */
    @Override
    public CompletionStage<Void> send(Message message) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            return CompletableFuture.failedFuture(new SpoolException(spool.directory(), name + " is closed; message on '"
                    + message.topic() + "' not stored", null));
        }
        CompletableFuture<Long> appended;
        pendingAppends.incrementAndGet();
        try {
            appended = spool.append(message);
        } catch (RuntimeException e) {
            pendingAppends.decrementAndGet();
            return CompletableFuture.failedFuture(e instanceof IllegalArgumentException
                    ? new MessageRejectedException(e.getMessage(), e) : e);
        }
        return appended.handle((sequence, failure) -> {
            pendingAppends.decrementAndGet();
            if (failure != null) {
                Throwable cause = Futures.unwrap(failure);
                if (cause instanceof IllegalArgumentException) {
                    throw new MessageRejectedException(cause.getMessage(), cause);
                }
                throw cause instanceof RuntimeException ? (RuntimeException) cause : new SpoolException(spool.directory(),
                        name + ": message on '" + message.topic() + "' not stored: " + cause, cause);
            }
            return null;
        });
    }

    /**
     * Completes once every message whose send completed before this call has been confirmed by
     * the target (the spool holds nothing more and no append is pending). While the target is
     * down this waits; the pipeline bounds it with its stop deadline.
     *
     * @return the stage
     */
    @Override
    public CompletionStage<Void> flush() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        checkFlushed(done);
        return done;
    }

    private void checkFlushed(CompletableFuture<Void> done) {
        if (closed) {
            done.completeExceptionally(new SpoolException(spool.directory(), name + " was closed before everything was forwarded; "
                    + spool.directory() + " keeps the rest for the next start", null));
            return;
        }
        if (pendingAppends.get() == 0 && spool.stats().records() == 0) {
            done.complete(null);
            return;
        }
        try {
            timer.schedule(() -> checkFlushed(done), 20, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.completeExceptionally(new SpoolException(spool.directory(), name + " is closed", e));
        }
    }

    /**
     * Returns the spool's levels and counters: bytes and records held, the age of the oldest,
     * the rate at which they are handed to the target.
     *
     * @return a snapshot
     */
    public SpoolStats spoolStats() {
        return spool.stats();
    }

    /**
     * Returns how many messages the target confirmed.
     *
     * @return the count
     */
    public long forwardedCount() {
        return forwarded.sum();
    }

    /**
     * Returns how many sends to the target failed in a way that may pass later (each one
     * stopped the forwarder for a backoff and a resend).
     *
     * @return the count
     */
    public long failedCount() {
        return failed.sum();
    }

    /**
     * Returns how many messages the target rejected for good ({@link MessageRejectedException})
     * and were dropped from the spool for lack of a dead-letter sink, or because the
     * dead-letter sink failed too. Each one was logged with its reason.
     *
     * @return the count
     */
    public long rejectedCount() {
        return rejected.sum();
    }

    /**
     * Returns how many rejected messages went to the dead-letter sink.
     *
     * @return the count
     */
    public long deadLetteredCount() {
        return deadLettered.sum();
    }

    /**
     * Returns how many sends to the target are in flight now.
     *
     * @return 0 to {@link Builder#maxInFlight(int)}
     */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Tells whether the forwarder is stopped by a failure of the target and waiting to resend.
     *
     * @return {@code true} while backing off
     */
    public boolean isBackingOff() {
        return failing;
    }

    /**
     * Stops the forwarder and closes the spool. Sends to the spool still pending are written
     * if there is room (see {@link Spool#close()}); what the target has not confirmed stays on
     * disk for the next start. Sends to the target still in flight may arrive there and will
     * be sent again by the next start (at least once). Does not close the target. Calling it
     * again does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        spool.close();
    }

    @Override
    public String toString() {
        return name + "[" + spool.directory() + " -> " + target.name() + "]";
    }

    // ------------------------------------------------------------------ forwarder

    private void pump() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            try {
                pumpOnce();
            } catch (RuntimeException e) {
                // a spool read failed (SpoolException) or the spool closed under us
                if (!closed) {
                    failLog.warn("{}: reading the spool failed, trying again in 1 s: {}", name, e.toString());
                    schedulePump(TimeUnit.SECONDS.toNanos(1));
                }
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void pumpOnce() {
        while (!closed && !failing) {
            int room = maxInFlight - inFlight.get();
            if (room <= 0) {
                return; // a completion pumps again
            }
            int allowed = takeTokens(room);
            if (allowed == 0) {
                schedulePump(nanosToNextToken());
                return;
            }
            List<SpoolRecord> batch = spool.poll(allowed);
            returnTokens(allowed - batch.size());
            if (batch.isEmpty()) {
                awaitRecords();
                return;
            }
            for (SpoolRecord r : batch) {
                inFlight.incrementAndGet();
                forward(r);
            }
        }
    }

    private void awaitRecords() {
        if (waitingForRecords.compareAndSet(false, true)) {
            // On the forwarder's thread, not the spool's writer thread that completes the future.
            spool.available().whenCompleteAsync((ignored, failure) -> {
                waitingForRecords.set(false);
                if (failure == null) {
                    pump();
                }
            }, this::onTimer);
        }
    }

    /** Runs a task on the forwarder's thread; after close, not at all (never throws at the caller). */
    private void onTimer(Runnable task) {
        try {
            timer.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed: the spool keeps what was not forwarded
        }
    }

    private void schedulePump(long delayNanos) {
        if (pumpScheduled.compareAndSet(false, true)) {
            try {
                timer.schedule(() -> {
                    pumpScheduled.set(false);
                    pump();
                }, Math.max(delayNanos, 1), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pumpScheduled.set(false); // closed
            }
        }
    }

    private void forward(SpoolRecord r) {
        CompletionStage<Void> stage;
        try {
            stage = target.send(r.message());
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((ignored, failure) -> onResult(r, failure));
    }

    private void onResult(SpoolRecord r, Throwable failure) {
        if (failure == null) {
            confirm(r);
            forwarded.increment();
            if (!failing) {
                failureRounds.set(0); // the target takes messages again: the next backoff starts small
            }
        } else {
            Throwable cause = Futures.unwrap(failure);
            if (cause instanceof MessageRejectedException) {
                reject(r, cause);
            } else {
                failed.increment();
                lastFailure = cause;
                failing = true;
            }
        }
        if (inFlight.decrementAndGet() == 0 && failing) {
            scheduleResume();
        } else if (!failing) {
            pump();
        }
    }

    private void confirm(SpoolRecord r) {
        try {
            spool.confirm(r.sequence());
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("{}: confirming record {} failed: {}", name, r.sequence(), e.toString());
            }
        }
    }

    private void reject(SpoolRecord r, Throwable cause) {
        Message m = r.message();
        String reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        if (deadLetter == null) {
            rejected.increment();
            rejectLog.warn("{}: {} rejected the message on '{}' for good and there is no dead-letter sink; dropped "
                    + "({} so far): {}", name, target.name(), m.topic(), rejected.sum(), reason);
            confirm(r);
            return;
        }
        Message dead = m.toBuilder()
                .header(Headers.DEAD_LETTER_REASON, reason.length() > 1024 ? reason.substring(0, 1021) + "..." : reason)
                .header(Headers.DEAD_LETTER_EXCEPTION, cause.getClass().getName())
                .header(Headers.DEAD_LETTER_STAGE, "spool forwarder to " + target.name())
                .header(Headers.DEAD_LETTER_ATTEMPTS, "1")
                .header(Headers.DEAD_LETTER_PIPELINE, name)
                .build();
        CompletionStage<Void> sent;
        try {
            sent = deadLetter.send(dead);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        // Confirmed either way: the dead-letter send is tried once, like the pipeline's own.
        sent.whenComplete((ignored, dlFailure) -> {
            if (dlFailure == null) {
                deadLettered.increment();
            } else {
                rejected.increment();
                rejectLog.warn("{}: the dead-letter sink {} failed for the message on '{}' that {} rejected ({}); "
                        + "dropped: {}", name, deadLetter.name(), m.topic(), target.name(), reason,
                        Futures.unwrap(dlFailure).toString());
            }
        });
        confirm(r);
    }

    private void scheduleResume() {
        if (!resumeScheduled.compareAndSet(false, true)) {
            return;
        }
        long delay = backoffNanos(failureRounds.incrementAndGet());
        Throwable cause = lastFailure;
        failLog.warn("{}: sending to {} failed ({}); the spool keeps the messages ({} held), resending from the "
                + "oldest unconfirmed in {} ms", name, target.name(), cause == null ? "?" : cause.toString(),
                spool.stats().records(), TimeUnit.NANOSECONDS.toMillis(delay));
        try {
            timer.schedule(this::resume, delay, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            resumeScheduled.set(false); // closed
        }
    }

    private void resume() {
        if (closed) {
            return;
        }
        try {
            spool.rewind();
        } catch (RuntimeException e) {
            return; // closed meanwhile
        }
        resumeScheduled.set(false);
        failing = false;
        pump();
    }

    private long backoffNanos(int rounds) {
        long delay = retryBaseNanos << Math.min(rounds - 1, 30);
        if (delay <= 0 || delay > retryMaxNanos) {
            delay = retryMaxNanos;
        }
        return delay - ThreadLocalRandom.current().nextLong(delay / 4 + 1);
    }

    private int takeTokens(int wanted) {
        if (replayRate <= 0) {
            return wanted;
        }
        long now = System.nanoTime();
        double burst = Math.max(1, replayRate / 10);
        tokens = Math.min(burst, tokens + (now - tokensAt) * replayRate / 1e9);
        tokensAt = now;
        int granted = (int) Math.min(wanted, Math.floor(tokens));
        tokens -= granted;
        return granted;
    }

    private void returnTokens(int unused) {
        if (replayRate > 0 && unused > 0) {
            tokens += unused;
        }
    }

    private long nanosToNextToken() {
        return (long) Math.ceil((1 - tokens) * 1e9 / replayRate);
    }

    /**
     * Configures a {@link SpoolingSink}: the forwarder's settings here, the spool's through
     * {@link #spool(Consumer)}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final Sink target;
        private final Path directory;
        private String name;
        private int maxInFlight = 256;
        private double replayRate;
        private Duration retryBase = Duration.ofMillis(200);
        private Duration retryMax = Duration.ofSeconds(30);
        private Sink deadLetter;
        private Consumer<Spool.Builder> spoolSettings = b -> { };

        private Builder(Sink target, Path directory) {
            this.target = target;
            this.directory = directory;
        }

        /**
         * Names the sink in logs and stats.
         *
         * @param name the name; default {@code spool[<target name>]}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Caps the sends to the target in flight at once.
         *
         * @param maxInFlight at least 1; default 256
         * @return this builder
         * @throws IllegalArgumentException if below 1
         */
        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight is " + maxInFlight + ": use 1 or more");
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /**
         * Caps how many messages a second go to the target, so that a backlog replayed after an
         * outage does not get the client disconnected for publishing too fast (AWS IoT Core
         * allows 100 publishes a second per connection).
         *
         * @param messagesPerSecond more than 0, or 0 for no cap (the default)
         * @return this builder
         * @throws IllegalArgumentException if negative, NaN or infinite
         */
        public Builder replayRate(double messagesPerSecond) {
            if (!(messagesPerSecond >= 0) || Double.isInfinite(messagesPerSecond)) {
                throw new IllegalArgumentException("replayRate is " + messagesPerSecond
                        + " messages/s: use a finite number above 0, or 0 for no cap");
            }
            this.replayRate = messagesPerSecond;
            return this;
        }

        /**
         * Sets the wait after a failed send before the forwarder sends again: {@code initial}
         * after the first failure, doubling up to {@code max}, less up to a quarter of jitter.
         *
         * @param initial the first wait, above zero; default 200 ms
         * @param max the longest wait, at least {@code initial}; default 30 s
         * @return this builder
         * @throws IllegalArgumentException if {@code initial} is not positive or {@code max} is below it
         */
        public Builder retryDelay(Duration initial, Duration max) {
            Objects.requireNonNull(initial, "initial");
            Objects.requireNonNull(max, "max");
            if (initial.isNegative() || initial.isZero()) {
                throw new IllegalArgumentException("retryDelay initial is " + initial + ": use a duration above zero");
            }
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("retryDelay max " + max + " is below initial " + initial);
            }
            this.retryBase = initial;
            this.retryMax = max;
            return this;
        }

        /**
         * Sends messages the target rejects for good there, with the reason in the
         * {@link Headers} {@code edgeflow-dead-letter-*} headers. Without one they are logged, counted and dropped.
         *
         * @param deadLetter the dead-letter sink
         * @return this builder
         */
        public Builder deadLetter(Sink deadLetter) {
            this.deadLetter = Objects.requireNonNull(deadLetter, "deadLetter");
            return this;
        }

        /**
         * Adjusts the spool: size, segment size, durability, what happens when full.
         *
         * @param settings called with the spool's builder before it opens
         * @return this builder
         */
        public Builder spool(Consumer<Spool.Builder> settings) {
            this.spoolSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Opens the spool (recovering what a previous run left in it) and starts forwarding.
         *
         * @return the sink
         * @throws SpoolException if the spool cannot be opened (the message names the directory)
         * @throws SpoolLockedException if another spool holds the directory
         */
        public SpoolingSink build() {
            Spool.Builder sb = Spool.builder(directory);
            spoolSettings.accept(sb);
            return new SpoolingSink(this, sb.open());
        }
    }
}
