package dev.edgeflow.core.internal;

import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Headers;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.OverflowPolicy;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.PipelineStoppedException;
import dev.edgeflow.core.RetryPolicy;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.core.StopReport;
import dev.edgeflow.core.TopicFilter;
import dev.edgeflow.core.TopicRewrite;
import dev.edgeflow.core.spool.SpoolStats;
import dev.edgeflow.core.spool.SpoolingSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline engine.
 *
 * <p>Steps run inline on the thread that calls {@code onNext}. Each surviving delivery becomes
 * an {@link Envelope} in a bounded buffer. A drain loop, serialised by a work-in-progress
 * counter rather than a thread of its own, takes envelopes in order and hands each target to
 * its sink while that sink is under its in-flight cap; it runs on whichever thread has work for
 * it (the source's, or the one completing a send). Freed buffer slots become demand upstream,
 * so with {@code BACKPRESSURE} the source is never asked for more than the buffer can hold.
 * Retries wait on a scheduler thread created on first need.
 */
public final class DefaultPipeline implements Pipeline, Flow.Subscriber<Delivery> {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);
    private static final int MAX_REASON_CHARS = 1024;
    private static final TopicRewrite IDENTITY = TopicRewrite.identity();
    /** Every eighth delivery is timed for the latency percentiles. */
    static final int LATENCY_SAMPLE_MASK = 7;
    private static final long UNTIMED = Long.MIN_VALUE;
    /** What {@link #outcomeSoFar} answers for a send that has not completed; never thrown. */
    private static final Throwable NOT_YET = new Throwable("send not completed yet", null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    private final String name;
    private final Source source;
    private final PipelineSpec.Step[] steps;
    private final Route[] routes;
    /** The channel of every route, in route order: the targets of a message all routes match. */
    private final SinkChannel[] allTargets;
    /** onNext only (serial): which routes the message being routed matches. */
    private final boolean[] matched;
    /** onNext only (serial): the last route {@link #match} found. */
    private int lastMatch;
    private final List<SinkChannel> channels;
    private final SinkChannel deadLetter;
    /** With SPOOL: the spooling sink in front of each sink, by the sink's identity; owned and closed here. */
    private final Map<Sink, SpoolingSink> spooled;
    private final List<Map.Entry<String, SpoolingSink>> spoolsInRouteOrder;
    private final EnvelopeBuffer buffer;
    private final OverflowPolicy policy;
    private final RetryPolicy retry;
    private final int capacity;

    /** Written in onNext only, which is serial. */
    private final SerialCounter received = new SerialCounter();
    private final LongAdder forwarded = new LongAdder();
    /** Forwarded on the fast path: written under the drain loop's ownership only. */
    private final SerialCounter forwardedInline = new SerialCounter();
    private final LongAdder filtered = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder tapFailures = new LongAdder();
    /** Envelopes pushed and not yet settled: buffered plus in flight. */
    private final AtomicLong outstanding = new AtomicLong();
    /** Buffered deliveries nacked because the pipeline stopped before sending them. */
    private final AtomicLong nackedUnsent = new AtomicLong();
    private final LatencyRecorder latency = new LatencyRecorder();

    private final RateLimitedLog dropLog = new RateLimitedLog(LOG, 10);
    private final RateLimitedLog tapLog = new RateLimitedLog(LOG, 10);
    private final RateLimitedLog failLog = new RateLimitedLog(LOG, 10);
    private final RateLimitedLog ackLog = new RateLimitedLog(LOG, 10);

    private volatile Flow.Subscription upstream;
    private final AtomicInteger wip = new AtomicInteger();
    /**
     * Demand to give back upstream, in two pools so that neither needs an atomic: one written in
     * onNext only (filtered and rejected messages), one under the drain loop's ownership only
     * (messages leaving the buffer or sent on the fast path). Each pool gives back at half the
     * replenish limit, so together they never withhold so much that the source starves.
     */
    private long stepCredits;
    private long drainCredits;
    private final long creditLimit;
    /** onNext only (serial): deliveries seen, for latency sampling. */
    private long sequence;
    /** Drain loop only: the envelope being dispatched. */
    private Envelope current;
    private volatile boolean blocked;
    private volatile boolean upstreamDone;
    private volatile Throwable upstreamError;
    private volatile boolean cancelled;
    private volatile boolean abandon;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final CompletableFuture<Void> idle = new CompletableFuture<>();
    private final CompletableFuture<PipelineStats> completion = new CompletableFuture<>();
    private final Map<RetryTask, Boolean> pendingRetries = new ConcurrentHashMap<>();
    private final Object schedulerLock = new Object();
    private volatile ScheduledExecutorService scheduler;
    private StopReport stopReport;

    /** A route with its sink's channel. */
    private record Route(TopicFilter filter, TopicRewrite rewrite, SinkChannel channel, String label) {
        boolean matches(String topic) {
            return filter == null || filter.matches(topic);
        }
    }

    private DefaultPipeline(PipelineSpec spec, Map<Sink, SpoolingSink> spooled) {
        this.name = spec.name;
        this.source = spec.source;
        this.steps = spec.steps.toArray(new PipelineSpec.Step[0]);
        this.spooled = spooled;
        List<Map.Entry<String, SpoolingSink>> inRouteOrder = new ArrayList<>();
        for (PipelineSpec.RouteSpec r : spec.routes) {
            SpoolingSink s = spooled.get(r.sink());
            if (s != null && inRouteOrder.stream().noneMatch(e -> e.getValue() == s)) {
                inRouteOrder.add(Map.entry(r.sink().name(), s));
            }
        }
        this.spoolsInRouteOrder = List.copyOf(inRouteOrder);
        Map<Sink, SinkChannel> bySink = new IdentityHashMap<>();
        this.routes = new Route[spec.routes.size()];
        for (int i = 0; i < routes.length; i++) {
            PipelineSpec.RouteSpec r = spec.routes.get(i);
            // With SPOOL the pipeline sends to the sink's spool; its cap then bounds the appends
            // waiting for disk, and the spooling sink keeps the sink's own cap towards the sink.
            Sink target = spooled.get(r.sink());
            Sink channelSink = target != null ? target : r.sink();
            SinkChannel channel = bySink.computeIfAbsent(channelSink,
                    s -> new SinkChannel(s, spec.maxInFlight.getOrDefault(r.sink(), spec.defaultMaxInFlight)));
            String label = "route " + (r.filter() == null ? "*" : "'" + r.filter() + "'") + " to " + r.sink().name()
                    + (target != null ? " (spooled)" : "");
            routes[i] = new Route(r.filter(), r.rewrite(), channel, label);
        }
        this.allTargets = new SinkChannel[routes.length];
        for (int i = 0; i < routes.length; i++) {
            allTargets[i] = routes[i].channel();
        }
        this.matched = new boolean[routes.length];
        this.channels = List.copyOf(bySink.values());
        this.deadLetter = spec.deadLetter == null ? null
                : bySink.getOrDefault(spec.deadLetter, new SinkChannel(spec.deadLetter,
                        spec.maxInFlight.getOrDefault(spec.deadLetter, spec.defaultMaxInFlight)));
        // With SPOOL the spools take the overflow; the memory buffer in front of them backpressures.
        this.policy = spec.overflowPolicy == OverflowPolicy.SPOOL ? OverflowPolicy.BACKPRESSURE : spec.overflowPolicy;
        this.capacity = spec.bufferCapacity;
        this.buffer = EnvelopeBuffer.create(capacity, policy);
        this.retry = spec.retryPolicy;
        this.creditLimit = Math.max(1, (capacity - (capacity >> 2)) / 2);
    }

    /**
     * Builds a pipeline from its spec and subscribes it to the source.
     *
     * @param spec a validated spec
     * @return the running pipeline
     */
    public static Pipeline start(PipelineSpec spec) {
        DefaultPipeline pipeline = new DefaultPipeline(spec, openSpools(spec));
        LOG.info("pipeline '{}' starting: source {}, routes {}, buffer {} ({}), retry {}", pipeline.name,
                pipeline.source.name(), pipeline.routeLabels(), pipeline.capacity, pipeline.policy, pipeline.retry);
        pipeline.source.subscribe(pipeline);
        return pipeline;
    }

    private List<String> routeLabels() {
        List<String> labels = new ArrayList<>();
        for (Route r : routes) {
            labels.add(r.label());
        }
        return labels;
    }

    // ---------------------------------------------------------------- Flow.Subscriber

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        if (upstream != null) {
            subscription.cancel();
            LOG.warn("pipeline '{}' was subscribed twice; the second subscription was cancelled", name);
            return;
        }
        upstream = subscription;
        if (cancelled) {
            subscription.cancel();
            return;
        }
        subscription.request(policy == OverflowPolicy.BACKPRESSURE ? capacity : Long.MAX_VALUE);
    }

    @Override
    public void onNext(Delivery delivery) {
        received.increment();
        // A clock read costs about as much as the rest of the hot path, so latency is sampled.
        long receivedNanos = (sequence++ & LATENCY_SAMPLE_MASK) == 0 ? System.nanoTime() : UNTIMED;
        Message message = delivery.message();
        for (PipelineSpec.Step step : steps) {
            try {
                switch (step.kind()) {
                    case FILTER:
                        if (!step.filter().test(message)) {
                            filtered.increment();
                            ack(delivery);
                            replenishFromStep();
                            return;
                        }
                        break;
                    case MAP:
                        Message next = step.map().apply(message);
                        if (next == null) {
                            throw new NullPointerException("step '" + step.name() + "' returned null for message "
                                    + message.id() + "; return the message, or filter it out instead");
                        }
                        message = next;
                        break;
                    case TAP:
                        try {
                            step.tap().accept(message);
                        } catch (Exception e) {
                            tapFailures.increment();
                            tapLog.warn("pipeline '{}': tap '{}' failed on message {} (the message goes on)", name,
                                    step.name(), message.id(), e);
                        }
                        break;
                    default:
                        throw new AssertionError(step.kind());
                }
            } catch (Exception e) {
                rejectInStep(delivery, message, "step '" + step.name() + "'", e, receivedNanos);
                return;
            }
        }
        try {
            int matches = match(message.topic());
            if (matches == 0) {
                filtered.increment();
                ack(delivery);
                replenishFromStep();
            } else if (matches == 1) {
                Route r = routes[lastMatch];
                Message target = rewrite(r, message);
                if (!sendInline(delivery, r.channel(), target, receivedNanos)) {
                    push(new Envelope(delivery, r.channel().alone, target, null, receivedNanos, false));
                }
            } else {
                Envelope envelope = fanOut(delivery, message, matches, receivedNanos);
                if (!sendInlineToAll(envelope)) {
                    push(envelope);
                }
            }
        } catch (RouteException e) {
            rejectInStep(delivery, message, e.route, e.getCause(), receivedNanos);
        }
    }

    /**
     * The fast path for a message with one target (one route, or several of which one matched):
     * when nothing waits ahead of it and its sink has a free slot, send it here, and settle it
     * here too if the sink completes at once. No envelope, no buffer, no counters of the slow
     * path. Anything else (an asynchronous or failed send) hands over to the slow path's
     * machinery as if the drain loop had dispatched it.
     *
     * @return {@code false} if the message must go through the buffer instead
     */
    private boolean sendInline(Delivery delivery, SinkChannel channel, Message message, long receivedNanos) {
        if (abandon || !wip.compareAndSet(0, 1)) {
            return false;
        }
        // Only the drain loop's owner takes permits, so a free one seen here stays free; it is
        // taken for real only if the send does not complete at once.
        if (current != null || buffer.size() != 0 || !channel.hasRoom()) {
            leaveDrain();
            return false;
        }
        CompletionStage<Void> stage = callSink(channel, message);
        Throwable outcome = outcomeSoFar(stage);
        if (outcome == null) {
            settleInline(delivery, receivedNanos);
            replenishFromDrain();
            leaveDrain();
            return true;
        }
        channel.acquireOwned();
        Envelope e = new Envelope(delivery, channel.alone, message, null, receivedNanos, false);
        e.dispatched = 1;
        outstanding.incrementAndGet();
        replenishFromDrain();
        if (outcome == NOT_YET) {
            stage.whenComplete(new SendCallback(e, 0, 1));
        } else {
            onResult(e, 0, 1, outcome);
        }
        leaveDrain();
        return true;
    }

    @Override
    public void onError(Throwable error) {
        LOG.error("pipeline '{}': source {} failed; settling what was accepted, then stopping", name,
                source.name(), error);
        upstreamError = error;
        upstreamDone = true;
        checkIdle();
    }

    @Override
    public void onComplete() {
        LOG.info("pipeline '{}': source {} completed", name, source.name());
        upstreamDone = true;
        checkIdle();
    }

    // ---------------------------------------------------------------- routing and buffering

    private static final class RouteException extends Exception {
        private static final long serialVersionUID = 1L;
        final String route;

        RouteException(String route, Throwable cause) {
            super(cause);
            this.route = route;
        }
    }

    /**
     * Matches a topic against every route once, marking {@link #matched} and, for a single
     * match, {@link #lastMatch}. onNext only.
     *
     * @return how many routes match
     */
    private int match(String topic) {
        if (routes.length == 1) {
            lastMatch = 0;
            return routes[0].matches(topic) ? 1 : 0;
        }
        boolean[] matched = this.matched;
        int matches = 0;
        for (int i = 0; i < routes.length; i++) {
            matched[i] = routes[i].matches(topic);
            if (matched[i]) {
                matches++;
                lastMatch = i;
            }
        }
        return matches;
    }

    /**
     * Builds the envelope of a message that {@link #match} found several routes for. Messages
     * matching every route without rewrites allocate no arrays.
     */
    private Envelope fanOut(Delivery delivery, Message message, int matches, long receivedNanos)
            throws RouteException {
        SinkChannel[] targets = matches == routes.length ? allTargets : new SinkChannel[matches];
        Message[] perTarget = null;
        for (int i = 0, t = 0; i < routes.length; i++) {
            if (matched[i]) {
                Message m = rewrite(routes[i], message);
                if (m != message && perTarget == null) {
                    perTarget = new Message[matches];
                    Arrays.fill(perTarget, 0, t, message);
                }
                if (perTarget != null) {
                    perTarget[t] = m;
                }
                if (targets != allTargets) {
                    targets[t] = routes[i].channel();
                }
                t++;
            }
        }
        return new Envelope(delivery, targets, message, perTarget, receivedNanos, false);
    }

    private static Message rewrite(Route route, Message message) throws RouteException {
        if (route.rewrite() == IDENTITY) {
            return message;
        }
        try {
            String target = route.rewrite().rewrite(message.topic());
            return target.equals(message.topic()) ? message : message.withTopic(target);
        } catch (Exception e) {
            throw new RouteException(route.label(), e);
        }
    }

    private void rejectInStep(Delivery delivery, Message message, String stage, Throwable cause, long receivedNanos) {
        failLog.warn("pipeline '{}': {} rejected message {} on topic '{}': {}", name, stage, message.id(),
                message.topic(), String.valueOf(cause));
        if (deadLetter == null) {
            failed.increment();
            nack(delivery, cause);
            replenishFromStep();
            return;
        }
        Message letter = deadLetterMessage(message, stage, cause, 0);
        push(new Envelope(delivery, deadLetter.alone, letter, null, receivedNanos, true));
    }

    private Message deadLetterMessage(Message message, String stage, Throwable cause, int attempts) {
        String reason = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
        if (reason.length() > MAX_REASON_CHARS) {
            reason = reason.substring(0, MAX_REASON_CHARS - 3) + "...";
        }
        return message.toBuilder()
                .header(Headers.DEAD_LETTER_REASON, reason)
                .header(Headers.DEAD_LETTER_EXCEPTION, cause.getClass().getName())
                .header(Headers.DEAD_LETTER_STAGE, stage)
                .header(Headers.DEAD_LETTER_ATTEMPTS, Integer.toString(attempts))
                .header(Headers.DEAD_LETTER_PIPELINE, name)
                .build();
    }

    private void push(Envelope envelope) {
        outstanding.incrementAndGet();
        Envelope lost = buffer.push(envelope);
        if (lost != null) {
            outstanding.decrementAndGet();
            if (policy == OverflowPolicy.BACKPRESSURE) {
                failed.increment();
                LOG.error("pipeline '{}': source {} emitted more deliveries than requested; message {} was nacked. "
                        + "The source breaks the Flow.Publisher contract.", name, source.name(),
                        lost.delivery.message().id());
                nack(lost.delivery, new IllegalStateException("source " + source.name()
                        + " emitted more than the pipeline requested (buffer of " + capacity + " full)"));
            } else {
                dropped.increment();
                dropLog.warn("pipeline '{}': buffer of {} full, {} dropped message {} on topic '{}'", name, capacity,
                        policy, lost.delivery.message().id(), lost.delivery.message().topic());
                ack(lost.delivery);
            }
        }
        drain();
    }

    /** A delivery left the pipeline in onNext without entering the buffer. onNext only. */
    private void replenishFromStep() {
        if (++stepCredits >= creditLimit) {
            long n = stepCredits;
            stepCredits = 0;
            request(n);
        }
    }

    /** A delivery left the buffer, or skipped it on the fast path. Drain loop owner only. */
    private void replenishFromDrain() {
        if (++drainCredits >= creditLimit) {
            long n = drainCredits;
            drainCredits = 0;
            request(n);
        }
    }

    private void request(long n) {
        Flow.Subscription s = upstream;
        if (policy == OverflowPolicy.BACKPRESSURE && !cancelled && s != null) {
            s.request(n);
        }
    }

    // ---------------------------------------------------------------- dispatch

    private void drain() {
        if (wip.getAndIncrement() == 0) {
            drainLoop(1);
        }
    }

    /** Gives up the drain loop taken with a compare-and-set, first running what others asked of it meanwhile. */
    private void leaveDrain() {
        int missed = wip.addAndGet(-1);
        if (missed != 0) {
            drainLoop(missed);
        }
    }

    private void drainLoop(int missed) {
        do {
            if (abandon) {
                abandonBuffered();
            } else {
                dispatch();
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void dispatch() {
        for (;;) {
            Envelope e = current;
            if (e == null) {
                e = buffer.poll();
                if (e == null) {
                    return;
                }
                current = e;
                replenishFromDrain();
            }
            while (e.dispatched < e.channels.length) {
                SinkChannel channel = e.channels[e.dispatched];
                if (!channel.tryAcquire()) {
                    blocked = true;
                    if (!channel.tryAcquire()) {
                        return; // a finishing send calls drain() again
                    }
                }
                int target = e.dispatched++;
                send(e, target, 1);
            }
            current = null;
        }
    }

    private void abandonBuffered() {
        PipelineStoppedException stopped = new PipelineStoppedException("pipeline '" + name
                + "' stopped before this message was sent; it was not acknowledged, so a source that redelivers "
                + "sends it again");
        Envelope e = current;
        if (e != null && e.dispatched == 0) {
            current = null;
            settleUnsent(e, stopped);
        }
        while ((e = buffer.poll()) != null) {
            settleUnsent(e, stopped);
        }
    }

    private void settleUnsent(Envelope e, Throwable cause) {
        outstanding.decrementAndGet();
        nackedUnsent.incrementAndGet();
        failed.increment();
        nack(e.delivery, cause);
    }

    private void send(Envelope e, int target, int attempt) {
        CompletionStage<Void> stage = callSink(e.channels[target], e.message(target));
        Throwable outcome = outcomeSoFar(stage);
        if (outcome == NOT_YET) {
            stage.whenComplete(new SendCallback(e, target, attempt));
        } else {
            onResult(e, target, attempt, outcome);
        }
    }

    /** Calls a sink; a throw or a null answer becomes a failed stage, so callers see one shape. */
    private static CompletionStage<Void> callSink(SinkChannel channel, Message message) {
        try {
            CompletionStage<Void> stage = channel.sink.send(message);
            return stage != null ? stage : CompletableFuture.failedFuture(
                    new NullPointerException("sink " + channel.sink.name() + " returned null from send"));
        } catch (Exception ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    /**
     * Returns {@code null} if a send already succeeded, its failure if it already failed, and
     * {@link #NOT_YET} if it has not completed (or cannot tell without a callback).
     */
    private static Throwable outcomeSoFar(CompletionStage<Void> stage) {
        // Only a plain CompletableFuture: its minimal-stage subclass throws from isDone().
        if (stage.getClass() == CompletableFuture.class) {
            CompletableFuture<Void> future = (CompletableFuture<Void>) stage;
            if (future.isDone()) {
                return future.isCompletedExceptionally() ? failureOf(future) : null;
            }
        }
        return NOT_YET;
    }

    /** Settles on the fast path a delivery whose every send succeeded at once. */
    private void settleInline(Delivery delivery, long receivedNanos) {
        forwardedInline.increment();
        recordLatency(receivedNanos);
        ack(delivery);
    }

    private void recordLatency(long receivedNanos) {
        if (receivedNanos != UNTIMED) {
            latency.recordNanos(System.nanoTime() - receivedNanos);
        }
    }

    /**
     * The fast path for a message with several targets, on the same terms as
     * {@link #sendInline}: sends to every target from here, and acks from here when every sink
     * completed at once. A target that does not complete at once takes its permit and finishes
     * through the normal callbacks; the envelope then settles when the last target is done.
     *
     * @return {@code false} if the envelope must go through the buffer instead
     */
    private boolean sendInlineToAll(Envelope e) {
        if (abandon || !wip.compareAndSet(0, 1)) {
            return false;
        }
        SinkChannel[] targets = e.channels;
        boolean room = current == null && buffer.size() == 0;
        for (int i = 0; room && i < targets.length; i++) {
            // Two routes to one sink send twice: room for all of them, so the cap holds even if
            // every one of them turns out asynchronous.
            room = targets[i].hasRoom(targets.length);
        }
        if (!room) {
            leaveDrain();
            return false;
        }
        e.dispatched = targets.length;
        boolean handedOver = false;
        int confirmedAtOnce = 0;
        for (int i = 0; i < targets.length; i++) {
            CompletionStage<Void> stage = callSink(targets[i], e.message(i));
            Throwable outcome = outcomeSoFar(stage);
            if (outcome == null) {
                if (!handedOver) {
                    confirmedAtOnce++;
                } else if (e.targetDone()) {
                    settle(e);
                }
                continue;
            }
            if (!handedOver) {
                // From here on the envelope is outstanding like any other; the targets already
                // confirmed count as done (the pending count cannot reach zero: this one is open).
                handedOver = true;
                outstanding.incrementAndGet();
                for (int done = 0; done < confirmedAtOnce; done++) {
                    e.targetDone();
                }
            }
            targets[i].acquireOwned();
            if (outcome == NOT_YET) {
                stage.whenComplete(new SendCallback(e, i, 1));
            } else {
                onResult(e, i, 1, outcome);
            }
        }
        if (!handedOver) {
            settleInline(e.delivery, e.receivedNanos);
        }
        replenishFromDrain();
        leaveDrain();
        return true;
    }

    private static Throwable failureOf(CompletableFuture<Void> future) {
        try {
            future.join();
            return new IllegalStateException("future completed exceptionally without an exception");
        } catch (CompletionException | CancellationException ex) {
            return ex;
        }
    }

    private final class SendCallback implements BiConsumer<Void, Throwable> {
        private final Envelope envelope;
        private final int target;
        private final int attempt;

        SendCallback(Envelope envelope, int target, int attempt) {
            this.envelope = envelope;
            this.target = target;
            this.attempt = attempt;
        }

        @Override
        public void accept(Void ignored, Throwable failure) {
            onResult(envelope, target, attempt, failure);
        }
    }

    private void onResult(Envelope e, int target, int attempt, Throwable failure) {
        if (failure == null) {
            finishTarget(e, target, null);
            return;
        }
        Throwable cause = Futures.unwrap(failure);
        SinkChannel channel = e.channels[target];
        if (retry.shouldRetry(cause, attempt) && !abandon) {
            retried.increment();
            Duration delay = retry.delayAfter(attempt);
            LOG.debug("pipeline '{}': send of message {} to {} failed (attempt {}), retrying in {}: {}", name,
                    e.message(target).id(), channel.sink.name(), attempt, delay, cause.toString());
            scheduleRetry(new RetryTask(e, target, attempt + 1, cause), delay);
            return;
        }
        failLog.warn("pipeline '{}': giving up on message {} to {} after {} attempt(s): {}", name,
                e.message(target).id(), channel.sink.name(), attempt, cause.toString());
        if (deadLetter == null || channel == deadLetter) {
            finishTarget(e, target, cause);
            return;
        }
        Message letter = deadLetterMessage(e.message(target), "sink " + channel.sink.name(), cause, attempt);
        CompletionStage<Void> stage;
        try {
            stage = deadLetter.sink.send(letter);
        } catch (Exception ex) {
            stage = CompletableFuture.failedFuture(ex);
        }
        stage.whenComplete((ignored, dlFailure) -> {
            if (dlFailure == null) {
                e.deadLettered = true;
                finishTarget(e, target, null);
            } else {
                LOG.error("pipeline '{}': dead-letter sink {} refused message {}; nacking it", name,
                        deadLetter.sink.name(), letter.id(), Futures.unwrap(dlFailure));
                cause.addSuppressed(Futures.unwrap(dlFailure));
                finishTarget(e, target, cause);
            }
        });
    }

    private void finishTarget(Envelope e, int target, Throwable failure) {
        if (failure != null) {
            e.fail(failure);
        }
        // Settle before freeing the permit, so that what the source has handed out and not had
        // settled never exceeds buffer + 1 + the in-flight caps, not even for an instant.
        if (e.targetDone()) {
            settle(e);
        }
        e.channels[target].release();
        if (blocked) {
            blocked = false;
            drain();
        }
    }

    private void settle(Envelope e) {
        Throwable failure = e.failure();
        if (failure == null) {
            if (e.rejectedInStep || e.deadLettered) {
                deadLettered.increment();
            } else {
                forwarded.increment();
                recordLatency(e.receivedNanos);
            }
            ack(e.delivery);
        } else {
            failed.increment();
            nack(e.delivery, failure);
        }
        outstanding.decrementAndGet();
        checkIdle();
    }

    private void ack(Delivery delivery) {
        try {
            delivery.ack();
        } catch (Exception ex) {
            ackLog.warn("pipeline '{}': source {} failed to acknowledge message {}", name, source.name(),
                    delivery.message().id(), ex);
        }
    }

    private void nack(Delivery delivery, Throwable cause) {
        try {
            delivery.nack(cause);
        } catch (Exception ex) {
            ackLog.warn("pipeline '{}': source {} failed to take the nack of message {}", name, source.name(),
                    delivery.message().id(), ex);
        }
    }

    // ---------------------------------------------------------------- retries

    private final class RetryTask implements Runnable {
        private final Envelope envelope;
        private final int target;
        private final int attempt;
        private final Throwable lastFailure;
        private volatile ScheduledFuture<?> future;

        RetryTask(Envelope envelope, int target, int attempt, Throwable lastFailure) {
            this.envelope = envelope;
            this.target = target;
            this.attempt = attempt;
            this.lastFailure = lastFailure;
        }

        @Override
        public void run() {
            if (pendingRetries.remove(this) != null) {
                send(envelope, target, attempt);
            }
        }

        void giveUp() {
            ScheduledFuture<?> f = future;
            if (pendingRetries.remove(this) != null) {
                if (f != null) {
                    f.cancel(false);
                }
                finishTarget(envelope, target, lastFailure);
            }
        }
    }

    private void scheduleRetry(RetryTask task, Duration delay) {
        pendingRetries.put(task, Boolean.TRUE);
        try {
            task.future = scheduler().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RuntimeException rejected) { // the pipeline finished meanwhile
            task.giveUp();
        }
    }

    private ScheduledExecutorService scheduler() {
        ScheduledExecutorService s = scheduler;
        if (s == null) {
            // Not the pipeline's monitor: stop() holds that while it waits for sends to finish,
            // and a send that fails meanwhile must still be able to schedule its retry.
            synchronized (schedulerLock) {
                s = scheduler;
                if (s == null) {
                    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                        Thread t = new Thread(r, "edgeflow-" + name + "-retry");
                        t.setDaemon(true);
                        return t;
                    });
                    executor.setRemoveOnCancelPolicy(true);
                    scheduler = s = executor;
                }
            }
        }
        return s;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Opens a spooling sink for each distinct sink of the routes, each in a subdirectory named
     * after the sink; closes those already open if one fails.
     */
    private static Map<Sink, SpoolingSink> openSpools(PipelineSpec spec) {
        if (spec.overflowPolicy != OverflowPolicy.SPOOL) {
            return Map.of();
        }
        Map<Sink, SpoolingSink> spooled = new IdentityHashMap<>();
        Set<String> names = new HashSet<>();
        try {
            for (PipelineSpec.RouteSpec r : spec.routes) {
                Sink sink = r.sink();
                if (spooled.containsKey(sink)) {
                    continue;
                }
                String dirName = directoryName(sink.name());
                for (int n = 2; !names.add(dirName); n++) {
                    dirName = directoryName(sink.name()) + "-" + n;
                }
                SpoolingSink.Builder b = SpoolingSink.builder(sink, spec.spoolDirectory.resolve(dirName))
                        .name("spool[" + sink.name() + "]")
                        .maxInFlight(spec.maxInFlight.getOrDefault(sink, spec.defaultMaxInFlight));
                if (spec.deadLetter != null) {
                    b.deadLetter(spec.deadLetter);
                }
                spec.spoolSettings.accept(b);
                spooled.put(sink, b.build());
            }
        } catch (RuntimeException e) {
            spooled.values().forEach(SpoolingSink::close);
            throw e;
        }
        return spooled;
    }

    /** A file name from a sink name: letters, digits, dot, dash and underscore kept, the rest as '_'. */
    static String directoryName(String sinkName) {
        String cleaned = sinkName.replaceAll("[^A-Za-z0-9._-]", "_");
        if (cleaned.isEmpty() || cleaned.chars().allMatch(c -> c == '.')) {
            cleaned = "sink";
        }
        return cleaned.length() > 100 ? cleaned.substring(0, 100) : cleaned;
    }

    private void closeSpools() {
        for (SpoolingSink s : spooled.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("pipeline '{}': closing {} failed", name, s, e);
            }
        }
    }

    @Override
    public Map<String, SpoolStats> spoolStats() {
        if (spooled.isEmpty()) {
            return Map.of();
        }
        Map<String, SpoolStats> stats = new LinkedHashMap<>();
        for (Map.Entry<String, SpoolingSink> e : spoolsInRouteOrder) {
            stats.merge(e.getKey(), e.getValue().spoolStats(), (a, b) -> a); // same name twice: the first
        }
        return stats;
    }

    private void checkIdle() {
        if ((upstreamDone || cancelled) && outstanding.get() == 0) {
            idle.complete(null);
            if (upstreamDone && !cancelled) {
                finish();
            }
        }
    }

    private void finish() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        flushSinks().whenComplete((ignored, flushFailure) -> {
            shutdownScheduler();
            closeSpools();
            PipelineStats stats = stats();
            Throwable error = upstreamError;
            LOG.info("pipeline '{}' finished: {}", name, stats);
            if (error != null) {
                completion.completeExceptionally(error);
            } else {
                completion.complete(stats);
            }
        });
    }

    private CompletableFuture<Void> flushSinks() {
        List<CompletableFuture<Void>> flushes = new ArrayList<>();
        for (SinkChannel channel : channels) {
            try {
                flushes.add(channel.sink.flush().toCompletableFuture().exceptionally(t -> {
                    LOG.warn("pipeline '{}': flushing sink {} failed", name, channel.sink.name(), Futures.unwrap(t));
                    return null;
                }));
            } catch (Exception e) {
                LOG.warn("pipeline '{}': flushing sink {} failed", name, channel.sink.name(), e);
            }
        }
        return CompletableFuture.allOf(flushes.toArray(new CompletableFuture<?>[0]));
    }

    private void shutdownScheduler() {
        ScheduledExecutorService s = scheduler;
        if (s != null) {
            s.shutdown();
        }
    }

    @Override
    public synchronized StopReport stop(Duration deadline) {
        if (stopReport != null) {
            return stopReport;
        }
        long deadlineNanos = System.nanoTime() + deadline.toNanos();
        cancelled = true;
        Flow.Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
        LOG.info("pipeline '{}' stopping: draining {} outstanding deliveries for up to {} ms", name,
                outstanding.get(), deadline.toMillis());
        checkIdle();
        boolean drained = await(idle, deadlineNanos);
        if (drained) {
            await(flushSinks(), deadlineNanos);
        }
        if (!drained) {
            abandon = true;
            drain();
            // If another thread held the drain loop, it gives up the buffer on its next turn.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (buffer.size() > 0 && System.nanoTime() - until < 0) {
                LockSupport.parkNanos(100_000);
            }
            for (RetryTask task : List.copyOf(pendingRetries.keySet())) {
                task.giveUp();
            }
        }
        long unsent = nackedUnsent.get();
        long inFlight = outstanding.get();
        if (finished.compareAndSet(false, true)) {
            shutdownScheduler();
            completion.complete(stats());
        }
        closeSpools();
        stopReport = new StopReport(drained, unsent, inFlight, stats());
        if (drained) {
            LOG.info("pipeline '{}' stopped, everything settled: {}", name, stopReport.stats());
        } else {
            LOG.warn("pipeline '{}' stopped at its deadline of {} ms: {} unsent deliveries nacked, {} still in flight; {}",
                    name, deadline.toMillis(), unsent, inFlight, stopReport.stats());
        }
        return stopReport;
    }

    private static boolean await(CompletableFuture<?> future, long deadlineNanos) {
        try {
            future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PipelineStats stats() {
        long buffered = buffer.size();
        long inFlight = Math.max(0, outstanding.get() - buffered);
        return new PipelineStats(received.get(), forwarded.sum() + forwardedInline.get(), filtered.sum(),
                dropped.sum(), failed.sum(), retried.sum(), deadLettered.sum(), tapFailures.sum(), inFlight, buffered,
                latency.snapshot());
    }

    @Override
    public CompletionStage<PipelineStats> completion() {
        return completion.minimalCompletionStage();
    }

    @Override
    public boolean isRunning() {
        return !cancelled && !upstreamDone;
    }

    @Override
    public String toString() {
        return "Pipeline{" + name + "}";
    }
}
