package dev.edgeflow.core;

import dev.edgeflow.core.internal.DefaultPipeline;
import dev.edgeflow.core.internal.PipelineSpec;
import dev.edgeflow.core.spool.SpoolStats;
import dev.edgeflow.core.spool.SpoolingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A running flow of messages from one {@link Source} through filters, maps and taps to one or
 * more {@link Sink sinks}, with backpressure and acknowledgements end to end.
 *
 * <pre>{@code
 * Pipeline pipeline = Pipeline.from(source)
 *         .filter(m -> m.payloadSize() > 0)
 *         .tap(m -> log.info("reading {}", m))
 *         .route("sensor/#", TopicRewrite.prefix("site1/"), cloudSink)
 *         .route("device/+/status", statusSink)
 *         .deadLetter(deadLetterSink)
 *         .start();
 * }</pre>
 *
 * <p><b>Backpressure.</b> The pipeline asks its source only for what its bounded buffer can
 * hold, and each sink has a cap on sends in flight; a slow sink fills the buffer and the
 * source is asked for nothing more. Nothing in a pipeline grows without bound.
 *
 * <p><b>Acknowledgement.</b> A delivery is acked to its source once every sink it was routed
 * to confirmed it, or once the dead-letter sink took it; it is nacked with the cause when a
 * send failed for good and no dead-letter sink took it. Filtered, unrouted and dropped
 * messages are acked.
 *
 * <p><b>Failure.</b> Failed sends are retried per the {@link RetryPolicy}. An exception from a
 * filter or map, a payload that is not the JSON a step asked for, a rewrite that makes a bad
 * topic: each sends the message to the dead-letter sink (or nacks it), never stops the pipeline.
 *
 * <p>Filters, maps and taps run on the thread that delivers from the source and must not
 * block. All methods are thread-safe.
 *
 * @since 0.1.0
 */
public interface Pipeline extends AutoCloseable {

    /**
     * Starts building a pipeline that reads from a source.
     *
     * @param source the source; the pipeline subscribes to it on {@link Builder#start()}
     * @return a builder
     */
    static Builder from(Source source) {
        return new Builder(Objects.requireNonNull(source, "source"));
    }

    /**
     * Returns the pipeline's name.
     *
     * @return the name given to the builder, or the source's name
     */
    String name();

    /**
     * Returns a snapshot of the counters. Cheap enough to call every second.
     *
     * @return the stats
     */
    PipelineStats stats();

    /**
     * Returns a stage that completes when the source has completed and every accepted delivery
     * is settled, or when {@link #stop(Duration)} has finished. It completes exceptionally with
     * the source's error if the source failed (after the accepted deliveries are settled).
     *
     * @return the completion, with the final stats
     */
    CompletionStage<PipelineStats> completion();

    /**
     * Tells whether the pipeline still takes deliveries from its source.
     *
     * @return {@code false} once the source completed or the pipeline was stopped
     */
    boolean isRunning();

    /**
     * Returns the levels of the spools this pipeline keeps in front of its sinks with
     * {@link OverflowPolicy#SPOOL}: bytes and records held, the age of the oldest, the replay
     * rate. Empty for other policies.
     *
     * @return spool stats by sink name, in route order
     */
    default Map<String, SpoolStats> spoolStats() {
        return Map.of();
    }

    /**
     * Stops the pipeline: cancels the source subscription, waits up to {@code deadline} for
     * buffered and in-flight deliveries to be settled and flushes the sinks, then nacks what is
     * still buffered so that a source that redelivers sends it again. Closes neither the source
     * nor the sinks; with {@link OverflowPolicy#SPOOL} it closes the spools it opened for them,
     * and what they had not forwarded stays on disk for the next pipeline on the directory. Blocks the caller for at most about {@code deadline}; calling it again
     * returns the first report.
     *
     * @param deadline how long to wait for the drain
     * @return what was left
     */
    StopReport stop(Duration deadline);

    /** Stops the pipeline with a 10 second drain deadline. */
    @Override
    default void close() {
        stop(Duration.ofSeconds(10));
    }

    /**
     * Builds and starts a {@link Pipeline}. Steps (filter, map, tap) run in the order they are
     * added; routes are matched after the last step, and a message goes to every route that
     * matches it. Not thread-safe; use one builder per pipeline.
     *
     * @since 0.1.0
     */
    final class Builder {
        private final PipelineSpec spec;

        private Builder(Source source) {
            this.spec = new PipelineSpec(source);
        }

        /**
         * Names the pipeline, for logs, thread names and stats.
         *
         * @param name a short name
         * @return this builder
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("pipeline name is " + (name == null ? "null" : "blank")
                        + ": give a short name such as 'sensor-bridge'");
            }
            spec.name = name;
            return this;
        }

        /**
         * Keeps only messages that pass a test; the others are acked and counted as filtered.
         *
         * @param predicate true for messages to keep
         * @return this builder
         */
        public Builder filter(Predicate<? super Message> predicate) {
            spec.addFilter(null, predicate);
            return this;
        }

        /**
         * Keeps only messages that pass a named test.
         *
         * @param name the step's name, used in dead-letter reasons and logs
         * @param predicate true for messages to keep
         * @return this builder
         */
        public Builder filter(String name, Predicate<? super Message> predicate) {
            spec.addFilter(name, predicate);
            return this;
        }

