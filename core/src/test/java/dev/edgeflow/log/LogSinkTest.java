package dev.edgeflow.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class LogSinkTest {

    @Test
    void logsOneLinePerMessageAtTheConfiguredLevel() {
        RecordingLogger log = new RecordingLogger(Level.TRACE);
        LogSink sink = LogSink.builder().level(Level.DEBUG).logger(log).build();
        Message m = Message.builder("sensor/room1").id("m-1").payload("{\"t\":21.5}").build();

        assertCompleted(sink.send(m));

        assertThat(log.events).singleElement().satisfies(e -> {
            assertThat(e.level()).isEqualTo(Level.DEBUG);
            assertThat(e.message()).isEqualTo("sensor/room1 id=m-1 qos=1 bytes=10 payload=\"{\"t\":21.5}\"");
        });
    }

    @Test
    void logsHeaderNamesButNeverTheirValues() {
        RecordingLogger log = new RecordingLogger(Level.INFO);
        LogSink sink = LogSink.builder().logger(log).build();
        Message m = Message.builder("t").header("authorization", "Bearer s3cr3t-token")
                .header("x-api-key", "k-123456").payload("reading").build();

        assertCompleted(sink.send(m));

        String line = log.events.get(0).message();
        assertThat(line).contains("authorization").contains("x-api-key")
                .doesNotContain("s3cr3t").doesNotContain("k-123456");
    }

    @Test
    void shortensThePayloadToMaxPayloadChars() {
        RecordingLogger log = new RecordingLogger(Level.INFO);
        LogSink sink = LogSink.builder().maxPayloadChars(10).logger(log).build();

        assertCompleted(sink.send(Message.of("t", "0123456789abcdefghij")));

        assertThat(log.events.get(0).message()).endsWith("payload=\"0123456789\"... (10 more bytes)");
    }

    @Test
    void escapesLineBreaksSoThatAPayloadCannotForgeLogLines() {
        RecordingLogger log = new RecordingLogger(Level.INFO);
        LogSink sink = LogSink.builder().logger(log).build();

        assertCompleted(sink.send(Message.of("t", "ok\nERROR fake line\r\u0007")));

        assertThat(log.events.get(0).message()).doesNotContain("\n").doesNotContain("\r")
                .endsWith("payload=\"ok\\nERROR fake line\\r\\u0007\"");
    }

    @Test
    void showsABinaryPayloadAsItsSizeOnly() {
        RecordingLogger log = new RecordingLogger(Level.INFO);
        LogSink sink = LogSink.builder().logger(log).build();

        assertCompleted(sink.send(Message.of("t", new byte[] {(byte) 0xff, (byte) 0xfe, 0x00})));

        assertThat(log.events.get(0).message()).endsWith("bytes=3 payload=<not UTF-8 text>");
    }

    @Test
    void leavesThePayloadOutWhenAskedTo() {
        RecordingLogger log = new RecordingLogger(Level.INFO);
        LogSink sink = LogSink.builder().payload(false).logger(log).build();

        assertCompleted(sink.send(Message.of("t", "personal data")));

        assertThat(log.events.get(0).message()).doesNotContain("personal").doesNotContain("payload=")
                .endsWith("bytes=13");
    }

    @Test
    void logsNothingAndStillCompletesWhenTheLevelIsOff() {
        RecordingLogger log = new RecordingLogger(Level.INFO);
        LogSink sink = LogSink.builder().level(Level.DEBUG).logger(log).build();

        assertCompleted(sink.send(Message.of("t", "quiet")));

        assertThat(log.events).isEmpty();
    }

    @Test
    void aFailingLoggingBackendFailsTheSendInsteadOfThrowing() {
        RuntimeException broken = new IllegalStateException("appender broken");
        LogSink sink = LogSink.builder().logger(new RecordingLogger(Level.INFO, broken)).build();

        CompletableFuture<Void> f = sink.send(Message.of("t", "x")).toCompletableFuture();

        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join).hasCause(broken);
    }

    @Test
    void sendsAfterCloseFailNamingTheSink() {
        RecordingLogger log = new RecordingLogger(Level.INFO);
        LogSink sink = LogSink.builder().name("edgeflow.audit").logger(log).build();
        sink.close();
        sink.close();

        CompletableFuture<Void> f = sink.send(Message.of("t", "late")).toCompletableFuture();

        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("log:edgeflow.audit").hasMessageContaining("closed");
        assertThat(sink.sendBatch(List.of(Message.of("t", "a"))))
                .allSatisfy(s -> assertThat(s.toCompletableFuture()).isCompletedExceptionally());
        assertThat(log.events).isEmpty();
    }

    @Test
    void builderRefusesBadValues() {
        assertThatThrownBy(() -> LogSink.builder().name(" ")).hasMessageContaining("blank");
        assertThatThrownBy(() -> LogSink.builder().maxPayloadChars(0)).hasMessageContaining("maxPayloadChars is 0");
        assertThatThrownBy(() -> LogSink.builder().level(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void writesThroughTheSlf4jBackendOnThePath() {
        // slf4j-simple (the test backend) writes INFO to whatever System.err is at the time of the call.
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        LogSink sink = LogSink.builder().name("edgeflow.logsink.test").build();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            assertCompleted(sink.send(Message.builder("sensor/backend").id("via-slf4j").payload("hi").build()));
        } finally {
            System.setErr(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("INFO edgeflow.logsink.test - sensor/backend id=via-slf4j qos=1 bytes=2 payload=\"hi\"");
        assertThat(sink.name()).isEqualTo("log:edgeflow.logsink.test");
    }

    private static void assertCompleted(CompletionStage<Void> stage) {
        CompletableFuture<Void> f = stage.toCompletableFuture();
        assertThat(f).isDone();
        f.join();
    }
}
