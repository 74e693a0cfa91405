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
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Behaviour against the emulator beyond the contracts: errors named, ordering, bounded pull,
 * close flushing; the sink's tests on both transports.
 */
class PubSubIT {
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

    private static PubSubSink.Builder sink(String topic, PubSubSink.Transport transport) {
        return PubSubSink.builder(emulator.connection, topic).transport(transport);
    }

    @ParameterizedTest
    @EnumSource(PubSubSink.Transport.class)
    void aTopicThatDoesNotExistFailsTheSendSayingHowToCreateIt(PubSubSink.Transport transport) {
        try (PubSubSink sink = sink("no-such-topic", transport).build()) {
            CompletableFuture<Void> f = sink.send(Message.of("sensor/a", "{}")).toCompletableFuture();
            await().atMost(Duration.ofSeconds(30)).until(f::isDone);
            assertThat(f).isCompletedExceptionally();
            Throwable cause = catchCause(f);
            assertThat(cause).isInstanceOf(PubSubException.class)
                    .hasMessageContaining("projects/" + Emulator.PROJECT + "/topics/no-such-topic does not exist")
                    .hasMessageContaining("gcloud pubsub topics create no-such-topic");
        }
    }

    @Test
    void aSubscriptionThatDoesNotExistEndsTheStreamWithItsName() {
        try (PubSubSource source = PubSubSource.builder(emulator.connection, "no-such-sub").build()) {
            RecordingSubscriber<Delivery> s = RecordingSubscriber.acking();
            source.subscribe(s);
            await().atMost(Duration.ofSeconds(30)).until(() -> s.error().isPresent());
            assertThat(s.error().get()).isInstanceOf(PubSubException.class)
                    .hasMessageContaining("subscriptions/no-such-sub does not exist")
                    .hasMessageContaining("gcloud pubsub subscriptions create no-such-sub");
        }
    }

    @Test
    void createIfMissingMakesTheTopicAndSubscription() {
        String topic = "created-" + System.nanoTime();
        try (PubSubSink sink = PubSubSink.builder(emulator.connection, topic).createTopicIfMissing(true).build();
                PubSubSource source = PubSubSource.builder(emulator.connection, topic + "-sub")
                        .createIfMissing(topic).build()) {
            assertThat(emulator.admin.topicExists(topic)).isTrue();
            RecordingSubscriber<Delivery> s = RecordingSubscriber.acking();
            source.subscribe(s);
            s.request(Long.MAX_VALUE);
            sink.send(Message.of("sensor/a", "{\"t\":1}")).toCompletableFuture().join();
            await().atMost(Duration.ofSeconds(30)).until(() -> s.count() == 1);
            assertThat(s.items().get(0).message().payloadAsString()).isEqualTo("{\"t\":1}");
        }
    }

