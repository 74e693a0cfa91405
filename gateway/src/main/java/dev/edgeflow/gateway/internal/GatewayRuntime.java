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
import dev.edgeflow.gateway.GatewayHealth;
import dev.edgeflow.gateway.GatewayStopReport;
import dev.edgeflow.gateway.RouteStatus;
import dev.edgeflow.gateway.internal.Specs.Alerts;
import dev.edgeflow.gateway.internal.Specs.Buffer;
import dev.edgeflow.gateway.internal.Specs.ConnectorSpec;
import dev.edgeflow.gateway.internal.Specs.Filter;
import dev.edgeflow.gateway.internal.Specs.Http;
import dev.edgeflow.gateway.internal.Specs.RouteSpec;
import dev.edgeflow.gateway.internal.Specs.Stage;
import dev.edgeflow.timeseries.analysis.AlertStage;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
    private final Map<String, SinkMonitor> sinkMonitors = new LinkedHashMap<>();
    private final Map<String, ConnectionProbe> sourceProbes = new LinkedHashMap<>();
    private final List<MonitoredSink> monitored = new ArrayList<>();
    private final Map<MeterRegistry, Boolean> boundRegistries = new java.util.IdentityHashMap<>();
    private volatile boolean stopping;
    private HttpEndpoint http;
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
            Sink sink = create(spec, () -> Connectors.sink(spec.options()));
            sinks.put(name, sink);
            sinkMonitors.put(name, new SinkMonitor(name, sink));
        }
        for (String name : usedSources) {
            ConnectorSpec spec = config.source(name);
            Source source = create(spec, () -> Connectors.source(spec.options()));
            sources.put(name, source);
            sourceProbes.put(name, ConnectionProbe.of(source));
            fanOuts.put(name, new FanOut(source));
        }
        boolean watchSinks = sinkMonitors.values().stream().anyMatch(m -> m.connection().known());
        if (watchSinks || config.routes().stream().anyMatch(r -> r.batch() != null)) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "edgeflow-gateway-" + config.name() + "-timer");
                t.setDaemon(true);
                return t;
            });
        }
        if (watchSinks) {
            // Since when a sink's connection is down, for readiness, whether or not anyone asks.
            timer.scheduleWithFixedDelay(() -> sinkMonitors.values().forEach(SinkMonitor::observeConnection),
                    1, 1, TimeUnit.SECONDS);
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
        if (config.http().enabled()) {
            startHttp(config.http());
        }
        LOG.info("gateway '{}' started {} route(s) from {}", config.name(), pipelines.size(), config.file());
    }

    private void startHttp(Http spec) {
        HttpEndpoint.Metrics metrics = null;
        if (spec.metrics()) {
            PrometheusScrape scrape = PrometheusScrape.create();
            MeterBinding.bind(this, scrape.registry());
            metrics = scrape;
        }
        try {
            http = HttpEndpoint.start(spec, config.name(), this::health, metrics);
        } catch (java.io.IOException | RuntimeException e) {
            if (metrics != null) {
                metrics.close();
            }
            throw new GatewayException("gateway '" + config.name() + "': the metrics and health endpoint could not "
                    + "listen on " + spec.host() + ":" + spec.port() + ": " + e + "; check http.host and http.port in "
                    + config.file() + " (another process may have the port)", e);
        }
        LOG.info("gateway '{}': {} on http://{}", config.name(), (spec.metrics() ? "/metrics" : "")
                + (spec.metrics() && spec.health() ? " and " : "") + (spec.health() ? "/health/live, /health/ready" : ""),
                HttpEndpoint.hostPort(http.address()));
    }

    private MonitoredSink monitored(RouteSpec r, String sinkName) {
        MonitoredSink m = new MonitoredSink(sinks.get(sinkName), sinkMonitors.get(sinkName), r.name(), r.source());
        monitored.add(m);
        return m;
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
                Sink alertSink = monitored(r, a.sink());
                b.tap("alerts#" + n, stage.tap(alert -> sendAlert(r.name(), alertSink, alert)));
            }
        }
        Sink target = monitored(r, r.sink());
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
            b.deadLetter(monitored(r, r.deadLetter()));
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

    /** @return the gateway's name */
    String name() {
        return config.name();
    }

    List<RouteSpec> routes() {
        return config.routes();
    }

    Pipeline pipeline(String route) {
        return pipelines.get(route);
    }

    List<MonitoredSink> monitoredSinks() {
        return monitored;
    }

    Map<String, SinkMonitor> sinkMonitors() {
        return sinkMonitors;
    }

    Map<String, ConnectionProbe> sourceProbes() {
        return sourceProbes;
    }

    Map<String, FanOut> fanOuts() {
        return fanOuts;
    }

    long alertsLost() {
        return alertFailures.get();
    }

    /** Binds a registry once: binding it again would count every send twice. */
    synchronized boolean markBound(MeterRegistry registry) {
        return boundRegistries.put(registry, Boolean.TRUE) == null;
    }

    /** @return the address the HTTP endpoint listens on, or null when there is none */
    public java.net.InetSocketAddress httpAddress() {
        HttpEndpoint h = http;
        return h == null ? null : h.address();
    }

    /**
     * Tells whether the gateway is live and ready, part by part; see {@link GatewayHealth}.
     *
     * @return the health now; never blocks
     */
    public GatewayHealth health() {
        Duration threshold = config.http().sinkFailureThreshold();
        List<GatewayHealth.Component> parts = new ArrayList<>();
        boolean stopped = stopping;
        boolean live = !stopped;
        boolean ready = !stopped;
        if (stopped) {
            parts.add(new GatewayHealth.Component("gateway", config.name(), false, false, "stopped"));
        }
        if (timer != null && timer.isShutdown()) {
            live = ready = false;
            parts.add(new GatewayHealth.Component("gateway", config.name(), false, false, "timer stopped"));
        }
        for (Map.Entry<String, Pipeline> e : pipelines.entrySet()) {
            boolean running = e.getValue().isRunning();
            live &= running;
            ready &= running;
            parts.add(new GatewayHealth.Component("route", e.getKey(), running, running,
                    running ? "running" : "stopped"));
        }
        for (Map.Entry<String, FanOut> e : fanOuts.entrySet()) {
            FanOut f = e.getValue();
            Boolean connected = sourceProbes.get(e.getKey()).connected();
            boolean ok;
            String detail;
            if (f.ended()) {
                ok = false;
                detail = f.error() == null ? "ended: the source completed" : "ended: " + f.error();
            } else if (!f.subscribed()) {
                ok = false;
                detail = "not subscribed yet";
            } else if (connected == null) {
                ok = true;
                detail = "subscribed; connection unknown (the connector does not tell)";
            } else {
                ok = connected;
                detail = connected ? "subscribed, connected" : "subscribed, not connected";
            }
            ready &= ok;
            parts.add(new GatewayHealth.Component("source", e.getKey(), !f.ended(), ok, redactor.scrub(detail)));
        }
        for (SinkMonitor m : sinkMonitors.values()) {
            Duration failing = m.failingFor();
            Boolean connected = m.observeConnection();
            Duration down = m.disconnectedFor();
            boolean connectionOk = down.compareTo(threshold) <= 0;
            String connection = connected == null ? "connection unknown"
                    : connected ? "connected"
                    : "not connected for " + againstThreshold(down, threshold);
            boolean sendsOk = failing.compareTo(threshold) <= 0;
            boolean ok = sendsOk && connectionOk;
            String detail;
            if (failing.isZero()) {
                detail = connection + ", not failing";
            } else {
                detail = connection + ", failing for " + againstThreshold(failing, threshold) + ": " + m.lastFailure();
            }
            ready &= ok;
            parts.add(new GatewayHealth.Component("sink", m.name(), true, ok, redactor.scrub(detail)));
        }
        return new GatewayHealth(live, ready && live, parts);
    }

    /** @return such as {@code 75s, longer than the threshold of 60s} */
    private static String againstThreshold(Duration d, Duration threshold) {
        return format(d) + (d.compareTo(threshold) <= 0 ? ", under the threshold of " : ", longer than the threshold of ")
                + format(threshold);
    }

    private static String format(Duration d) {
        long ms = d.toMillis();
        return ms < 10_000 ? ms + "ms" : ms / 1000 + "s";
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
        stopping = true;
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
        stopping = true;
        if (http != null) {
            http.close();
        }
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
