package dev.edgeflow.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST transport against a fake that records each request and answers as the test says. */
class PubSubRestSinkTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private FakePubSubRest server;
    private PubSubConnection connection;
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<PubSubSink> sinks = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new FakePubSubRest();
        connection = PubSubConnection.builder("edgeflow-test").emulatorHost(server.hostPort()).build();
    }

    @AfterEach
    void stop() {
        release.countDown();
        sinks.forEach(PubSubSink::close);
        server.close();
    }

    private PubSubSink.Builder sink() {
        return PubSubSink.builder(connection, "readings").transport(PubSubSink.Transport.REST);
    }

    private PubSubSink open(PubSubSink.Builder b) {
        PubSubSink s = b.build();
        sinks.add(s);
        return s;
    }

    private void holdUntilReleased() {
        try {
            release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Throwable failureOf(CompletableFuture<?> f) {
        try {
            f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("the send did not complete: " + e, e);
        }
        throw new AssertionError("the send succeeded");
    }

    private static String payload(FakePubSubRest.Published p) {
        return p.data();
    }

    @Test
    void batchesCarryDataAttributesAndOrderingKeysAndEachSendGetsItsId() {
        PubSubSink sink = open(sink().batchMessages(3).batchDelay(Duration.ofSeconds(10))
                .topicAttribute("source_topic").orderingKeyFromHeader("device"));
        List<CompletableFuture<String>> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(sink.sendForId(Message.builder("sensor/pi-01/t").payload("{\"n\":" + i + "}")
                    .header("device", "pi-01").header("note", "say \"hi\" ü").build()));
        }
        CompletableFuture.allOf(ids.toArray(new CompletableFuture[0])).join();

        assertThat(server.publishes()).hasSize(2).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.path()).isEqualTo("/v1/projects/edgeflow-test/topics/readings:publish");
            assertThat(r.messages()).hasSize(3);
        });
        assertThat(server.stored).extracting(PubSubRestSinkTest::payload)
                .containsExactly("{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}");
        assertThat(server.stored.get(0).attributes()).containsEntry("device", "pi-01")
                .containsEntry("note", "say \"hi\" ü").containsEntry("source_topic", "sensor/pi-01/t");
        assertThat(server.stored).allSatisfy(p -> assertThat(p.orderingKey()).isEqualTo("pi-01"));
        assertThat(ids).extracting(CompletableFuture::join).containsExactly("1", "2", "3", "4", "5", "6");
    }

    @Test
    void aMessageWithoutHeadersOrKeyIsSentAfterTheBatchDelay() {
        PubSubSink sink = open(sink().batchMessages(100).batchDelay(Duration.ofMillis(20)));
        assertThat(sink.sendForId(Message.of("sensor/a", new byte[] {0, 1, (byte) 0xff})).join()).isEqualTo("1");
        FakePubSubRest.Request r = server.publishes().get(0);
        assertThat(r.body()).doesNotContain("attributes").doesNotContain("orderingKey");
        assertThat(r.messages().get(0).data().getBytes(StandardCharsets.ISO_8859_1)).isNotEmpty();
    }

    @Test
    void unavailableAndThrottledAnswersAreRetriedWithTheSameRequestAndStoredOnce() {
        AtomicInteger calls = new AtomicInteger();
        server.script = r -> switch (calls.incrementAndGet()) {
            case 1 -> FakePubSubRest.Answer.error(503, "UNAVAILABLE", "try again");
            case 2 -> FakePubSubRest.Answer.error(429, "RESOURCE_EXHAUSTED", "slow down");
            case 3 -> new FakePubSubRest.Answer(502, "<html>bad gateway</html>");
            default -> null;
        };
        PubSubSink sink = open(sink().batchMessages(5));
        List<CompletableFuture<String>> sends = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sends.add(sink.sendForId(Message.of("sensor/a", "{\"n\":" + i + "}")));
        }
        CompletableFuture.allOf(sends.toArray(new CompletableFuture[0])).join();

        assertThat(server.publishes()).hasSize(4);
        assertThat(server.publishes()).extracting(FakePubSubRest.Request::body).containsOnly(
                server.publishes().get(0).body());
        assertThat(server.stored).hasSize(5);
    }

    @Test
    void aBatchRefusedAsInvalidIsSentAgainOneByOneSoOnlyTheInvalidMessageIsRejected() {
        server.script = r -> r.messages().stream().anyMatch(m -> m.data().contains("bad"))
                ? FakePubSubRest.Answer.error(400, "INVALID_ARGUMENT", "bad message") : null;
        PubSubSink sink = open(sink().batchMessages(3).batchDelay(Duration.ofSeconds(10)));
        CompletableFuture<String> first = sink.sendForId(Message.of("sensor/a", "{\"n\":1}"));
        CompletableFuture<String> bad = sink.sendForId(Message.of("sensor/a", "bad"));
        CompletableFuture<String> third = sink.sendForId(Message.of("sensor/a", "{\"n\":3}"));

        assertThat(failureOf(bad)).isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("Pub/Sub rejected message").hasMessageContaining("bad message");
        assertThat(first.join()).isNotEmpty();
        assertThat(third.join()).isNotEmpty();
        assertThat(server.stored).extracting(PubSubRestSinkTest::payload).containsExactlyInAnyOrder("{\"n\":1}",
                "{\"n\":3}");
    }

    @Test
    void aMissingTopicFailsTheSendSayingHowToCreateIt() {
        server.script = r -> FakePubSubRest.Answer.error(404, "NOT_FOUND", "Topic not found");
        PubSubSink sink = open(sink());
        assertThat(failureOf(sink.sendForId(Message.of("sensor/a", "{}")))).isInstanceOf(PubSubException.class)
                .hasMessageContaining("projects/edgeflow-test/topics/readings does not exist")
                .hasMessageContaining("gcloud pubsub topics create readings");
        assertThat(server.publishes()).hasSize(1);
    }

    @Test
    void aDeniedPermissionNamesTheRoleToGrant() {
        server.script = r -> FakePubSubRest.Answer.error(403, "PERMISSION_DENIED", "User not authorized");
        PubSubSink sink = open(sink());
        assertThat(failureOf(sink.sendForId(Message.of("sensor/a", "{}")))).isInstanceOf(PubSubException.class)
                .hasMessageContaining("permission denied").hasMessageContaining("roles/pubsub.publisher");
    }

    @Test
    void retriesEndAfterTheRetryTimeoutWithTheLastFailureNamed() {
        server.script = r -> FakePubSubRest.Answer.error(503, "UNAVAILABLE", "the service is down");
        PubSubSink sink = open(sink().retryTimeout(Duration.ofSeconds(10)));
        assertThat(failureOf(sink.sendForId(Message.of("sensor/a", "{}")))).isInstanceOf(PubSubException.class)
                .hasMessageContaining("unreachable or not answering").hasMessageContaining("gave up after")
                .hasMessageContaining("the service is down");
        assertThat(server.publishes().size()).isGreaterThan(2);
    }

    @Test
    void oneBatchOfAnOrderingKeyIsOnTheWireAtATimeWhileOtherKeysGoOn() {
        AtomicReference<String> held = new AtomicReference<>();
        server.script = r -> {
            if (r.messages().get(0).data().equals("a1") && held.compareAndSet(null, "a1")) {
                holdUntilReleased();
            }
            return null;
        };
        PubSubSink sink = open(sink().batchMessages(1).orderingKeyFromHeader("device"));
        CompletableFuture<String> a1 = sink.sendForId(Message.builder("sensor/a").payload("a1").header("device", "a")
                .build());
        await().atMost(WAIT).until(() -> held.get() != null);
        CompletableFuture<String> a2 = sink.sendForId(Message.builder("sensor/a").payload("a2").header("device", "a")
                .build());
        CompletableFuture<String> b1 = sink.sendForId(Message.builder("sensor/b").payload("b1").header("device", "b")
                .build());
        assertThat(b1.join()).isNotEmpty();
        assertThat(a1).isNotDone();
        assertThat(server.publishes()).extracting(r -> r.messages().get(0).data()).containsExactly("a1", "b1");

        release.countDown();
        a2.join();
        assertThat(server.stored).extracting(PubSubRestSinkTest::payload).containsSubsequence("a1", "a2");
        assertThat(server.publishes()).extracting(r -> r.messages().get(0).data()).containsExactly("a1", "b1", "a2");
    }

    @Test
    void whenAKeysBatchFailsItsLaterMessagesFailTooAndTheKeysNextMessageGoesThrough() {
        AtomicInteger calls = new AtomicInteger();
        server.script = r -> {
            if (calls.incrementAndGet() == 1) {
                holdUntilReleased();
                return FakePubSubRest.Answer.error(403, "PERMISSION_DENIED", "not now");
            }
            return null;
        };
        PubSubSink sink = open(sink().batchMessages(1).orderingKeyFromTopic());
        CompletableFuture<String> k1 = sink.sendForId(Message.of("sensor/k", "k1"));
        await().atMost(WAIT).until(() -> calls.get() == 1);
        CompletableFuture<String> k2 = sink.sendForId(Message.of("sensor/k", "k2"));
        CompletableFuture<String> k3 = sink.sendForId(Message.of("sensor/k", "k3"));
        release.countDown();

        assertThat(failureOf(k1)).isInstanceOf(PubSubException.class).hasMessageContaining("permission denied");
        assertThat(failureOf(k2)).isInstanceOf(PubSubException.class)
                .hasMessageContaining("an earlier message with ordering key 'sensor/k' failed");
        assertThat(failureOf(k3)).hasMessageContaining("would break the key's order");
        assertThat(server.publishes()).hasSize(1);

        assertThat(sink.sendForId(Message.of("sensor/k", "k4")).join()).isNotEmpty();
        assertThat(server.stored).extracting(PubSubRestSinkTest::payload).containsExactly("k4");
    }

    @Test
    void aFullFlowControlBlocksTheSenderUntilAPublishIsConfirmed() throws Exception {
        server.script = r -> {
            holdUntilReleased();
            return null;
        };
        PubSubSink sink = open(sink().batchMessages(1).maxOutstandingMessages(2));
        CompletableFuture<String> one = sink.sendForId(Message.of("sensor/a", "1"));
        CompletableFuture<String> two = sink.sendForId(Message.of("sensor/a", "2"));
        AtomicReference<CompletableFuture<String>> three = new AtomicReference<>();
        Thread sender = new Thread(() -> three.set(sink.sendForId(Message.of("sensor/a", "3"))), "third-sender");
        sender.start();
        await().atMost(WAIT).until(() -> sender.getState() == Thread.State.WAITING);
        assertThat(three.get()).isNull();

        release.countDown();
        sender.join(WAIT.toMillis());
        assertThat(three.get()).isNotNull();
        CompletableFuture.allOf(one, two, three.get()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(server.stored).hasSize(3);
    }

    @Test
    void closePublishesWhatIsBatchedBeforeItReturns() {
        PubSubSink sink = sink().batchMessages(100).batchDelay(Duration.ofSeconds(10)).build();
        List<CompletableFuture<String>> sends = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sends.add(sink.sendForId(Message.of("sensor/a", "m" + i)));
        }
        assertThat(server.publishes()).isEmpty();
        sink.close();
        assertThat(sends).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(server.stored).hasSize(3);
    }

    @Test
    void closeAgainstAServerThatDoesNotAnswerReturnsAndFailsWhatIsUnconfirmed() {
        server.script = r -> {
            holdUntilReleased();
            return null;
        };
        PubSubSink sink = sink().batchMessages(1).closeTimeout(Duration.ofMillis(300)).build();
        CompletableFuture<String> send = sink.sendForId(Message.of("sensor/a", "{}"));
        await().atMost(WAIT).until(() -> server.publishes().size() == 1);
        sink.close();
        assertThat(failureOf(send)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed before Pub/Sub confirmed");
        assertThat(failureOf(sink.sendForId(Message.of("sensor/a", "{}")))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void createTopicIfMissingPutsTheTopicAndTakesOneThatExists() {
        AtomicInteger puts = new AtomicInteger();
        server.script = r -> r.method().equals("PUT") && puts.incrementAndGet() > 1
                ? FakePubSubRest.Answer.error(409, "ALREADY_EXISTS", "Topic already exists") : r.method().equals("PUT")
                ? new FakePubSubRest.Answer(200, "{\"name\":\"projects/edgeflow-test/topics/readings\"}") : null;
        open(sink().createTopicIfMissing(true));
        open(sink().createTopicIfMissing(true));
        assertThat(server.requests).filteredOn(r -> r.method().equals("PUT")).hasSize(2)
                .allSatisfy(r -> assertThat(r.path()).isEqualTo("/v1/projects/edgeflow-test/topics/readings"));
    }

    @Test
    void createTopicIfMissingWithoutPermissionSaysWhichRole() {
        server.script = r -> FakePubSubRest.Answer.error(403, "PERMISSION_DENIED", "no create");
        assertThatThrownBy(() -> open(sink().createTopicIfMissing(true))).isInstanceOf(PubSubException.class)
                .hasMessageContaining("topics/readings").hasMessageContaining("roles/pubsub.");
    }

    @Test
    void compressionIsOfferedByTheGrpcTransportOnly() {
        assertThatThrownBy(() -> sink().compression(1024).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("GRPC transport only");
    }

    @Test
    void anAnswerThatIsNotTheApisJsonIsNamedByItsHttpStatus() {
        PubSubRestClient.Status s = PubSubRestClient.Status.of(502, "<html>bad gateway</html>".getBytes(
                StandardCharsets.UTF_8));
        assertThat(s.code).isEqualTo("UNAVAILABLE");
        assertThat(s.getMessage()).isEqualTo("HTTP 502: <html>bad gateway</html>");
        PubSubRestClient.Status api = PubSubRestClient.Status.of(404, ("{\"error\":{\"code\":404,\"message\":"
                + "\"Topic not found\",\"details\":[{\"a\":1}],\"status\":\"NOT_FOUND\"}}").getBytes(
                StandardCharsets.UTF_8));
        assertThat(api.code).isEqualTo("NOT_FOUND");
        assertThat(api.getMessage()).isEqualTo("Topic not found");
    }

    @Test
    void aRefusedConnectionIsRetriedUntilTheRetryTimeoutAndNamesTheEmulator() {
        int port = dev.edgeflow.testkit.FreePorts.loopbackPort();
        PubSubConnection nowhere = PubSubConnection.builder("edgeflow-test").emulatorHost("127.0.0.1:" + port)
                .build();
        PubSubSink sink = open(PubSubSink.builder(nowhere, "readings").transport(PubSubSink.Transport.REST)
                .retryTimeout(Duration.ofSeconds(10)));
        Throwable t = failureOf(sink.sendForId(Message.of("sensor/a", "{}")));
        assertThat(t).isInstanceOf(PubSubException.class).hasMessageContaining("127.0.0.1:" + port)
                .hasMessageContaining("is the emulator running there?");
        assertThat(t.getCause()).isNotInstanceOf(CompletionException.class);
    }
}
