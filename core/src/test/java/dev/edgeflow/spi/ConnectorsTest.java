package dev.edgeflow.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.jsonl.JsonlSink;
import dev.edgeflow.log.LogSink;
import dev.edgeflow.memory.MemorySink;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectorsTest {

    @TempDir
    Path dir;

    @Test
    void coreServesMemoryLogAndJsonl() {
        assertThat(Connectors.schemes()).contains("memory", "log", "jsonl");
    }

    @Test
    void jsonlUriCreatesASinkWritingToItsPathWithItsOptions() throws Exception {
        Path file = dir.resolve("out dir/readings.jsonl");
        URI uri = URI.create("jsonl://" + file.toUri().getRawPath() + "?maxBytes=1KB&maxFiles=2&fsync=true");

        try (Sink sink = Connectors.sink(uri)) {
            assertThat(sink).isInstanceOf(JsonlSink.class);
            assertThat(sink.name()).isEqualTo("jsonl:" + file);
            for (int i = 0; i < 100; i++) {
                sink.send(Message.of("t", "reading " + i)).toCompletableFuture().join();
            }
        }
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("readings.jsonl", "readings.jsonl.1");
        }
        assertThat(Files.size(file)).isLessThanOrEqualTo(1024);
    }

    @Test
    void misspelledOptionNamesItAndTheNearestKnownOne() {
        Map<String, String> options = Map.of("path", dir.resolve("o.jsonl").toString(), "maxByts", "1MB");

        assertThatThrownBy(() -> Connectors.sink("jsonl", options))
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> assertThat(e.option()).isEqualTo("maxByts"))
                .hasMessageContaining("'maxByts'")
                .hasMessageContaining("did you mean 'maxBytes'");
    }

    @Test
    void badSizeNamesTheOptionTheValueAndWhatIsAllowed() {
        Map<String, String> options = Map.of("path", dir.resolve("o.jsonl").toString(), "maxBytes", "-5");

        assertThatThrownBy(() -> Connectors.sink("jsonl", options))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("maxBytes")
                .hasMessageContaining("'-5'")
                .hasMessageContaining("10MB");
    }

    @Test
    void maxFilesOutOfRangeSaysTheRange() {
        Map<String, String> options = Map.of("path", dir.resolve("o.jsonl").toString(), "maxFiles", "5000");

        assertThatThrownBy(() -> Connectors.sink("jsonl", options))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'maxFiles' is '5000'")
                .hasMessageContaining("from 1 to 1000");
    }

    @Test
    void jsonlWithoutPathSaysWhatToGive() {
        assertThatThrownBy(() -> Connectors.sink("jsonl", Map.of("maxBytes", "1MB")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("needs option 'path'");
    }

    @Test
    void jsonlUriWithTwoSlashesOrNoneSaysHowToWriteIt() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("jsonl:out.jsonl")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'out.jsonl'")
                .hasMessageContaining("three slashes");
        assertThatThrownBy(() -> Connectors.sink(URI.create("jsonl://tmp/out.jsonl")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'tmp'")
                .hasMessageContaining("three slashes");
    }

    @Test
    void unknownSchemeNamesTheArtifactAndTheAvailableSchemes() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("mqtt://localhost:1883")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'mqtt'")
                .hasMessageContaining("edgeflow-mqtt")
                .hasMessageContaining("jsonl, log, memory");
    }

    @Test
    void memoryUriReturnsTheNamedMemorySink() {
        Sink sink = Connectors.sink(URI.create("memory:connectors-test-orders"));
        try {
            assertThat(sink).isSameAs(MemorySink.named("connectors-test-orders"));
        } finally {
            sink.close();
        }
    }

    @Test
    void logUriCreatesALogSinkNamedByItsLogger() {
        try (Sink sink = Connectors.sink(URI.create("log:edgeflow.audit?level=debug&payload=false&maxPayloadChars=50"))) {
            assertThat(sink).isInstanceOf(LogSink.class);
            assertThat(sink.name()).isEqualTo("log:edgeflow.audit");
            assertThat(sink.send(Message.of("t", "x")).toCompletableFuture()).isCompleted();
        }
        try (Sink sink = Connectors.sink("log", Map.of())) {
            assertThat(sink.name()).isEqualTo("log:" + LogSink.DEFAULT_NAME);
        }
    }

    @Test
    void logOptionsAreChecked() {
        assertThatThrownBy(() -> Connectors.sink("log", Map.of("level", "LOUD")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'level' is 'LOUD'")
                .hasMessageContaining("DEBUG");
        assertThatThrownBy(() -> Connectors.sink("log", Map.of("payload", "maybe")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'maybe'")
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> Connectors.sink("log", Map.of("maxPayloadChars", "0")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'maxPayloadChars' is '0'");
        assertThatThrownBy(() -> Connectors.sink("log", Map.of("levle", "INFO")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("did you mean 'level'");
    }

    @Test
    void logAndJsonlAreSinksOnly() {
        assertThatThrownBy(() -> Connectors.source(URI.create("log:x")))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("only be a sink");
        assertThatThrownBy(() -> Connectors.source("jsonl", Map.of("path", "/tmp/x.jsonl")))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void misspelledSchemeSuggestsTheNearestOne() {
        assertThatThrownBy(() -> Connectors.sink("jsnl", Map.of("path", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no edgeflow connector for scheme 'jsnl'")
                .hasMessageContaining("Did you mean 'jsonl'?");
        assertThatThrownBy(() -> Connectors.source("memroy", Map.of("name", "x")))
                .hasMessageContaining("Did you mean 'memory'?");
        assertThatThrownBy(() -> Connectors.sink("zzz", Map.of()))
                .hasMessageContaining("Check the spelling");
    }

    @Test
    void checkingASinkReportsItsBadOptionsAndCreatesNothing() {
        Path file = dir.resolve("not yet/readings.jsonl");

        Connectors.checkSink(ConnectorOptions.of("jsonl", Map.of("path", file.toString(), "maxBytes", "1MB")));

        assertThat(file.getParent()).doesNotExist();
        assertThatThrownBy(() -> Connectors.checkSink(ConnectorOptions.of("jsonl",
                Map.of("path", file.toString(), "maxByts", "1MB"))))
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> assertThat(e.option()).isEqualTo("maxByts"));
        assertThat(file.getParent()).doesNotExist();
    }

    @Test
    void checkingAMemoryConnectorLeavesTheNamedQueuesAlone() {
        try (MemorySink registered = MemorySink.named("checked-queue")) {
            Connectors.checkSink(ConnectorOptions.of("memory", Map.of("name", "checked-queue")));
            Connectors.checkSource(ConnectorOptions.of("memory", Map.of("name", "checked-queue")));

            assertThat(MemorySink.named("checked-queue")).isSameAs(registered);
        }
        assertThatThrownBy(() -> Connectors.checkSource(ConnectorOptions.of("memory", Map.of())))
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> assertThat(e.option()).isEqualTo("name"));
    }

    @Test
    void checkingAnUnknownSchemeListsTheAvailableOnes() {
        assertThatThrownBy(() -> Connectors.checkSource(ConnectorOptions.of("memroy", Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("available: ").hasMessageContaining("Did you mean 'memory'?");
    }
}
