package dev.edgeflow.dashboard.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes every request of the dashboard: the JSON API under {@code /api}, the event stream, and
 * the page. Every error is answered as JSON {@code {"error", "status"}}.
 */
final class RequestHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);
    private static final String ALLOW = "GET, OPTIONS";
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final Pattern HEADER_LIST = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+(\\s*,\\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*");
    private static final String PAGE_POLICY = "default-src 'self'; img-src 'self' data:; "
            + "style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'";

    private final StoreApi api;
    private final AlertBook alerts;
    private final EventHub hub;
    private final Set<String> corsOrigins;
    private final int maxStreamClients;

    RequestHandler(StoreApi api, AlertBook alerts, EventHub hub, Set<String> corsOrigins, int maxStreamClients) {
        this.api = api;
        this.alerts = alerts;
        this.hub = hub;
        this.corsOrigins = corsOrigins;
        this.maxStreamClients = maxStreamClients;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try {
            String origin = exchange.getRequestHeaders().getFirst("Origin");
            boolean corsAllowed = origin != null && (corsOrigins.contains("*") || corsOrigins.contains(origin));
            if (corsAllowed) {
                Headers headers = exchange.getResponseHeaders();
                headers.set("Access-Control-Allow-Origin", corsOrigins.contains("*") ? "*" : origin);
                headers.add("Vary", "Origin");
            }
            serve(exchange, corsAllowed);
        } catch (HttpError e) {
            sendError(exchange, e);
        } catch (IOException e) {
            // The client went away mid-answer; there is no one left to tell.
            LOG.debug("dashboard client {} went away: {}", exchange.getRemoteAddress(), e.toString());
        } catch (RuntimeException e) {
            LOG.error("dashboard request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            sendError(exchange, new HttpError(500, "the dashboard failed to answer " + exchange.getRequestURI().getRawPath()
                    + "; its log has the details"));
        } finally {
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange, boolean corsAllowed) throws HttpError, IOException {
        String[] path = segments(exchange.getRequestURI().getRawPath());
        Route route = route(path);
        String method = exchange.getRequestMethod();
        if (method.equals("OPTIONS")) {
            options(exchange, corsAllowed);
            return;
        }
        if (!method.equals("GET")) {
            throw new HttpError(405, "method " + method + " is not allowed on " + exchange.getRequestURI().getRawPath()
                    + "; the dashboard is read-only: use GET", Map.of("Allow", ALLOW));
        }
        QueryParameters parameters = QueryParameters.parse(exchange.getRequestURI().getRawQuery());
        switch (route.kind) {
            case DEVICES -> sendJson(exchange, 200, api.devices());
            case READINGS -> sendJson(exchange, 200, api.readings(route.device, parameters));
            case STATS -> sendJson(exchange, 200, api.statistics(route.device, parameters));
            case DAILY -> sendJson(exchange, 200, api.daily(route.device, parameters));
            case ALERTS -> sendJson(exchange, 200, alerts());
            case STREAM -> stream(exchange);
            case PAGE -> page(exchange, route.resource);
            default -> throw new IllegalStateException("route " + route.kind);
        }
    }

    private Route route(String[] path) throws HttpError {
        if (path.length >= 1 && path[0].equals("api")) {
            if (path.length == 2 && path[1].equals("devices")) {
                return new Route(Kind.DEVICES, null, null);
            }
            if (path.length == 4 && path[1].equals("devices") && !path[2].isBlank()) {
                switch (path[3]) {
                    case "readings":
                        return new Route(Kind.READINGS, path[2], null);
                    case "stats":
                        return new Route(Kind.STATS, path[2], null);
                    case "daily":
                        return new Route(Kind.DAILY, path[2], null);
                    default:
                        break;
                }
            }
            if (path.length == 2 && path[1].equals("alerts")) {
                return new Route(Kind.ALERTS, null, null);
            }
            if (path.length == 2 && path[1].equals("stream")) {
                return new Route(Kind.STREAM, null, null);
            }
            throw notFound(path);
        }
        Optional<StaticResources.Resource> resource = StaticResources.find(path);
        if (resource.isEmpty()) {
            throw notFound(path);
        }
        return new Route(Kind.PAGE, null, resource.get());
    }

    private static HttpError notFound(String[] path) {
        return new HttpError(404, "no such resource /" + String.join("/", path) + "; the API has /api/devices, "
                + "/api/devices/{id}/readings, /api/devices/{id}/stats, /api/devices/{id}/daily, /api/alerts "
                + "and /api/stream");
    }

    private ObjectNode alerts() {
        List<ObjectNode> recent = alerts.recent();
        ObjectNode json = Json.object();
        ArrayNode list = json.putArray("alerts");
        recent.forEach(list::add);
        ArrayNode active = json.putArray("active");
        alerts.active().forEach(active::add);
        json.put("count", recent.size());
        return json;
    }

    private void options(HttpExchange exchange, boolean corsAllowed) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        headers.set("Allow", ALLOW);
        if (corsAllowed && exchange.getRequestHeaders().getFirst("Access-Control-Request-Method") != null) {
            headers.set("Access-Control-Allow-Methods", ALLOW);
            String requested = exchange.getRequestHeaders().getFirst("Access-Control-Request-Headers");
            if (requested != null && HEADER_LIST.matcher(requested.strip()).matches()) {
                headers.set("Access-Control-Allow-Headers", requested.strip());
            }
            headers.set("Access-Control-Max-Age", "600");
        }
        exchange.sendResponseHeaders(204, -1);
    }

    private void stream(HttpExchange exchange) throws HttpError, IOException {
        Optional<StreamClient> connected = hub.connect();
        if (connected.isEmpty()) {
            throw new HttpError(503, "the dashboard serves at most " + maxStreamClients + " stream clients and has "
                    + "that many, or is closing; try again later, or raise maxStreamClients", Map.of("Retry-After", "5"));
        }
        StreamClient client = connected.get();
        try {
            Headers headers = exchange.getResponseHeaders();
            headers.set("Content-Type", "text/event-stream; charset=utf-8");
            headers.set("Cache-Control", "no-cache");
            headers.set("X-Accel-Buffering", "no");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                client.serve(out);
            }
        } finally {
            hub.disconnect(client);
        }
    }

    private static void page(HttpExchange exchange, StaticResources.Resource resource) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        headers.set("Content-Type", resource.contentType());
        headers.set("Cache-Control", "no-cache");
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Content-Security-Policy", PAGE_POLICY);
        send(exchange, 200, resource.bytes());
    }

    private static void sendJson(HttpExchange exchange, int status, ObjectNode json) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        headers.set("Content-Type", JSON_TYPE);
        headers.set("Cache-Control", "no-store");
        headers.set("X-Content-Type-Options", "nosniff");
        send(exchange, status, Json.bytes(json));
    }

    private static void sendError(HttpExchange exchange, HttpError error) {
        try {
            error.headers().forEach(exchange.getResponseHeaders()::set);
            sendJson(exchange, error.status(), Json.error(error.status(), error.getMessage()));
        } catch (IOException | RuntimeException e) {
            // Headers already sent (a stream that broke) or the client left: nothing more to say.
            LOG.debug("could not send error {} to {}: {}", error.status(), exchange.getRemoteAddress(), e.toString());
        }
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Splits a raw path into decoded segments: {@code /api/devices/pi%2F1/stats} has {@code pi/1}. */
    static String[] segments(String rawPath) throws HttpError {
        String path = rawPath == null ? "" : rawPath;
        if (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.isEmpty()) {
            return new String[0];
        }
        List<String> segments = new ArrayList<>();
        for (String raw : path.split("/", -1)) {
            try {
                // URLDecoder is for forms, where + is a space; in a path it is a plus.
                segments.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "path segment '" + raw + "' has a broken percent escape; encode a device id "
                        + "with encodeURIComponent");
            }
        }
        return segments.toArray(String[]::new);
    }

    private enum Kind { DEVICES, READINGS, STATS, DAILY, ALERTS, STREAM, PAGE }

    private static final class Route {
        final Kind kind;
        final String device;
        final StaticResources.Resource resource;

        Route(Kind kind, String device, StaticResources.Resource resource) {
            this.kind = kind;
            this.device = device;
            this.resource = resource;
        }
    }
}
