package dev.edgeflow.core.internal;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.OverflowPolicy;
import dev.edgeflow.core.RetryPolicy;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.core.TopicFilter;
import dev.edgeflow.core.TopicRewrite;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/** What a {@code Pipeline.Builder} collected; read once by {@link DefaultPipeline}. */
public final class PipelineSpec {
    /** The kinds of step. */
    enum StepKind { FILTER, MAP, TAP }

    /** One step in order. */
    record Step(StepKind kind, String name, Predicate<? super Message> filter,
            Function<? super Message, Message> map, Consumer<? super Message> tap) {
    }

    /** One route; {@code filter == null} matches everything. */
    record RouteSpec(TopicFilter filter, TopicRewrite rewrite, Sink sink) {
    }

    final Source source;
    /** The pipeline name. */
    public String name;
    final List<Step> steps = new ArrayList<>();
    final List<RouteSpec> routes = new ArrayList<>();
    /** Caps per sink, by identity. */
    public final Map<Sink, Integer> maxInFlight = new IdentityHashMap<>();
    /** Cap for sinks without their own. */
    public int defaultMaxInFlight = 256;
    /** Buffer capacity. */
    public int bufferCapacity = 1024;
    /** Buffer overflow policy. */
    public OverflowPolicy overflowPolicy = OverflowPolicy.BACKPRESSURE;
    /** Retry policy. */
    public RetryPolicy retryPolicy = RetryPolicy.ofDefaults();
    /** Dead-letter sink or null. */
    public Sink deadLetter;
    /** Where {@link OverflowPolicy#SPOOL} keeps each sink's spool, or null. */
    public java.nio.file.Path spoolDirectory;
    /** Settings for each sink's spooling sink. */
    public java.util.function.Consumer<dev.edgeflow.core.spool.SpoolingSink.Builder> spoolSettings = b -> { };

    /**
     * Starts a spec.
     *
     * @param source the source
     */
    public PipelineSpec(Source source) {
        this.source = source;
    }

    /**
     * Adds a filter step.
     *
     * @param name step name or null
     * @param predicate the test
     */
    public void addFilter(String name, Predicate<? super Message> predicate) {
        Objects.requireNonNull(predicate, "predicate");
        steps.add(new Step(StepKind.FILTER, stepName(name, "filter"), predicate, null, null));
    }

    /**
     * Adds a map step.
     *
     * @param name step name or null
     * @param function the mapping
     */
    public void addMap(String name, Function<? super Message, Message> function) {
        Objects.requireNonNull(function, "function");
        steps.add(new Step(StepKind.MAP, stepName(name, "map"), null, function, null));
    }

    /**
     * Adds a tap step.
     *
     * @param name step name or null
     * @param tap the action
     */
    public void addTap(String name, Consumer<? super Message> tap) {
        Objects.requireNonNull(tap, "tap");
        steps.add(new Step(StepKind.TAP, stepName(name, "tap"), null, null, tap));
    }

    /**
     * Adds a route.
     *
     * @param filter the topic filter, or null for every message
     * @param rewrite the topic rewrite
     * @param sink the sink
     */
    public void addRoute(TopicFilter filter, TopicRewrite rewrite, Sink sink) {
        routes.add(new RouteSpec(filter, Objects.requireNonNull(rewrite, "rewrite"), Objects.requireNonNull(sink, "sink")));
    }

    private String stepName(String name, String kind) {
        return name != null ? name : kind + "#" + (steps.size() + 1);
    }

    /**
     * Checks the spec is complete.
     *
     * @return this spec
     */
    public PipelineSpec validated() {
        if (routes.isEmpty()) {
            throw new IllegalStateException("pipeline " + (name == null ? "from " + source.name() : "'" + name + "'")
                    + " has no sink: add one with to(sink) or route(topicFilter, sink)");
        }
        if (name == null) {
            name = source.name();
        }
        String which = "pipeline '" + name + "'";
        if (overflowPolicy == OverflowPolicy.SPOOL && spoolDirectory == null) {
            throw new IllegalStateException(which + " has buffer policy SPOOL but no spool directory: "
                    + "call spool(Path) with a directory of its own");
        }
        if (overflowPolicy != OverflowPolicy.SPOOL && spoolDirectory != null) {
            throw new IllegalStateException(which + " has a spool directory (" + spoolDirectory
                    + ") but buffer policy " + overflowPolicy + ": use buffer(capacity, OverflowPolicy.SPOOL), "
                    + "or drop the spool(...) call");
        }
        return this;
    }

    /**
     * Checks a count is positive.
     *
     * @param value the value
     * @param what its name, for the message
     * @return the value
     */
    public static int positive(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " is " + value + ": use 1 or more");
        }
        return value;
    }
}