        /**
         * Replaces each message with another. A function that throws or returns {@code null}
         * sends the message, as it was before this step, to the dead-letter sink.
         *
         * @param function the mapping
         * @return this builder
         */
        public Builder map(Function<? super Message, Message> function) {
            spec.addMap(null, function);
            return this;
        }

        /**
         * Replaces each message with another, in a named step.
         *
         * @param name the step's name, used in dead-letter reasons and logs
         * @param function the mapping
         * @return this builder
         */
        public Builder map(String name, Function<? super Message, Message> function) {
            spec.addMap(name, function);
            return this;
        }

        /**
         * Looks at each message without changing it: logging, alerting, counting. An exception
         * from a tap is logged at a limited rate and counted; the message goes on.
         *
         * @param tap the action
         * @return this builder
         */
        public Builder tap(Consumer<? super Message> tap) {
            spec.addTap(null, tap);
            return this;
        }

        /**
         * Looks at each message in a named step.
         *
         * @param name the step's name, used in logs
         * @param tap the action
         * @return this builder
         */
        public Builder tap(String name, Consumer<? super Message> tap) {
            spec.addTap(name, tap);
            return this;
        }

        /**
         * Sends messages whose topic matches an MQTT topic filter to a sink, on their own topic.
         *
         * @param topicFilter a filter such as {@code sensor/#}
         * @param sink the sink
         * @return this builder
         * @throws InvalidTopicException if the filter is not valid
         */
        public Builder route(String topicFilter, Sink sink) {
            return route(topicFilter, TopicRewrite.identity(), sink);
        }

        /**
         * Sends messages whose topic matches an MQTT topic filter to a sink, on a rewritten topic.
         *
         * @param topicFilter a filter such as {@code sensor/#}
         * @param rewrite the target topic for each source topic
         * @param sink the sink
         * @return this builder
         * @throws InvalidTopicException if the filter is not valid
         */
        public Builder route(String topicFilter, TopicRewrite rewrite, Sink sink) {
            spec.addRoute(TopicFilter.of(topicFilter), rewrite, sink);
            return this;
        }

        /**
         * Sends every message to a sink, whatever its topic.
         *
         * @param sink the sink
         * @return this builder
         */
        public Builder to(Sink sink) {
            spec.addRoute(null, TopicRewrite.identity(), sink);
            return this;
        }

        /**
         * Sets the cap on sends in flight for every sink that has no cap of its own.
         *
         * @param maxInFlight at least 1; default 256
         * @return this builder
         */
        public Builder maxInFlight(int maxInFlight) {
            spec.defaultMaxInFlight = PipelineSpec.positive(maxInFlight, "maxInFlight");
            return this;
        }

        /**
         * Sets the cap on sends in flight for one sink: the backpressure from that sink.
         *
         * @param sink a sink of this pipeline
         * @param maxInFlight at least 1
         * @return this builder
         */
        public Builder maxInFlight(Sink sink, int maxInFlight) {
            spec.maxInFlight.put(Objects.requireNonNull(sink, "sink"),
                    PipelineSpec.positive(maxInFlight, "maxInFlight for sink " + sink.name()));
            return this;
        }

        /**
         * Sets the buffer between the steps and the sinks.
         *
         * @param capacity how many deliveries it holds, at least 1; default 1024
         * @param policy what happens when it is full; default {@link OverflowPolicy#BACKPRESSURE}
         * @return this builder
         */
        public Builder buffer(int capacity, OverflowPolicy policy) {
            spec.bufferCapacity = PipelineSpec.positive(capacity, "buffer capacity");
            spec.overflowPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the directory under which {@link OverflowPolicy#SPOOL} keeps one spool per sink,
         * each in a subdirectory named after the sink. Needed with that policy, refused with
         * the others.
         *
         * @param directory a directory for this pipeline alone; created if missing
         * @return this builder
         */
        public Builder spool(Path directory) {
            return spool(directory, b -> { });
        }

        /**
         * Sets the spool directory, as {@link #spool(Path)}, and adjusts each sink's
         * {@link SpoolingSink}: replay rate, window, retry delays, and through
         * {@link SpoolingSink.Builder#spool(java.util.function.Consumer)} the spool's size,
         * durability and full policy. The pipeline's dead-letter sink, if any, is each spooling
         * sink's too.
         *
         * @param directory a directory for this pipeline alone; created if missing
         * @param settings called with each sink's builder
         * @return this builder
         */
        public Builder spool(Path directory, Consumer<SpoolingSink.Builder> settings) {
            spec.spoolDirectory = Objects.requireNonNull(directory, "directory");
            spec.spoolSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Sets how failed sends are retried.
         *
         * @param policy the policy; default {@link RetryPolicy#ofDefaults()}
         * @return this builder
         */
        public Builder retry(RetryPolicy policy) {
            spec.retryPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the sink for messages that failed for good. Each carries the reason in the
         * {@link Headers} {@code edgeflow-dead-letter-*} headers; once the dead-letter sink has
         * it, the delivery is acked.
         *
         * @param sink the dead-letter sink
         * @return this builder
         */
        public Builder deadLetter(Sink sink) {
            spec.deadLetter = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Builds the pipeline and subscribes it to the source.
         *
         * @return the running pipeline
         * @throws IllegalStateException if no route or sink was added
         */
        public Pipeline start() {
            return DefaultPipeline.start(spec.validated());
        }
    }
}
