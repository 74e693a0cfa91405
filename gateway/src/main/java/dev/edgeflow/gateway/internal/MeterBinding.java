package dev.edgeflow.gateway.internal;

import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.spool.SpoolStats;
import dev.edgeflow.gateway.internal.Specs.RouteSpec;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Registers a running gateway's meters with a registry. The names and tags are listed in
 * {@code docs/gateway.md} ("Metrics and health"); counters and levels read the pipelines' own
 * {@link PipelineStats} when the registry asks, so binding costs nothing on the hot path except
 * the send timers.
 */
public final class MeterBinding {
    private static final String P = "edgeflow.gateway.";

    private MeterBinding() {
    }

    /**
     * Binds every meter of the gateway; binding the same registry again does nothing.
     *
     * @param runtime the gateway
     * @param registry where to register
     */
    public static void bind(GatewayRuntime runtime, MeterRegistry registry) {
        if (!runtime.markBound(registry)) {
            return;
        }
        Tags gateway = Tags.of("gateway", runtime.name());
        for (RouteSpec r : runtime.routes()) {
            Pipeline p = runtime.pipeline(r.name());
            if (p == null) {
                continue;
            }
            Tags tags = gateway.and("route", r.name(), "source", r.source(), "sink", r.sink());
            counter(registry, "route.received", tags, p, s -> s.received(),
                    "deliveries the route took from its source (matching its topic)");
            counter(registry, "route.forwarded", tags, p, s -> s.forwarded(), "deliveries the sink confirmed");
            counter(registry, "route.filtered", tags, p, s -> s.filtered(), "deliveries a filter stage removed");
            counter(registry, "route.dropped", tags, p, s -> s.dropped(),
                    "deliveries the buffer's overflow policy dropped");
            counter(registry, "route.failed", tags, p, s -> s.failed(),
                    "deliveries nacked: failed for good with no dead-letter sink, or unsent at stop");
            counter(registry, "route.retried", tags, p, s -> s.retried(), "send attempts made again after a failure");
            counter(registry, "route.dead.lettered", tags, p, s -> s.deadLettered(),
                    "deliveries the dead-letter sink took");
            gauge(registry, "route.buffered", tags, p, pl -> pl.stats().buffered(), null,
                    "deliveries waiting in the route's buffer");
            gauge(registry, "route.in.flight", tags, p, pl -> pl.stats().inFlight(), null,
                    "deliveries handed to the sink and not yet settled");
            gauge(registry, "route.running", tags, p, pl -> pl.isRunning() ? 1 : 0, null,
                    "1 while the route takes deliveries, 0 once it stopped");
            latency(registry, tags, p, "p50", PipelineStats.Latency::p50);
            latency(registry, tags, p, "p90", PipelineStats.Latency::p90);
            latency(registry, tags, p, "p99", PipelineStats.Latency::p99);
            latency(registry, tags, p, "max", PipelineStats.Latency::max);
            if (r.buffer().type().equals("spool")) {
                gauge(registry, "route.spool.bytes", tags, p, pl -> spool(pl).bytes(), "bytes",
                        "bytes the route's spool takes on disk");
                gauge(registry, "route.spool.records", tags, p, pl -> spool(pl).records(), null,
                        "records in the route's spool not yet confirmed by the sink");
                TimeGauge.builder(P + "route.spool.oldest.age", p, TimeUnit.NANOSECONDS,
                        pl -> spool(pl).oldestRecordAge().toNanos()).tags(tags)
                        .description("age of the oldest unconfirmed record in the spool").register(registry);
                FunctionCounter.builder(P + "route.spool.dropped", p, pl -> spool(pl).dropped()).tags(tags)
                        .description("records the full spool deleted under overflow: drop-oldest").register(registry);
            }
        }
        for (MonitoredSink m : runtime.monitoredSinks()) {
            Tags tags = gateway.and("route", m.route(), "source", m.source(), "sink", m.sinkName());
            Map<MonitoredSink.Outcome, Timer> timers = new EnumMap<>(MonitoredSink.Outcome.class);
            for (MonitoredSink.Outcome o : MonitoredSink.Outcome.values()) {
                timers.put(o, Timer.builder(P + "sink.send").tags(tags).tag("outcome", o.tag())
                        .description("time from a send to the sink's confirmation (success), failure, or "
                                + "refusal of the message for good (rejected)").register(registry));
            }
            m.addListener((nanos, outcome) -> timers.get(outcome).record(nanos, TimeUnit.NANOSECONDS));
        }
        runtime.sinkMonitors().forEach((name, monitor) -> {
            Tags tags = gateway.and("sink", name);
            TimeGauge.builder(P + "sink.failing", monitor, TimeUnit.NANOSECONDS, s -> s.failingFor().toNanos())
                    .tags(tags).description("how long the sink's sends have been failing with no success since; "
                            + "0 when it is not failing").register(registry);
            if (monitor.connection().known()) {
                gauge(registry, "sink.connected", tags, monitor.connection(), MeterBinding::connected, null,
                        "1 when the sink's connection is up, 0 when not");
            }
        });
        runtime.fanOuts().forEach((name, fanOut) -> {
            Tags tags = gateway.and("source", name);
            FunctionCounter.builder(P + "source.unrouted", fanOut, FanOut::unrouted).tags(tags)
                    .description("deliveries that matched no route, acked").register(registry);
            ConnectionProbe probe = runtime.sourceProbes().get(name);
            if (probe.known()) {
                gauge(registry, "source.connected", tags, probe, MeterBinding::connected, null,
                        "1 when the source's connection is up, 0 when not");
            }
        });
        FunctionCounter.builder(P + "alerts.lost", runtime, GatewayRuntime::alertsLost).tags(gateway)
                .description("alerts an alerts stage's sink refused").register(registry);
        gauge(registry, "live", gateway, runtime, g -> g.health().live() ? 1 : 0, null,
                "1 while every route runs (GET /health/live)");
        gauge(registry, "ready", gateway, runtime, g -> g.health().ready() ? 1 : 0, null,
                "1 while every source is connected and no sink fails past the threshold (GET /health/ready)");
    }

    private static double connected(ConnectionProbe probe) {
        Boolean c = probe.connected();
        return c == null ? Double.NaN : c ? 1 : 0;
    }

    private static SpoolStats spool(Pipeline p) {
        Map<String, SpoolStats> all = p.spoolStats();
        if (all.isEmpty()) {
            return new SpoolStats(0, 0, 0, Duration.ZERO, 0, 0, 0, 0, 0, 0, 0);
        }
        return all.values().iterator().next();
    }

    private static void counter(MeterRegistry registry, String name, Tags tags, Pipeline p,
            ToDoubleFunction<PipelineStats> value, String description) {
        FunctionCounter.builder(P + name, p, pl -> value.applyAsDouble(pl.stats())).tags(tags)
                .description(description).register(registry);
    }

    private static <T> void gauge(MeterRegistry registry, String name, Tags tags, T obj, ToDoubleFunction<T> value,
            String unit, String description) {
        Gauge.builder(P + name, obj, value).tags(tags).baseUnit(unit).description(description).register(registry);
    }

    private static void latency(MeterRegistry registry, Tags tags, Pipeline p, String percentile,
            Function<PipelineStats.Latency, Duration> which) {
        TimeGauge.builder(P + "route.latency", p, TimeUnit.NANOSECONDS,
                pl -> which.apply(pl.stats().latency()).toNanos()).tags(tags).tag("percentile", percentile)
                .description("time from receipt to settlement of forwarded deliveries, from a sample of one in "
                        + "eight").register(registry);
    }
}
