package dev.edgeflow.gateway;

import dev.edgeflow.gateway.internal.GatewayRuntime;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

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
     * @throws GatewayException if a connector cannot be created or a route cannot start; the
     *     message names it and the file; whatever was created before is closed again
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
     * Stops the gateway: unsubscribes from every source at once, waits up to {@code drain} for
     * the messages already taken to reach their sinks, nacks what is left (a source that
     * redelivers sends it again next time), then closes sources and sinks. Blocks for about
     * {@code drain} at most, plus the time the connectors take to close. A second call returns
     * the first report.
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
