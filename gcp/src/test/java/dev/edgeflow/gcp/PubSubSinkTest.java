package dev.edgeflow.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the sink refuses before anything is sent, and the credentials errors; nothing listens on the port. */
class PubSubSinkTest {
    private PubSubSink sink;

    @BeforeEach
    void open() {
        PubSubConnection nowhere = PubSubConnection.builder("edgeflow-test").emulatorHost("127.0.0.1:1").build();
        sink = PubSubSink.builder(nowhere, "readings").topicAttribute("source_topic").orderingKeyFromTopic()
                .closeTimeout(java.time.Duration.ZERO).build();
    }

    @AfterEach
    void close() {
        sink.close();
    }

    private static Throwable failureOf(java.util.concurrent.CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("the send succeeded");
    }

    @Test
    void aMessageOverTenMegabytesIsRejectedWithItsSize() {
        Message big = Message.of("sensor/cam-1/frame", new byte[PubSubSink.MAX_MESSAGE_BYTES + 1]);
        assertThat(failureOf(sink.send(big))).isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining(big.id()).hasMessageContaining("10000001")
                .hasMessageContaining("limit of 10000000");
    }

    @Test
    void aHeaderPubSubReservesIsRejectedByName() {
        Message m = Message.builder("sensor/a").payload("{}").header("googKey", "x").build();
        assertThat(failureOf(sink.send(m))).isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("header 'googKey'").hasMessageContaining("reserves");
    }

    @Test
    void aLongHeaderValueIsRejectedWithTheLimit() {
        Message m = Message.builder("sensor/a").payload("{}").header("note", "x".repeat(1025)).build();
        assertThat(failureOf(sink.send(m))).isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("header 'note'").hasMessageContaining("1025 bytes")
                .hasMessageContaining("1024");
    }

    @Test
    void tooManyHeadersAreRejected() {
        Message.Builder b = Message.builder("sensor/a").payload("{}");
        for (int i = 0; i < 100; i++) {
            b.header("h" + i, "v");
        }
        assertThat(failureOf(sink.send(b.build()))).isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("101 attributes");
    }

    @Test
    void headersBecomeAttributesWithTheTopicAndItsOrderingKey() {
        Message m = Message.builder("sensor/pi-01/temperature").payload("{\"t\":21.5}").header("device_type", "pi")
                .build();
        var p = GrpcPublishing.toPubsub(sink.outgoing(m));
        assertThat(p.getAttributesMap()).containsEntry("device_type", "pi")
                .containsEntry("source_topic", "sensor/pi-01/temperature");
        assertThat(p.getOrderingKey()).isEqualTo("sensor/pi-01/temperature");
        assertThat(p.getData().toString(StandardCharsets.UTF_8)).isEqualTo("{\"t\":21.5}");
    }

    @Test
    void aSendAfterCloseFailsWithIllegalState() {
        sink.close();
        assertThat(failureOf(sink.send(Message.of("sensor/a", "{}")))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void aMissingCredentialsFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("key.json");
        PubSubConnection c = PubSubConnection.builder("my-project").ignoreEmulatorEnvironment()
                .credentialsFile(missing).build();
        assertThatThrownBy(() -> PubSubSink.builder(c, "readings").build()).isInstanceOf(PubSubException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
    }

    @Test
    void aMalformedCredentialsFileIsNamed(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("key.json"), "{\"type\": \"service_account\"}");
        PubSubConnection c = PubSubConnection.builder("my-project").ignoreEmulatorEnvironment()
                .credentialsFile(bad).build();
        assertThatThrownBy(() -> PubSubSink.builder(c, "readings").build()).isInstanceOf(PubSubException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("private_key");
    }

    @Test
    void aProjectNameIsNotTakenForAnId() {
        assertThatThrownBy(() -> PubSubConnection.builder("My Project")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'My Project'").hasMessageContaining("project's id");
    }
}
