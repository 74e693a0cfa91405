package dev.edgeflow.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.Qos;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.testkit.RecordingSubscriber;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** What a user reads when the broker is not there or refuses the client. */
class MqttConnectionErrorsIT {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void anUnreachableBrokerIsNamedWithHostPortAndCause() {
        int port = FreePorts.loopbackPort();
        MqttSink sink = MqttSink.builder().connection(MqttConnection.builder().host("127.0.0.1").port(port)
                .noReconnect().build()).build();
        try {
            assertThatThrownBy(() -> sink.awaitReady(WAIT))
                    .isInstanceOf(MqttConnectionException.class)
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("refused")
                    .hasMessageContaining("is the broker running");
            var failed = sink.send(Message.of("a/b", "x")).toCompletableFuture();
            Awaitility.await().atMost(WAIT).until(failed::isDone);
            assertThat(failed).isCompletedExceptionally();
        } finally {
            sink.close();
        }
    }

    @Test
    void aSinkHoldsAtMostItsBoundsWhileTheBrokerIsAway() {
        int port = FreePorts.loopbackPort();
        MqttSink sink = MqttSink.builder()
                .connection(MqttConnection.builder().host("127.0.0.1").port(port)
                        .reconnect(Duration.ofSeconds(10), Duration.ofSeconds(10)).build())
                .maxInFlight(2).maxQueued(3).build();
        try {
            List<CompletableFuture<Void>> waiting = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                waiting.add(sink.send(Message.of("a/b", "m" + i)).toCompletableFuture());
            }
            var refused = sink.send(Message.of("a/b", "one too many")).toCompletableFuture();
            assertThat(refused).isCompletedExceptionally();
            assertThatThrownBy(refused::join).hasCauseInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("maxInFlight 2, maxQueued 3");
            assertThat(waiting).allSatisfy(f -> assertThat(f).isNotDone());
        } finally {
            sink.close();
        }
    }

    @Test
    void refusedCredentialsGiveTheReasonCodeAndAreNotRetried() {
        try (MosquittoBroker broker = MosquittoBroker.builder().user("gateway", "right-password").start()) {
            MqttSource source = MqttSource.builder()
                    .connection(MqttConnection.builder().serverUri(broker.uri()).credentials("gateway", "hunter2-wrong")
                            .reconnect(Duration.ofMillis(50), Duration.ofMillis(100)).build())
                    .subscribe("x/#").build();
            RecordingSubscriber<dev.edgeflow.core.Delivery> subscriber = RecordingSubscriber.recording();
            source.subscribe(subscriber);
            Awaitility.await().atMost(WAIT).until(() -> subscriber.error().isPresent());
            Throwable error = subscriber.error().orElseThrow();
            assertThat(error).isInstanceOf(MqttConnectionException.class)
                    .hasMessageContaining("refused the connection")
                    .hasMessageMatching("(?s).*(BAD_USER_NAME_OR_PASSWORD|NOT_AUTHORIZED) \\(0x8[67]\\).*")
                    .hasMessageNotContaining("hunter2");
            assertThat(((MqttConnectionException) error).isPermanent()).isTrue();
            source.close();
        }
    }

    @Test
    void rightCredentialsConnect() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.builder().user("gateway", "right-password").start();
                MqttSink sink = MqttSink.builder().connection(MqttConnection.builder().serverUri(broker.uri())
                        .credentials("gateway", "right-password").build()).build()) {
            sink.awaitReady(WAIT);
            sink.send(Message.of("a/b", "x")).toCompletableFuture().get();
            assertThat(sink.publishedCount()).isEqualTo(1);
        }
    }

    @Test
    void aSourceWaitsForABrokerThatComesUpLater() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.builder().start()) {
            broker.stop();
            MqttSource source = MqttSource.builder()
                    .connection(MqttConnection.builder().serverUri(broker.uri()).clientId("late-source")
                            .reconnect(Duration.ofMillis(100), Duration.ofMillis(500)).build())
                    .subscribe("late/#").build();
            MemorySink out = MemorySink.create("out", 10);
            Pipeline pipeline = Pipeline.from(source).to(out).start();
            try {
                Awaitility.await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> !source.isConnected());
                broker.restart();
                source.awaitReady(WAIT);
                try (TestClient device = TestClient.connect(broker.uri())) {
                    device.publish("late/x", "after the broker came up", Qos.AT_LEAST_ONCE);
                }
                Awaitility.await().atMost(WAIT).until(() -> out.messages().size() == 1);
            } finally {
                pipeline.stop(Duration.ofSeconds(2));
                source.close();
            }
        }
    }
}
