package dev.edgeflow.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.OverflowPolicy;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.core.StopReport;
import dev.edgeflow.core.TopicFilter;
import dev.edgeflow.core.TopicRewrite;
import dev.edgeflow.core.spool.SpoolFullPolicy;
import dev.edgeflow.gateway.GatewayException;
import dev.edgeflow.gateway.GatewayStopReport;
import dev.edgeflow.gateway.RouteStatus;
import dev.edgeflow.gateway.internal.Specs.Alerts;
import dev.edgeflow.gateway.internal.Specs.Buffer;
import dev.edgeflow.gateway.internal.Specs.ConnectorSpec;
import dev.edgeflow.gateway.internal.Specs.Filter;
import dev.edgeflow.gateway.internal.Specs.RouteSpec;
import dev.edgeflow.gateway.internal.Specs.Stage;
import dev.edgeflow.timeseries.analysis.AlertStage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running gateway: the connectors a file's routes use, one {@link FanOut} per source, one
 * {@link Pipeline} per route.
 */
public final class GatewayRuntime {
    private static final Logger LOG = LoggerFactory.getLogger("dev.edgeflow.gateway");

    private final ResolvedConfig config;
    private final Redactor redactor;
    private final Map<String, Source> sources = new LinkedHashMap<>();
    private final Map<String, Sink> sinks = new LinkedHashMap<>();
    private final Map<String, FanOut> fanOuts = new LinkedHashMap<>();
    private final Map<String, Pipeline> pipelines = new LinkedHashMap<>();
    private final List<Sink> wrappers = new ArrayList<>();
    private final AtomicLong alertFailures = new AtomicLong();
    private final AtomicLong lastAlertFailureLog = new AtomicLong();
    private ScheduledExecutorService timer;
    private GatewayStopReport stopReport; // guarded by this

    private GatewayRuntime(ResolvedConfig config) {
        this.config = config;
        this.redactor = config.redactor();
    }

    /**
     * Creates the connectors and starts every route.
     *
     * @param config the checked configuration
     * @return the running gateway
     * @throws GatewayException if a connector or route cannot be created or started; everything
     *     created before is closed again
     */
    public static GatewayRuntime start(ResolvedConfig config) {
        GatewayRuntime g = new GatewayRuntime(config);
        try {
            g.startAll();
        } catch (RuntimeException e) {
            g.closeAll();
            if (e instanceof GatewayException) {
                throw e;
            }
            throw new GatewayException(g.redactor.scrub("gateway '" + config.name() + "' could not start: " + e), e);
        }
        return g;
    }

