package dev.edgeflow.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.testkit.RecordingSubscriber;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Failures the emulator cannot produce, from a fake server in this process. */
class PubSubFaultTest {
    private FakePubSub server;
    private PubSubConnection connection;

    @BeforeEach
    void start() throws Exception {
        server = new FakePubSub();
        connection = PubSubConnection.builder("edgeflow-test").emulatorHost(server.hostPort()).build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void publishesThatMeetUnavailableAreRetriedAndStoredOnce() {
        server.unavailablePublishes.set(3);
        try (PubSubSink sink = PubSubSink.builder(connection, "readings").batchMessages(10).build()) {
            List<CompletableFuture<String>> sends = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                sends.add(sink.sendForId(Message.of("sensor/a", "{\"n\":" + i + "}")));
            }
            CompletableFuture.allOf(sends.toArray(new CompletableFuture[0])).join();
        }
        assertThat(server.publishCalls.get()).isGreaterThanOrEqualTo(4);
        assertThat(server.published).hasSize(10);
    }

    /**
     * After a publish fails on an ordering key, the client refuses (cancels) that key's sends
     * until the key is resumed. The sink resumes it on every failure of the key, so a retry,
     * as the pipeline makes, goes through; the client may mark the key failed just after the
     * first resume, so the retry may need one more attempt. Other keys are never touched.
     */
    @Test
    void aFailedOrderingKeyIsResumedSoThatARetryGoesThroughWithoutTouchingOtherKeys() {
        server.failingKey = "sensor/bad";
        server.keyFailures.set(1);
        try (PubSubSink sink = PubSubSink.builder(connection, "readings").orderingKeyFromTopic().batchMessages(1)
                .build()) {
            CompletableFuture<String> first = sink.sendForId(Message.of("sensor/bad", "1"));
            CompletableFuture<String> other = sink.sendForId(Message.of("sensor/good", "1"));
            assertThat(failure(first).getMessage()).contains("FAILED_PRECONDITION");
            assertThat(other.join()).isNotEmpty();
            assertThat(retried(sink, Message.of("sensor/bad", "1"))).isNotEmpty();
            assertThat(retried(sink, Message.of("sensor/bad", "2"))).isNotEmpty();
        }
        List<String> bad = server.published.stream().filter(m -> m.getOrderingKey().equals("sensor/bad"))
                .map(m -> m.getData().toString(StandardCharsets.UTF_8)).toList();
        assertThat(bad).containsExactly("1", "2");
    }

    /** Sends as the pipeline's retry would: again after a failure, at most three times. */
    private static String retried(PubSubSink sink, Message m) {
        Throwable last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return sink.sendForId(m).join();
            } catch (CancellationException | CompletionException e) {
                last = e;
            }
        }
        throw new AssertionError("three sends of " + m + " failed", last);
    }

    @Test
    void aStreamingPullThatMeetsUnavailableIsReopenedAndDelivers() {
        server.unavailablePulls.set(2);
        server.deliver(messages(5));
        try (PubSubSource source = PubSubSource.builder(connection, "readings-sub").build()) {
            RecordingSubscriber<Delivery> s = RecordingSubscriber.acking();
            source.subscribe(s);
            s.request(Long.MAX_VALUE);
            await().atMost(Duration.ofSeconds(60)).until(() -> s.count() >= 5);
            assertThat(s.error()).isEmpty();
            assertThat(server.pullsOpened.get()).isGreaterThanOrEqualTo(3);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.acked.size() == 5);
        }
    }

    @Test
    void slowAcknowledgementsNeitherHoldUpDeliveriesNorGetLost() {
        server.ackDelayMillis.set(2000);
        server.deliver(messages(20));
        try (PubSubSource source = PubSubSource.builder(connection, "readings-sub").maxOutstandingMessages(100)
                .build()) {
            RecordingSubscriber<Delivery> s = RecordingSubscriber.acking();
            source.subscribe(s);
            s.request(Long.MAX_VALUE);
            await().atMost(Duration.ofSeconds(30)).until(() -> s.count() >= 20);
            assertThat(server.acked).as("acks still on their way when all 20 were delivered").hasSizeLessThan(20);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.acked.size() == 20);
            assertThat(source.counts()[1]).isEqualTo(20);
        }
    }

    @Test
    void permissionDeniedNamesTheRoleToGrant() {
        server.denyAll = true;
        try (PubSubSink sink = PubSubSink.builder(connection, "readings").build();
                PubSubSource source = PubSubSource.builder(connection, "readings-sub").build()) {
            Throwable send = failure(sink.sendForId(Message.of("sensor/a", "{}")));
            assertThat(send).isInstanceOf(PubSubException.class)
                    .hasMessageContaining("permission denied on Pub/Sub topic projects/edgeflow-test/topics/readings")
                    .hasMessageContaining("roles/pubsub.publisher");
            RecordingSubscriber<Delivery> s = RecordingSubscriber.acking();
            source.subscribe(s);
            await().atMost(Duration.ofSeconds(30)).until(() -> s.error().isPresent());
            assertThat(s.error().get()).isInstanceOf(PubSubException.class)
                    .hasMessageContaining("subscriptions/readings-sub").hasMessageContaining("roles/pubsub.subscriber");
        }
    }

    private static List<PubsubMessage> messages(int n) {
        List<PubsubMessage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(PubsubMessage.newBuilder().setMessageId("m" + i).setData(ByteString.copyFromUtf8("{\"n\":" + i
                    + "}")).build());
        }
        return out;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.join();
            throw new AssertionError("completed normally");
        } catch (CompletionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return e;
        }
    }
}
