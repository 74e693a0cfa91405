package dev.edgeflow.dashboard;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A Server-Sent Events client that reads a stream on a thread of its own and hands each event
 * (or comment) to the test as it arrives.
 */
final class SseClient implements AutoCloseable {
    /** One event: its type ({@code message} when none was named) and data, or a comment. */
    record Event(String type, String data) {
        boolean isComment() {
            return type.equals(":");
        }
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final Stream<String> lines;
    private final HttpResponse<Stream<String>> response;

    private SseClient(HttpResponse<Stream<String>> response) {
        this.response = response;
        this.lines = response.body();
        Thread reader = new Thread(this::read, "sse-test-client");
        reader.setDaemon(true);
        reader.start();
    }

    static SseClient connect(URI dashboard) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(dashboard.resolve("api/stream"))
                .header("Accept", "text/event-stream").GET().build();
        HttpResponse<Stream<String>> response = Http.client().send(request, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            String body = String.join("\n", response.body().toList());
            throw new AssertionError("stream answered " + response.statusCode() + ": " + body);
        }
        return new SseClient(response);
    }

    HttpResponse<Stream<String>> response() {
        return response;
    }

    private void read() {
        String type = "message";
        StringBuilder data = null;
        try {
            for (Iterator<String> it = lines.iterator(); it.hasNext();) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(type, data.toString()));
                    }
                    type = "message";
                    data = null;
                } else if (line.startsWith(":")) {
                    events.add(new Event(":", line.substring(1).strip()));
                } else if (line.startsWith("event:")) {
                    type = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    String value = line.substring(5).strip();
                    data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                }
            }
        } catch (RuntimeException e) {
            // The stream was cut: the dashboard closed, or this client did.
        } finally {
            ended.countDown();
        }
    }

    /** Waits for the next event that matches, skipping the others. */
    Event await(Predicate<Event> matching, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event event = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
            if (event == null) {
                throw new AssertionError("no matching event within " + timeout);
            }
            if (matching.test(event)) {
                return event;
            }
        }
    }

    Event await(String type, Duration timeout) throws InterruptedException {
        return await(e -> e.type().equals(type), timeout);
    }

    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        lines.close();
    }
}