    private void startAll() {
        Set<String> usedSinks = new LinkedHashSet<>();
        Set<String> usedSources = new LinkedHashSet<>();
        for (RouteSpec r : config.routes()) {
            usedSources.add(r.source());
            usedSinks.add(r.sink());
            if (r.deadLetter() != null) {
                usedSinks.add(r.deadLetter());
            }
            for (Stage s : r.stages()) {
                if (s instanceof Alerts a) {
                    usedSinks.add(a.sink());
                }
            }
        }
        for (String name : usedSinks) {
            ConnectorSpec spec = config.sink(name);
            sinks.put(name, create(spec, () -> Connectors.sink(spec.options())));
        }
        for (String name : usedSources) {
            ConnectorSpec spec = config.source(name);
            Source source = create(spec, () -> Connectors.source(spec.options()));
            sources.put(name, source);
            fanOuts.put(name, new FanOut(source));
        }
        if (config.routes().stream().anyMatch(r -> r.batch() != null)) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "edgeflow-gateway-" + config.name() + "-batch");
                t.setDaemon(true);
                return t;
            });
        }
        for (RouteSpec r : config.routes()) {
            pipelines.put(r.name(), startRoute(r));
        }
        for (Map.Entry<String, FanOut> e : fanOuts.entrySet()) {
            try {
                e.getValue().connect();
            } catch (RuntimeException ex) {
                throw new GatewayException(redactor.scrub("source '" + e.getKey() + "' (" + config.source(e.getKey())
                        .options() + ") could not start: " + ex.getMessage() + "; check sources." + e.getKey()
                        + " in " + config.file()), ex);
            }
        }
        LOG.info("gateway '{}' started {} route(s) from {}", config.name(), pipelines.size(), config.file());
    }

    private <T> T create(ConnectorSpec spec, java.util.function.Supplier<T> factory) {
        try {
            return factory.get();
        } catch (RuntimeException e) {
            throw new GatewayException(redactor.scrub(spec.describe() + " could not be created: " + e.getMessage()
                    + "; check " + (spec.source() ? "sources." : "sinks.") + spec.name() + " in " + config.file()), e);
        }
    }

    private Pipeline startRoute(RouteSpec r) {
        Source input = fanOuts.get(r.source()).child(r.name(), r.topic());
        Pipeline.Builder b = Pipeline.from(input).name(r.name());
        int n = 0;
        for (Stage s : r.stages()) {
            n++;
            if (s instanceof Filter f) {
                b.filter("filter#" + n, predicate(f));
            } else if (s instanceof Alerts a) {
                AlertStage.Builder ab = AlertStage.builder().topic(a.topic()).maxSeries(a.maxSeries());
                a.detectors().forEach(ab::detector);
                AlertStage stage = ab.build();
                Sink alertSink = sinks.get(a.sink());
                b.tap("alerts#" + n, stage.tap(alert -> sendAlert(r.name(), alertSink, alert)));
            }
        }
        Sink target = sinks.get(r.sink());
        if (r.batch() != null) {
            target = new BatchingSink(target, r.batch().size(), r.batch().linger(), timer);
            wrappers.add(target);
        }
        b.route(r.topic(), rewrite(r), target).maxInFlight(target, r.maxInFlight());
        Buffer buffer = r.buffer();
        if (buffer.type().equals("spool")) {
            SpoolFullPolicy whenFull = buffer.overflow().equals("drop-oldest") ? SpoolFullPolicy.DROP_OLDEST
                    : SpoolFullPolicy.BACKPRESSURE;
            long maxBytes = buffer.maxBytes();
            b.buffer(buffer.size(), OverflowPolicy.SPOOL)
                    .spool(buffer.directory(), s -> s.spool(sb -> sb.maxBytes(maxBytes).whenFull(whenFull)));
        } else {
            b.buffer(buffer.size(), switch (buffer.overflow()) {
                case "drop-oldest" -> OverflowPolicy.DROP_OLDEST;
                case "drop-newest" -> OverflowPolicy.DROP_NEWEST;
                default -> OverflowPolicy.BACKPRESSURE;
            });
        }
        if (r.deadLetter() != null) {
            b.deadLetter(sinks.get(r.deadLetter()));
        }
        Pipeline p;
        try {
            p = b.start();
        } catch (RuntimeException e) {
            throw new GatewayException(redactor.scrub("route '" + r.name() + "' could not start: " + e.getMessage()
                    + "; check the route in " + config.file()), e);
        }
        LOG.info(redactor.scrub("route '" + r.name() + "': " + config.source(r.source()).describe() + " topic '"
                + r.topic() + "' -> " + config.sink(r.sink()).describe() + describe(r)));
        return p;
    }

    private static String describe(RouteSpec r) {
        String rewrite = switch (r.rewrite().kind()) {
            case "prefix" -> ", prefix '" + r.rewrite().to() + "'";
            case "replace" -> ", rewrite '" + r.rewrite().from() + "' to '" + r.rewrite().to() + "'";
            case "fixed" -> ", topic '" + r.rewrite().to() + "'";
            default -> "";
        };
        return rewrite + ", buffer " + r.buffer().type() + " " + r.buffer().size() + " " + r.buffer().overflow()
                + (r.buffer().directory() != null ? " in " + r.buffer().directory() : "")
                + (r.batch() != null ? ", batches of " + r.batch().size() : "");
    }

    private static TopicRewrite rewrite(RouteSpec r) {
        return switch (r.rewrite().kind()) {
            case "prefix" -> TopicRewrite.prefix(r.rewrite().to());
            case "replace" -> TopicRewrite.replacePrefix(r.rewrite().from(), r.rewrite().to());
            case "fixed" -> TopicRewrite.fixed(r.rewrite().to());
            default -> TopicRewrite.identity();
        };
    }

    private static Predicate<Message> predicate(Filter f) {
        TopicFilter keep = f.topic() == null ? null : TopicFilter.of(f.topic());
        TopicFilter drop = f.excludeTopic() == null ? null : TopicFilter.of(f.excludeTopic());
        String field = f.hasField();
        return m -> {
            if (keep != null && !keep.matches(m.topic()) || drop != null && drop.matches(m.topic())) {
                return false;
            }
            if (field == null) {
                return true;
            }
            try {
                JsonNode json = m.payloadAsJson();
                return json.isObject() && json.has(field) && !json.get(field).isNull();
            } catch (RuntimeException notJson) {
                return false;
            }
        };
    }

    private void sendAlert(String route, Sink sink, Message alert) {
        try {
            sink.send(alert).whenComplete((ok, failure) -> {
                if (failure != null) {
                    alertFailed(route, sink, failure);
                }
            });
        } catch (RuntimeException e) {
            alertFailed(route, sink, e);
        }
    }

    private void alertFailed(String route, Sink sink, Throwable failure) {
        long count = alertFailures.incrementAndGet();
        long now = System.nanoTime();
        long last = lastAlertFailureLog.get();
        if ((last == 0 || now - last > Duration.ofSeconds(10).toNanos()) && lastAlertFailureLog.compareAndSet(last, now)) {
            LOG.warn(redactor.scrub("route '" + route + "': an alert could not be sent to " + sink.name() + " ("
                    + failure + "); " + count + " alert(s) lost so far"));
        }
    }

    /** @return each route's counters, in file order */
    public List<RouteStatus> status() {
        List<RouteStatus> out = new ArrayList<>();
        pipelines.forEach((name, p) -> {
            PipelineStats s = p.stats();
            out.add(new RouteStatus(name, s.received(), s.forwarded(), s.buffered(), s.dropped(), s.failed(),
                    s.filtered(), s.inFlight(), s.deadLettered(), p.isRunning()));
        });
        return out;
    }

    /** @return one line for periodic logging */
    public String statusLine() {
        List<RouteStatus> all = status();
        long running = all.stream().filter(RouteStatus::running).count();
        StringBuilder sb = new StringBuilder("gateway ").append(config.name()).append(": ").append(running).append('/')
                .append(all.size()).append(" routes running");
        for (RouteStatus s : all) {
            sb.append(" | ").append(s);
        }
        long unrouted = fanOuts.values().stream().mapToLong(FanOut::unrouted).sum();
        if (unrouted > 0) {
            sb.append(" | unrouted=").append(unrouted);
        }
        if (alertFailures.get() > 0) {
            sb.append(" | alertsLost=").append(alertFailures.get());
        }
        return redactor.scrub(sb.toString());
    }

    /**
     * Stops the sources, lets every route drain until the deadline, then closes all connectors.
     *
     * @param deadline the time to drain in
     * @return the report; a second call returns the first one
     */
    public synchronized GatewayStopReport stop(Duration deadline) {
        if (stopReport != null) {
            return stopReport;
        }
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        fanOuts.values().forEach(FanOut::cancel);
        Map<String, StopReport> reports = new LinkedHashMap<>();
        pipelines.forEach((name, p) -> {
            Duration left = Duration.ofNanos(Math.max(1_000_000, end - System.nanoTime()));
            reports.put(name, p.stop(left));
        });
        closeAll();
        boolean drained = reports.values().stream().allMatch(StopReport::drained);
        stopReport = new GatewayStopReport(drained, Duration.ofNanos(System.nanoTime() - start), reports);
        LOG.info("gateway '{}' stopped: {}", config.name(), stopReport);
        return stopReport;
    }

    private void closeAll() {
        fanOuts.values().forEach(FanOut::cancel);
        pipelines.values().forEach(p -> {
            if (p.isRunning()) {
                p.stop(Duration.ofMillis(1));
            }
        });
        sources.forEach((name, s) -> quietly("source '" + name + "'", s));
        wrappers.forEach(w -> quietly("batch stage of " + w.name(), w));
        sinks.forEach((name, s) -> quietly("sink '" + name + "'", s));
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void quietly(String what, AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn(redactor.scrub(what + " did not close cleanly: " + e));
        }
    }
}
