package dev.edgeflow.gateway;

import dev.edgeflow.gateway.internal.GatewayRuntime;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A running gateway: one pipeline per route of a {@link GatewayConfig}.
 *
 * <pre>{@code
 * Gateway gateway = Gateway.start(GatewayConfig.load(file));
 * scheduler.scheduleAtFixedRate(() -> log.info(gateway.statusLine()), 30, 30, TimeUnit.SECONDS);
 * ...
 * GatewayStopReport report = gateway.stop(Duration.ofSeconds(10));
 * }</pre>
 *
 * <p><b>Sources are shared.</b> Each source declared in the file is created once and subscribed
 * to once, however many routes read from it: one MQTT connection and client id, one Pub/Sub
 * subscriber. Each route sees the messages that match its topic filter and has its own stages,
 * buffer and counters. The source is asked for no more than the route with the least room can
 * take, so a slow route slows its source for the other routes on it too; give a route a
 * {@code spool} buffer when it must not hold the others back. A message is acked to its source
 * once every route it went to has settled it. Sinks are shared too: one connection per sink.
 *
 * <p><b>Network.</b> Connectors reconnect by themselves as their providers do; a broker that is
 * down at start is not an error for providers that connect in the background (MQTT), and
 * messages wait in the route's buffer, then its source, until it is back.
 *
 * <p><b>Metrics and health.</b> {@link #health()} tells whether the gateway is live and ready,
 * and {@link GatewayMetrics} binds its meters to a Micrometer registry. With {@code http:} in the
 * file, {@code start} also serves {@code GET /metrics} (Prometheus) and {@code GET /health/live},
 * {@code GET /health/ready} on the JDK's HTTP server, on loopback unless {@code http.host} says
 * otherwise, until {@code stop}.
 *
 * <p>All methods are thread-safe.
 *
 * @since 0.1.0
 */
public final class Gateway implements AutoCloseable {
    private final GatewayRuntime runtime;

    private Gateway(GatewayRuntime runtime) {
        this.runtime = runtime;
    }

    /**
     * Creates the connectors the routes use and starts every route. Connectors declared but used
     * by no route are not created. Returns once every route's pipeline has subscribed; it blocks
     * only as long as the providers take to create their connectors.
     *
     * @param config a checked configuration
     * @return the running gateway
     * @throws GatewayException if a connector cannot be created, a route cannot start, or the
     *     {@code http:} endpoint cannot listen (its port taken); the message names it and the file;
     *     whatever was created before is closed again
     */
    public static Gateway start(GatewayConfig config) {
        Objects.requireNonNull(config, "config");
        return new Gateway(GatewayRuntime.start(config.resolved()));
    }

    /**
     * Returns each route's counters now. Cheap enough to call every second; does not block.
     *
     * @return one status per route, in file order
     */
    public List<RouteStatus> status() {
        return runtime.status();
    }

    /**
     * Returns one line for a periodic log, such as
     * {@code gateway site-1: 2/2 routes running | a received=10 forwarded=10 buffered=0 dropped=0 failed=0 | b ...},
     * with {@code unrouted=N} for messages no route matched and {@code alertsLost=N} for alerts a
     * sink refused, when there are any. Does not block.
     *
     * @return the status line, without secrets
     */
    public String statusLine() {
        return runtime.statusLine();
    }

    /**
     * Tells whether the gateway is live (every route runs) and ready (every source subscribed and,
     * where its connector tells, connected; no sink failing for longer than
     * {@code http.sinkFailureThreshold}, default 60 s), with a reason per route, source and sink.
     * What {@code GET /health/live} and {@code /health/ready} answer. Does not block and does no
     * I/O: connection states are what the connectors last saw.
     *
     * @return the health now; not ready, and not live, once {@link #stop(Duration)} has begun
     * @since 0.1.0
     */
    public GatewayHealth health() {
        return runtime.health();
    }

    /**
     * Returns the address the {@code http:} endpoint listens on: with {@code port: 0}, the port
     * the system chose.
     *
     * @return the address, or empty when the file has no {@code http:}
     * @since 0.1.0
     */
    public Optional<InetSocketAddress> httpAddress() {
        return Optional.ofNullable(runtime.httpAddress());
    }

    GatewayRuntime runtime() {
        return runtime;
    }

    /**
     * Stops the gateway: unsubscribes from every source at once, waits up to {@code drain} for
     * the messages already taken to reach their sinks, nacks what is left (a source that
     * redelivers sends it again next time), then closes sources and sinks. Blocks for about
     * {@code drain} at most, plus the time the connectors take to close. The {@code http:}
     * endpoint answers {@code 503} on {@code /health/*} while the routes drain, and stops
     * listening at the end. A second call returns the first report.
     *
     * @param drain how long the routes may take to drain
     * @return whether everything drained, and what was left per route
     */
    public GatewayStopReport stop(Duration drain) {
        Objects.requireNonNull(drain, "drain");
        return runtime.stop(drain);
    }

    /** Stops with a 10 second drain deadline, as {@link #stop(Duration)}. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }
}