    @ParameterizedTest
    @EnumSource(PubSubSink.Transport.class)
    void messagesWithTheSameOrderingKeyArriveInOrder(PubSubSink.Transport transport) {
        String topic = "ordered-" + System.nanoTime();
        emulator.admin.createTopicIfMissing(topic);
        emulator.admin.createSubscriptionIfMissing(topic + "-sub", topic, Duration.ofSeconds(10), true, false);
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sent.add(TestMessages.reading("sensor/pi-0" + (i % 2) + "/temperature", i));
        }
        try (PubSubSink sink = sink(topic, transport).orderingKeyFromTopic().topicAttribute("source_topic")
                .batchMessages(7).build();
                PubSubSource source = PubSubSource.builder(emulator.connection, topic + "-sub")
                        .topicFromAttribute("source_topic").build()) {
            RecordingSubscriber<Delivery> s = RecordingSubscriber.acking();
            source.subscribe(s);
            s.request(Long.MAX_VALUE);
            CompletableFuture.allOf(sent.stream().map(sink::sendForId).toArray(CompletableFuture[]::new)).join();
            await().atMost(Duration.ofSeconds(30)).until(() -> s.count() >= 200);
            for (String key : List.of("sensor/pi-00/temperature", "sensor/pi-01/temperature")) {
                List<String> expected = sent.stream().filter(m -> m.topic().equals(key))
                        .map(Message::payloadAsString).toList();
                List<String> got = s.items().stream().map(Delivery::message).filter(m -> m.topic().equals(key))
                        .map(Message::payloadAsString).distinct().toList();
                assertThat(got).as("order on key %s", key).containsExactlyElementsOf(expected);
                assertThat(s.items().stream().map(Delivery::message).filter(m -> m.topic().equals(key)))
                        .allSatisfy(m -> assertThat(m.header(PubSubSource.ORDERING_KEY_HEADER)).isEqualTo(key));
            }
        }
    }

    @Test
    void withoutDemandTheSourceHoldsNoMoreThanItsOutstandingLimit() {
        String topic = emulator.freshTopicWithSubscription("bounded");
        try (PubSubSink sink = PubSubSink.builder(emulator.connection, topic).build();
                PubSubSource source = PubSubSource.builder(emulator.connection, topic + "-sub")
                        .maxOutstandingMessages(10).build()) {
            CompletableFuture.allOf(TestMessages.readings("sensor/a", 60).stream().map(sink::sendForId)
                    .toArray(CompletableFuture[]::new)).join();
            RecordingSubscriber<Delivery> s = RecordingSubscriber.acking();
            source.subscribe(s);
            s.request(5);
            await().atMost(Duration.ofSeconds(30)).until(() -> source.counts()[0] >= 10);
            // The five emitted are acked at once, so the client may pull more, but what it holds
            // unsettled (waiting for demand) never passes the limit.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> source.counts()[0] - source.counts()[1] - source.counts()[2] <= 10);
            assertThat(s.count()).isEqualTo(5);
            s.request(Long.MAX_VALUE);
            await().atMost(Duration.ofSeconds(30)).until(() -> s.count() >= 60);
            await().atMost(Duration.ofSeconds(10)).until(() -> source.counts()[1] >= 60);
        }
    }

    @ParameterizedTest
    @EnumSource(PubSubSink.Transport.class)
    void closeSendsWhatIsBatchedBeforeTheDelay(PubSubSink.Transport transport) {
        String topic = emulator.freshTopicWithSubscription("close-flush");
        List<CompletableFuture<String>> sends = new ArrayList<>();
        PubSubSink sink = sink(topic, transport).batchMessages(1000).batchDelay(Duration.ofSeconds(10)).build();
        for (Message m : TestMessages.readings("sensor/a", 25)) {
            sends.add(sink.sendForId(m));
        }
        long started = System.nanoTime();
        sink.close();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(9));
        assertThat(sends).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(sends).noneMatch(CompletableFuture::isCompletedExceptionally);
        try (PubSubPuller puller = PubSubPuller.open(emulator.connection, topic + "-sub")) {
            List<PubSubPuller.Pulled> got = puller.pullAtLeast(25, Duration.ofSeconds(20));
            puller.ack(got);
            assertThat(got).hasSize(25);
        }
    }

    @ParameterizedTest
    @EnumSource(PubSubSink.Transport.class)
    void everyMessageArrivesOnceWithItsBytesAndAttributes(PubSubSink.Transport transport) {
        String topic = emulator.freshTopicWithSubscription("all-" + transport.name().toLowerCase(Locale.ROOT));
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
        try (PubSubSink sink = sink(topic, transport).topicAttribute("source_topic").build()) {
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
    void createTopicIfMissingOverRestMakesTheTopicAndTakesOneThatExists() {
        String topic = "rest-created-" + System.nanoTime();
        try (PubSubSink sink = sink(topic, PubSubSink.Transport.REST).createTopicIfMissing(true).build()) {
            assertThat(emulator.admin.topicExists(topic)).isTrue();
            assertThat(sink.sendForId(Message.of("sensor/a", "{}")).join()).isNotEmpty();
        }
        try (PubSubSink again = sink(topic, PubSubSink.Transport.REST).createTopicIfMissing(true).build()) {
            assertThat(again.sendForId(Message.of("sensor/a", "{}")).join()).isNotEmpty();
        }
    }

    @Test
    void closeReturnsWithinItsDeadlineWhenTheEndpointIsDown() {
        PubSubConnection nowhere = PubSubConnection.builder(Emulator.PROJECT)
                .emulatorHost("127.0.0.1:" + dev.edgeflow.testkit.FreePorts.loopbackPort()).build();
        PubSubSink sink = PubSubSink.builder(nowhere, "readings").closeTimeout(Duration.ofSeconds(1)).build();
        CompletableFuture<String> f = sink.sendForId(Message.of("sensor/a", "{}"));
        long started = System.nanoTime();
        sink.close();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(f).isCompletedExceptionally();
    }

    @Test
    void aNackedMessageComesBack() {
        String topic = emulator.freshTopicWithSubscription("nack");
        try (PubSubSink sink = PubSubSink.builder(emulator.connection, topic).build();
                PubSubSource source = PubSubSource.builder(emulator.connection, topic + "-sub").build()) {
            List<Delivery> seen = new ArrayList<>();
            RecordingSubscriber<Delivery> s = new RecordingSubscriber<>(d -> {
                synchronized (seen) {
                    if (seen.isEmpty()) {
                        d.nack(new IllegalStateException("first time"));
                    } else {
                        d.ack();
                    }
                    seen.add(d);
                }
            });
            source.subscribe(s);
            s.request(Long.MAX_VALUE);
            sink.send(Message.of("sensor/a", "{\"n\":1}")).toCompletableFuture().join();
            await().atMost(Duration.ofSeconds(30)).until(() -> s.count() >= 2);
            assertThat(s.items().get(1).message().id()).isEqualTo(s.items().get(0).message().id());
            assertThat(source.counts()[2]).isEqualTo(1);
        }
    }

    @Test
    void aPullOnAnEmptySubscriptionReturnsNothingWhenItsWaitRunsOut() {
        String topic = emulator.freshTopicWithSubscription("empty");
        try (PubSubPuller puller = PubSubPuller.open(emulator.connection, topic + "-sub")) {
            assertThat(puller.pull(10, Duration.ofMillis(500))).isEmpty();
            try (PubSubSink sink = PubSubSink.builder(emulator.connection, topic).build()) {
                sink.send(Message.of("sensor/a", "{\"n\":1}")).toCompletableFuture().join();
            }
            List<PubSubPuller.Pulled> got = puller.pullAtLeast(1, Duration.ofSeconds(20));
            puller.ack(got);
            assertThat(got).extracting(p -> p.message().payloadAsString()).containsExactly("{\"n\":1}");
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
