package dev.edgeflow.timeseries.influx;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * An InfluxDB stand-in in the test's own process: records every request and answers from a script,
 * then 204 once the script is used up.
 */
final class FakeInfluxDb implements AutoCloseable {
    /** One request as the server saw it, the body already decompressed. */
    record Request(String method, String path, String query, Map<String, List<String>> headers, String body,
                   int wireBytes) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** A scripted answer; {@code hang} makes the server never answer (until closed). */
    record Answer(int status, String body, Map<String, String> headers, boolean hang) {
        static Answer of(int status, String body) {
            return new Answer(status, body, Map.of(), false);
        }

        static Answer withHeader(int status, String body, String header, String value) {
            return new Answer(status, body, Map.of(header, value), false);
        }

        static Answer hanging() {
            return new Answer(0, "", Map.of(), true);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private final List<Request> requests = new ArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);

    FakeInfluxDb() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    FakeInfluxDb answer(Answer... answers) {
        script.addAll(List.of(answers));
        return this;
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] raw = exchange.getRequestBody().readAllBytes();
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        String body;
        if ("gzip".equals(encoding)) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } else {
            body = new String(raw, StandardCharsets.UTF_8);
        }
        synchronized (this) {
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), Map.copyOf(exchange.getRequestHeaders()), body, raw.length));
        }
        Answer answer = script.poll();
        if (answer == null) {
            answer = Answer.of(204, "");
        }
        if (answer.hang()) {
            try {
                released.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
        if (!answer.body().isEmpty()) {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
        }
        exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            exchange.getResponseBody().write(out);
        }
        exchange.close();
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
