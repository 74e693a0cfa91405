package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.Sink;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the broker sees of the source's acknowledgements: the PUBACK of a message follows the
 * pipeline's ack. Checked by taking the source's session over with another client: a message the
 * pipeline has not acked is in the session still, and the broker sends it to the new owner.
 */
class AwsIotSourceIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @RegisterExtension
    static final MutualTlsBroker TLS = new MutualTlsBroker();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private AwsIotSource source(String clientId, String filter) throws InterruptedException {
        AwsIotConnection c = TLS.connection(clientId)
                .reconnectDelay(Duration.ofSeconds(5), Duration.ofSeconds(10)).build();
        c.awaitReady(WAIT);
        AwsIotSource source = AwsIotSource.builder().ownConnection(c).subscribe(filter)
                .closeTimeout(Duration.ofMillis(200)).build();
        open.add(source);
        return source;
    }

    /** A sink that never confirms: the pipeline never acks what it holds. */
    private static final class StuckSink implements Sink {
        @Override
        public String name() {
            return "stuck";
        }

        @Override
        public CompletionStage<Void> send(Message message) {
            return new CompletableFuture<>();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aMessageThePipelineHasNotAckedStaysWithTheBroker() throws Exception {
        String clientId = "downlink-" + System.nanoTime();
        AwsIotSource source = source(clientId, "cmd/#");
        Pipeline p = Pipeline.from(source).to(new StuckSink()).start();
        open.add(() -> p.stop(Duration.ofMillis(100)));
        Awaitility.await().atMost(WAIT).until(() -> source.ready().toCompletableFuture().isDone());
        try (FarSideClient cloud = TLS.cloud()) {
            cloud.publish(List.of(Message.of("cmd/relay", "{\"on\":true}")));
        }
        Awaitility.await().atMost(WAIT).until(() -> source.receivedCount() == 1);
        FarSideClient taker = FarSideClient.resume(TLS.broker().host(), TLS.broker().port(), clientId);
        open.add(taker);
        assertThat(taker.awaitReceived(1, WAIT)).extracting(Message::payloadAsString)
                .containsExactly("{\"on\":true}");
        assertThat(source.acknowledgedCount()).isZero();
    }

    @Test
    void aMessageThePipelineAckedIsNotSentAgain() throws Exception {
        String clientId = "downlink-" + System.nanoTime();
        AwsIotSource source = source(clientId, "cmd/#");
        MemorySink out = MemorySink.create("out", 10);
        Pipeline p = Pipeline.from(source).to(out).start();
        open.add(() -> p.stop(Duration.ofMillis(100)));
        Awaitility.await().atMost(WAIT).until(() -> source.ready().toCompletableFuture().isDone());
        try (FarSideClient cloud = TLS.cloud()) {
            cloud.publish(List.of(Message.of("cmd/relay", "{\"on\":true}")));
            Awaitility.await().atMost(WAIT).until(() -> source.acknowledgedCount() == 1);
            // a marker after it: once the taker has the marker, anything unacked would have come first
            FarSideClient taker = FarSideClient.resume(TLS.broker().host(), TLS.broker().port(), clientId);
            open.add(taker);
            cloud.publish(List.of(Message.of("cmd/marker", "marker")));
            assertThat(taker.awaitReceived(1, WAIT)).extracting(Message::topic).containsExactly("cmd/marker");
        }
        assertThat(out.messages()).extracting(Message::payloadAsString).containsExactly("{\"on\":true}");
    }

    /** A sink whose sends complete when the test says so. */
    private static final class GatedSink implements Sink {
        final java.util.List<CompletableFuture<Void>> sends = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "gated";
        }

        @Override
        public CompletionStage<Void> send(Message message) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            sends.add(f);
            return f;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aMessageSettledWhileThePipelineStopsIsAcknowledgedNotReleased() throws Exception {
        String clientId = "downlink-" + System.nanoTime();
        AwsIotSource source = source(clientId, "cmd/#");
        GatedSink sink = new GatedSink();
        Pipeline p = Pipeline.from(source).to(sink).start();
        Awaitility.await().atMost(WAIT).until(() -> source.ready().toCompletableFuture().isDone());
        try (FarSideClient cloud = TLS.cloud()) {
            cloud.publish(List.of(Message.of("cmd/relay", "{\"on\":true}")));
        }
        Awaitility.await().atMost(WAIT).until(() -> sink.sends.size() == 1);
        CompletableFuture<?> stopping = CompletableFuture.runAsync(() -> p.stop(Duration.ofSeconds(5)));
        // the pipeline has cancelled its subscription and drains: the sink confirms now
        Awaitility.await().atMost(WAIT).until(() -> !p.isRunning());
        sink.sends.get(0).complete(null);
        stopping.get(10, java.util.concurrent.TimeUnit.SECONDS);
        Awaitility.await().atMost(WAIT).until(() -> source.acknowledgedCount() == 1);
        source.close();
        assertThat(source.releasedAtCloseCount()).isZero();
    }

    @Test
    void aMessageArrivingAfterTheStopIsHeldForTheBroker() throws Exception {
        String clientId = "downlink-" + System.nanoTime();
        AwsIotSource source = source(clientId, "cmd/#");
        MemorySink out = MemorySink.create("out", 10);
        Pipeline p = Pipeline.from(source).to(out).start();
        Awaitility.await().atMost(WAIT).until(() -> source.ready().toCompletableFuture().isDone());
        p.stop(Duration.ofSeconds(1));
        try (FarSideClient cloud = TLS.cloud()) {
            cloud.publish(List.of(Message.of("cmd/late", "after the stop")));
        }
        Awaitility.await().atMost(WAIT).until(() -> source.receivedCount() == 1);
        FarSideClient taker = FarSideClient.resume(TLS.broker().host(), TLS.broker().port(), clientId);
        open.add(taker);
        assertThat(taker.awaitReceived(1, WAIT)).extracting(Message::topic).containsExactly("cmd/late");
        assertThat(out.messages()).isEmpty();
    }

    @Test
    void subscribesAgainWhenTheBrokerLostTheSession() throws Exception {
        try (MosquittoBroker forgetful = MosquittoBroker.builder().tls(TLS.certs()).requireCertificate(true)
                .start()) {
            AwsIotConnection c = TLS.connection("forgotten-" + System.nanoTime()).port(forgetful.tlsPort())
                    .reconnectDelay(Duration.ofMillis(100), Duration.ofSeconds(1)).build();
            AwsIotSource source = AwsIotSource.builder().ownConnection(c).subscribe("cmd/#").build();
            open.add(source);
            MemorySink out = MemorySink.create("out", 10);
            Pipeline p = Pipeline.from(source).to(out).start();
            open.add(() -> p.stop(Duration.ofMillis(100)));
            source.awaitReady(WAIT);
            forgetful.restart(); // no persistence: the session and its subscription are gone
            Awaitility.await().atMost(WAIT).until(c::isConnected);
            try (FarSideClient cloud = FarSideClient.connect(forgetful.host(), forgetful.port())) {
                // the re-subscription races this publish: publish until one arrives
                Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                    cloud.publish(List.of(Message.of("cmd/after-restart", "again")));
                    return !out.messages().isEmpty();
                });
            }
            assertThat(out.messages().get(0).topic()).isEqualTo("cmd/after-restart");
        }
    }

    @Test
    void refusesAConnectionThatASinkUses() throws Exception {
        AwsIotConnection c = TLS.connection("shared-" + System.nanoTime())
                .build();
        open.add(c);
        open.add(AwsIotSink.builder().connection(c).build());
        assertThatThrownBy(() -> AwsIotSource.builder().connection(c).subscribe("cmd/#").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("of its own");
    }
}
