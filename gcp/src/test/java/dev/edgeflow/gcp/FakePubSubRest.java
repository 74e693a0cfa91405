package dev.edgeflow.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Pub/Sub's REST publish on a loopback port, recording every request, answering as a script
 * says: the failures the emulator cannot produce (503, 429, a refused batch, a stalled answer).
 */
final class FakePubSubRest implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request as it came: method, path, and for a publish the messages in it. */
    record Request(String method, String path, List<Published> messages, String body) {
    }

    /** One message of a publish request, decoded. */
    record Published(String data, Map<String, String> attributes, String orderingKey) {
    }

    /** An answer: the HTTP status and the body; null from the script means "publish as the service would". */
    record Answer(int status, String body) {
        static Answer error(int status, String code, String message) {
            return new Answer(status, "{\"error\":{\"code\":" + status + ",\"message\":\"" + message
                    + "\",\"status\":\"" + code + "\"}}");
        }
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** The messages the fake stored, in the order it stored them. */
    final List<Published> stored = new CopyOnWriteArrayList<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-pubsub-rest");
        t.setDaemon(true);
        return t;
    });
    volatile Function<Request, Answer> script = r -> null;

    FakePubSubRest() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** The publish requests, in the order they came. */
    List<Request> publishes() {
        List<Request> out = new ArrayList<>();
        for (Request r : requests) {
            if (r.path().endsWith(":publish")) {
                out.add(r);
            }
        }
        return out;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        String text = new String(body, StandardCharsets.UTF_8);
        List<Published> messages = new ArrayList<>();
        if (exchange.getRequestURI().getPath().endsWith(":publish")) {
            for (JsonNode m : JSON.readTree(body).path("messages")) {
                Map<String, String> attributes = new java.util.LinkedHashMap<>();
                m.path("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().asText()));
                messages.add(new Published(new String(Base64.getDecoder().decode(m.path("data").asText()),
                        StandardCharsets.UTF_8), attributes, m.path("orderingKey").asText("")));
            }
        }
        Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), messages, text);
        requests.add(request);
        Answer answer;
        try {
            answer = script.apply(request);
        } catch (RuntimeException e) {
            answer = new Answer(500, e.toString());
        }
        if (answer == null) {
            StringBuilder ids = new StringBuilder("{\"messageIds\":[");
            for (int i = 0; i < messages.size(); i++) {
                stored.add(messages.get(i));
                ids.append(i == 0 ? "" : ",").append('"').append(nextId.getAndIncrement()).append('"');
            }
            answer = new Answer(200, ids.append("]}").toString());
        }
        byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), out.length);
        try (OutputStream o = exchange.getResponseBody()) {
            o.write(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
