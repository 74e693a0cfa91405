package dev.edgeflow.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.testkit.RecordingSubscriber;
import dev.edgeflow.testkit.TestMessages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST transport against the emulator: what the service stores, in the order it must. */
class PubSubRestIT {
    private static Emulator emulator;

    @BeforeAll
    static void startEmulator() {
        emulator = Emulator.start();
    }

    @AfterAll
    static void stopEmulator() {
        if (emulator != null) {
            emulator.close();
        }
    }

    private static PubSubSink.Builder rest(String topic) {
        return PubSubSink.builder(emulator.connection, topic).transport(PubSubSink.Transport.REST);
    }

    @Test
    void everyMessageArrivesOnceWithItsBytesAndAttributes() {
        String topic = emulator.freshTopicWithSubscription("rest-all");
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            byte[] payload = new byte[i % 300 + 1];
            for (int j = 0; j < payload.length; j++) {
                payload[j] = (byte) (i + j);
            }
            sent.add(Message.builder("sensor/pi-" + (i % 3) + "/raw").payload(payload).header("seq", "" + i)
                    .header("unit", "°C \"raw\"").build());
        }
        Set<String> ids = new HashSet<>();
        try (PubSubSink sink = rest(topic).topicAttribute("source_topic").build()) {
            List<CompletableFuture<String>> sends = new ArrayList<>();
            for (Message m : sent) {
                sends.add(sink.sendForId(m));
            }
            for (CompletableFuture<String> f : sends) {
                ids.add(f.join());
            }
        }
        assertThat(ids).hasSize(1500);
        try (PubSubPuller puller = PubSubPuller.open(emulator.connection, topic + "-sub")) {
            List<PubSubPuller.Pulled> got = puller.pullAtLeast(1500, Duration.ofSeconds(60));
            puller.ack(got);
            assertThat(got).hasSize(1500);
            for (PubSubPuller.Pulled p : got) {
                Message m = p.message();
                Message original = sent.get(Integer.parseInt(m.header("seq")));
                assertThat(m.payload()).isEqualTo(original.payload());
                assertThat(m.header("unit")).isEqualTo("°C \"raw\"");
                assertThat(m.header("source_topic")).isEqualTo(original.topic());
                assertThat(ids).contains(m.id());
            }
        }
    }

    @Test
    void messagesWithTheSameOrderingKeyArriveInOrder() {
        String topic = "rest-ordered-" + System.nanoTime();
        emulator.admin.createTopicIfMissing(topic);
        emulator.admin.createSubscriptionIfMissing(topic + "-sub", topic, Duration.ofSeconds(10), true, false);
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            sent.add(TestMessages.reading("sensor/pi-0" + (i % 3) + "/temperature", i));
        }
        try (PubSubSink sink = rest(topic).orderingKeyFromTopic().topicAttribute("source_topic").batchMessages(7)
                .build();
                PubSubSource source = PubSubSource.builder(emulator.connection, topic + "-sub")
                        .topicFromAttribute("source_topic").build()) {
            RecordingSubscriber<Delivery> s = RecordingSubscriber.acking();
            source.subscribe(s);
            s.request(Long.MAX_VALUE);
            CompletableFuture.allOf(sent.stream().map(sink::sendForId).toArray(CompletableFuture[]::new)).join();
            await().atMost(Duration.ofSeconds(30)).until(() -> s.count() >= 300);
            for (int k = 0; k < 3; k++) {
                String key = "sensor/pi-0" + k + "/temperature";
                List<String> expected = sent.stream().filter(m -> m.topic().equals(key))
                        .map(Message::payloadAsString).toList();
                List<String> got = s.items().stream().map(Delivery::message).filter(m -> m.topic().equals(key))
                        .map(Message::payloadAsString).distinct().toList();
                assertThat(got).as("order on key %s", key).containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void createTopicIfMissingMakesTheTopicOverRest() {
        String topic = "rest-created-" + System.nanoTime();
        try (PubSubSink sink = rest(topic).createTopicIfMissing(true).build()) {
            assertThat(emulator.admin.topicExists(topic)).isTrue();
            assertThat(sink.sendForId(Message.of("sensor/a", "{}")).join()).isNotEmpty();
        }
        try (PubSubSink again = rest(topic).createTopicIfMissing(true).build()) {
            assertThat(again.transport()).isEqualTo(PubSubSink.Transport.REST);
        }
    }

    @Test
    void aTopicThatDoesNotExistFailsTheSendSayingHowToCreateIt() {
        try (PubSubSink sink = rest("no-such-rest-topic").build()) {
            CompletableFuture<String> f = sink.sendForId(Message.of("sensor/a", "{}"));
            Throwable cause = catchCause(f);
            assertThat(cause).isInstanceOf(PubSubException.class)
                    .hasMessageContaining("projects/" + Emulator.PROJECT + "/topics/no-such-rest-topic does not exist")
                    .hasMessageContaining("gcloud pubsub topics create no-such-rest-topic");
        }
    }

    @Test
    void closeSendsWhatIsBatchedBeforeTheDelay() {
        String topic = emulator.freshTopicWithSubscription("rest-close-flush");
        List<CompletableFuture<String>> sends = new ArrayList<>();
        PubSubSink sink = rest(topic).batchMessages(1000).batchDelay(Duration.ofSeconds(10)).build();
        for (Message m : TestMessages.readings("sensor/a", 25)) {
            sends.add(sink.sendForId(m));
        }
        sink.close();
        assertThat(sends).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(sends).noneMatch(CompletableFuture::isCompletedExceptionally);
        try (PubSubPuller puller = PubSubPuller.open(emulator.connection, topic + "-sub")) {
            List<PubSubPuller.Pulled> got = puller.pullAtLeast(25, Duration.ofSeconds(20));
            puller.ack(got);
            assertThat(got).hasSize(25);
        }
    }

    private static Throwable catchCause(CompletableFuture<?> f) {
        try {
            f.join();
            throw new AssertionError("completed normally");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
