package dev.edgeflow.dashboard;

import static dev.edgeflow.dashboard.TestData.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.timeseries.ReadingQueries;
import dev.edgeflow.timeseries.TimeSeriesException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DashboardStreamTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private Stores.Opened opened;
    private ReadingQueries store;
    private Dashboard dashboard;

    @BeforeEach
    void start() throws TimeSeriesException {
        opened = Stores.open("dashboard-stream");
        store = opened.queries();
        dashboard = Dashboard.builder().queries(store).port(0).clock(CLOCK).start();
    }

    @AfterEach
    void stop() {
        dashboard.close();
        opened.close();
    }

    @Test
    void streamsAPublishedReadingInTheShapeOfTheReadingsApi() throws Exception {
        try (SseClient client = SseClient.connect(dashboard.url())) {
            assertThat(client.response().headers().firstValue("Content-Type"))
                    .hasValue("text/event-stream; charset=utf-8");
            await().atMost(WAIT).until(() -> dashboard.streamClientCount() == 1);

            dashboard.readingsTap().accept(reading("pi-1", 22.5, NOW.getEpochSecond() - 1));

            JsonNode data = Http.JSON.readTree(client.await("reading", WAIT).data());
            assertThat(data.get("device_id").asText()).isEqualTo("pi-1");
            assertThat(data.get("timestamp").asText()).isEqualTo(NOW.minusSeconds(1).toString());
            assertThat(data.get("fields").get("temperature").asDouble()).isEqualTo(22.5);
            assertThat(data.get("fields").get("humidity").asDouble()).isEqualTo(41.0);
            assertThat(data.get("fields").has("timestamp")).isFalse();
        }
    }

    @Test
    void streamsAPublishedAlertToEveryClient() throws Exception {
        try (SseClient first = SseClient.connect(dashboard.url()); SseClient second = SseClient.connect(dashboard.url())) {
            await().atMost(WAIT).until(() -> dashboard.streamClientCount() == 2);

            dashboard.alertsTap().accept(DashboardApiTest.alert("pi-1", "temperature", "threshold", "raised", 36.5, 0));

            for (SseClient client : new SseClient[] {first, second}) {
                JsonNode data = Http.JSON.readTree(client.await("alert", WAIT).data());
                assertThat(data.get("device_id").asText()).isEqualTo("pi-1");
                assertThat(data.get("state").asText()).isEqualTo("raised");
                assertThat(data.get("reason").asText()).isEqualTo("temperature 36.5 raised");
            }
        }
    }

    @Test
    void skipsAReadingTheStoreWouldRejectAndCountsIt() throws Exception {
        try (SseClient client = SseClient.connect(dashboard.url())) {
            await().atMost(WAIT).until(() -> dashboard.streamClientCount() == 1);

            dashboard.publishReading(Message.of("sensor/pi-1/data", "not json"));
            dashboard.publishReading(Message.of("x", "{\"temperature\":20}"));
            dashboard.publishReading(Message.of("sensor/pi-1/data", "{\"status\":\"ok\"}"));
            dashboard.publishReading(reading("pi-9", 20, NOW.getEpochSecond()));

            assertThat(Http.JSON.readTree(client.await("reading", WAIT).data()).get("device_id").asText())
                    .isEqualTo("pi-9");
            assertThat(dashboard.skippedMessageCount()).isEqualTo(3);
        }
    }

    @Test
    void sendsAHeartbeatCommentWhileIdle() throws Exception {
        try (Dashboard fast = Dashboard.builder().queries(store).port(0).heartbeat(Duration.ofMillis(50)).start();
                SseClient client = SseClient.connect(fast.url())) {
            SseClient.Event heartbeat = client.await(e -> e.isComment() && e.data().equals("heartbeat"), WAIT);

            assertThat(heartbeat.type()).isEqualTo(":");
        }
    }

    @Test
    void refusesAStreamClientPastTheCapWith503() throws Exception {
        // A client that went away is noticed at the next write: the short heartbeat makes that soon.
        try (Dashboard capped = Dashboard.builder().queries(store).port(0).maxStreamClients(1)
                .heartbeat(Duration.ofMillis(100)).start()) {
            SseClient first = SseClient.connect(capped.url());
            try {
                await().atMost(WAIT).until(() -> capped.streamClientCount() == 1);

                HttpResponse<String> second = new Http(capped.url()).get("api/stream");

                assertThat(second.statusCode()).isEqualTo(503);
                assertThat(Http.json(second).get("error").asText())
                        .startsWith("the dashboard serves at most 1 stream clients");
                assertThat(second.headers().firstValue("Retry-After")).hasValue("5");
                // The API still answers: stream clients have threads of their own.
                assertThat(new Http(capped.url()).get("api/alerts").statusCode()).isEqualTo(200);
            } finally {
                first.close();
            }

            // The slot is free again once the first client is gone.
            await().atMost(WAIT).until(() -> capped.streamClientCount() == 0);
            SseClient again = SseClient.connect(capped.url());
            try {
                await().atMost(WAIT).until(() -> capped.streamClientCount() == 1);
            } finally {
                again.close();
            }
        }
    }

    @Test
    void endsEveryStreamOnClose() throws Exception {
        SseClient client = SseClient.connect(dashboard.url());
        await().atMost(WAIT).until(() -> dashboard.streamClientCount() == 1);

        dashboard.close();

        assertThat(client.awaitEnd(WAIT)).as("stream ended").isTrue();
        assertThat(dashboard.streamClientCount()).isZero();
        // After close, taps do nothing and do not throw.
        dashboard.readingsTap().accept(reading("pi-1", 20, NOW.getEpochSecond()));
        dashboard.close();
    }

    @Test
    void aClientThatStopsReadingNeitherBlocksThePublisherNorOtherClients() throws Exception {
        try (Dashboard small = Dashboard.builder().queries(store).port(0).clock(CLOCK).streamQueueCapacity(16).start();
                Socket slow = new Socket();
                SseClient fast = SseClient.connect(small.url())) {
            // A reader that never reads: its socket buffers fill, then its stream thread blocks in write.
            slow.setReceiveBufferSize(4096);
            slow.setSoTimeout((int) WAIT.toMillis());
            slow.connect(new InetSocketAddress(small.url().getHost(), small.port()));
            OutputStream request = slow.getOutputStream();
            request.write(("GET /api/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            request.flush();
            await().atMost(WAIT).until(() -> small.streamClientCount() == 2);

            // Publish far more than any socket buffers hold (about 23 MB of events; Linux buffers a
            // few MB per connection), so that the slow client's stream thread must block in write.
            // If publishing waited for it, the publisher would never finish and the latch would time out.
            int count = 200_000;
            CountDownLatch done = new CountDownLatch(1);
            Thread publisher = new Thread(() -> {
                for (int i = 0; i < count; i++) {
                    small.publishReading(reading("pi-1", 20 + i % 10, NOW.getEpochSecond()));
                }
                small.publishReading(reading("last", 99, NOW.getEpochSecond()));
                done.countDown();
            }, "pipeline-thread");
            publisher.start();

            assertThat(done.await(60, TimeUnit.SECONDS)).as("publisher finished").isTrue();
            assertThat(small.droppedEventCount()).isPositive();

            // The reading published last is never the one dropped: the fast client gets it.
            fast.await(e -> e.type().equals("reading") && e.data().contains("\"last\""), WAIT);

            // Once the slow client reads again, it is told how many events it lost: it cannot have
            // taken all of them, its socket holds a fraction.
            String text = readUntil(slow.getInputStream(), "event: dropped\ndata: {\"dropped\":", WAIT);
            assertThat(text).startsWith("HTTP/1.1 200");
            assertThat(text.length()).isLessThan(count * 100);
        }
    }

    private static String readUntil(InputStream in, String marker, Duration timeout) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            seen.write(buffer, 0, n);
            // Chunk boundaries may split an event; only the dropped notice is searched for, and it
            // is written at the start of a chunk (after a flush), in one piece.
            String text = seen.toString(StandardCharsets.UTF_8);
            if (text.contains(marker)) {
                return text;
            }
            if (seen.size() > 64 << 20) {
                break;
            }
        }
        throw new AssertionError("the stream never said '" + marker + "' in " + seen.size() + " bytes");
    }

    static Message reading(String device, double temperature, long epochSecond) {
        return Message.of("sensor/" + device + "/data", "{\"device_id\":\"" + device + "\",\"temperature\":"
                + temperature + ",\"humidity\":41,\"timestamp\":" + epochSecond + "}");
    }
}
