package dev.edgeflow.gateway.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.edgeflow.gateway.GatewayHealth;
import dev.edgeflow.gateway.internal.Specs.Http;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP endpoint on the JDK's own server: {@code GET /metrics} (Prometheus text),
 * {@code GET /health/live} and {@code GET /health/ready} (200 or 503, with a JSON body). One
 * daemon thread serves every request: a scrape every few seconds needs no more, and a flood of
 * requests queues instead of taking the gateway's cores.
 */
final class HttpEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("dev.edgeflow.gateway");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json; charset=utf-8";

    /** What {@code /metrics} serves. */
    interface Metrics extends AutoCloseable {
        String contentType();

        String scrape();

        @Override
        default void close() {
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Metrics metrics;

    private HttpEndpoint(HttpServer server, ExecutorService executor, Metrics metrics) {
        this.server = server;
        this.executor = executor;
        this.metrics = metrics;
    }

    static HttpEndpoint start(Http spec, String gateway, Supplier<GatewayHealth> health, Metrics metrics)
            throws IOException {
        InetAddress address = InetAddress.getByName(spec.host());
        HttpServer server = HttpServer.create(new InetSocketAddress(address, spec.port()), 0);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "edgeflow-gateway-" + gateway + "-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                serve(exchange, spec, health, metrics);
            } catch (IOException | RuntimeException e) {
                LOG.debug("gateway '{}': HTTP {} {} failed: {}", gateway, exchange.getRequestMethod(),
                        exchange.getRequestURI().getPath(), e.toString());
            }
        });
        server.start();
        return new HttpEndpoint(server, executor, metrics);
    }

    private static void serve(HttpExchange exchange, Http spec, Supplier<GatewayHealth> health, Metrics metrics)
            throws IOException {
        String path = exchange.getRequestURI().getPath();
        boolean known = metrics != null && path.equals("/metrics")
                || spec.health() && (path.equals("/health") || path.equals("/health/live") || path.equals("/health/ready"));
        if (!known) {
            respond(exchange, 404, "text/plain; charset=utf-8", "not found: this endpoint serves "
                    + (metrics != null ? "/metrics " : "") + (spec.health() ? "/health/live /health/ready" : "") + "\n");
            return;
        }
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            respond(exchange, 405, "text/plain; charset=utf-8", method + " is not allowed: use GET\n");
            return;
        }
        if (path.equals("/metrics")) {
            respond(exchange, 200, metrics.contentType(), metrics.scrape());
            return;
        }
        GatewayHealth h = health.get();
        boolean up = path.equals("/health/live") ? h.live() : h.ready();
        respond(exchange, up ? 200 : 503, JSON_TYPE, json(h, up));
    }

    static String json(GatewayHealth h, boolean up) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("status", up ? "UP" : "DOWN");
        root.put("live", h.live());
        root.put("ready", h.ready());
        ArrayNode failing = root.putArray("failing");
        h.failing().forEach(c -> failing.add(c.kind() + " " + c.name()));
        ArrayNode parts = root.putArray("components");
        for (GatewayHealth.Component c : h.components()) {
            parts.addObject().put("kind", c.kind()).put("name", c.name()).put("live", c.live())
                    .put("ready", c.ready()).put("detail", c.detail());
        }
        return JSON.writeValueAsString(root) + "\n";
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Stops listening at once: a scrape in progress is cut, which a scraper retries. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        if (metrics != null) {
            metrics.close();
        }
    }
}
