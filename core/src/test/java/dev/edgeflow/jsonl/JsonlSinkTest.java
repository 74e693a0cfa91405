package dev.edgeflow.jsonl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgeflow.core.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlSinkTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void writesJsonPayloadEmbeddedOnOneLine() throws Exception {
        Path file = dir.resolve("out.jsonl");
        Instant at = Instant.parse("2026-01-02T03:04:05.123Z");
        Message m = Message.builder("sensor/room1").id("m-1").timestamp(at)
                .payload("{\n  \"t\": 21.5,\n  \"exact\": 1.00000000000000000001,\n  \"s\": \"a b\"\n}")
                .header("unit", "C").header("device", "pi-7").build();
        try (JsonlSink sink = JsonlSink.builder(file).build()) {
            complete(sink.send(m));
        }

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(1);
        JsonNode line = JSON.readTree(lines.get(0));
        assertThat(line.get("id").asText()).isEqualTo("m-1");
        assertThat(line.get("topic").asText()).isEqualTo("sensor/room1");
        assertThat(Instant.parse(line.get("timestamp").asText())).isEqualTo(at);
        assertThat(line.get("qos").asInt()).isEqualTo(1);
        assertThat(line.get("headers").get("unit").asText()).isEqualTo("C");
        assertThat(line.get("headers").get("device").asText()).isEqualTo("pi-7");
        assertThat(line.get("payload").get("t").asDouble()).isEqualTo(21.5);
        assertThat(line.get("payload").get("s").asText()).isEqualTo("a b");
        // Embedded as written, not re-encoded through a double.
        assertThat(lines.get(0)).contains("1.00000000000000000001");
        assertThat(line.has("payloadText")).isFalse();
    }

    @Test
    void writesTextPayloadAsStringAndBinaryPayloadAsBase64() throws Exception {
        Path file = dir.resolve("out.jsonl");
        byte[] binary = {(byte) 0xff, 0x00, (byte) 0xfe, 0x0a, 0x7f};
        try (JsonlSink sink = JsonlSink.builder(file).build()) {
            complete(sink.send(Message.of("t/text", "line one\nline \"two\"")));
            complete(sink.send(Message.of("t/binary", binary)));
            complete(sink.send(Message.of("t/empty", new byte[0])));
            complete(sink.send(Message.of("t/two-values", "{} {}")));
            complete(sink.send(Message.of("t/scalar", "42")));
        }

        List<JsonNode> lines = readLines(file);
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0).get("payloadText").asText()).isEqualTo("line one\nline \"two\"");
        assertThat(Base64.getDecoder().decode(lines.get(1).get("payloadBase64").asText())).isEqualTo(binary);
        assertThat(lines.get(1).has("payloadText")).isFalse();
        assertThat(lines.get(2).get("payloadText").asText()).isEmpty();
        assertThat(lines.get(3).get("payloadText").asText()).isEqualTo("{} {}");
        assertThat(lines.get(4).get("payload").asInt()).isEqualTo(42);
    }

    @Test
    void writesStringsThatAreNotValidUnicodeAsJsonEscapes() throws Exception {
        Path file = dir.resolve("out.jsonl");
        Message odd = Message.builder("t").header("h", "lone \uD800 surrogate").payload("ok").build();
        try (JsonlSink sink = JsonlSink.builder(file).build()) {
            complete(sink.send(odd));
        }
        assertThat(Files.readString(file)).contains("lone \\uD800 surrogate");
        assertThat(readLines(file)).singleElement()
                .satisfies(l -> assertThat(l.get("headers").get("h").asText()).isEqualTo("lone \uD800 surrogate"));
    }

    @Test
    void rotationKeepsAtMostMaxFilesOfWholeLinesEndingWithTheNewest() throws Exception {
        Path file = dir.resolve("out.jsonl");
        int sends = 10_000;
        long maxBytes = 4096;
        try (JsonlSink sink = JsonlSink.builder(file).maxBytes(maxBytes).maxFiles(3).build()) {
            for (int i = 0; i < sends; i++) {
                complete(sink.send(Message.ofJson("t", new Reading(i))));
            }
        }

        assertThat(filesIn(dir)).containsExactlyInAnyOrder("out.jsonl", "out.jsonl.1", "out.jsonl.2");
        List<Integer> seqs = new ArrayList<>();
        for (String name : List.of("out.jsonl.2", "out.jsonl.1", "out.jsonl")) {
            assertThat(Files.size(dir.resolve(name))).isLessThanOrEqualTo(maxBytes);
            for (JsonNode line : readLines(dir.resolve(name))) {
                seqs.add(line.get("payload").get("seq").asInt());
            }
        }
        // What is kept is an unbroken run of the newest lines: rotation dropped whole files only.
        assertThat(seqs).isNotEmpty();
        assertThat(seqs.get(seqs.size() - 1)).isEqualTo(sends - 1);
        for (int i = 1; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).isEqualTo(seqs.get(i - 1) + 1);
        }
    }

    @Test
    void rotationLosesNoLineWhileTheFilesHoldThemAll() throws Exception {
        Path file = dir.resolve("out.jsonl");
        int sends = 10_000;
        try (JsonlSink sink = JsonlSink.builder(file).maxBytes(16 * 1024).maxFiles(1000).build()) {
            for (int i = 0; i < sends; i++) {
                complete(sink.send(Message.ofJson("t", new Reading(i))));
            }
        }

        List<String> names = filesIn(dir);
        assertThat(names.size()).isGreaterThan(10);
        List<Integer> seqs = new ArrayList<>();
        for (int i = names.size() - 1; i >= 1; i--) {
            for (JsonNode line : readLines(dir.resolve("out.jsonl." + i))) {
                seqs.add(line.get("payload").get("seq").asInt());
            }
        }
        for (JsonNode line : readLines(file)) {
            seqs.add(line.get("payload").get("seq").asInt());
        }
        assertThat(seqs).hasSize(sends);
        for (int i = 0; i < sends; i++) {
            assertThat(seqs.get(i)).isEqualTo(i);
        }
    }

    @Test
    void lineLongerThanMaxBytesIsWrittenAloneToAFreshFile() throws Exception {
        Path file = dir.resolve("out.jsonl");
        try (JsonlSink sink = JsonlSink.builder(file).maxBytes(200).maxFiles(5).build()) {
            complete(sink.send(Message.of("t", "small before")));
            complete(sink.send(Message.of("t", "x".repeat(1000))));
            complete(sink.send(Message.of("t", "small after")));
        }

        assertThat(readLines(dir.resolve("out.jsonl.2"))).singleElement()
                .satisfies(l -> assertThat(l.get("payloadText").asText()).isEqualTo("small before"));
        assertThat(readLines(dir.resolve("out.jsonl.1"))).singleElement()
                .satisfies(l -> assertThat(l.get("payloadText").asText()).hasSize(1000));
        assertThat(readLines(file)).singleElement()
                .satisfies(l -> assertThat(l.get("payloadText").asText()).isEqualTo("small after"));
    }

    @Test
    void maxFilesOfOneEmptiesTheFileOnRotation() throws Exception {
        Path file = dir.resolve("out.jsonl");
        try (JsonlSink sink = JsonlSink.builder(file).maxBytes(300).maxFiles(1).build()) {
            for (int i = 0; i < 100; i++) {
                complete(sink.send(Message.ofJson("t", new Reading(i))));
            }
        }
        assertThat(filesIn(dir)).containsExactly("out.jsonl");
        List<JsonNode> lines = readLines(file);
        assertThat(lines.get(lines.size() - 1).get("payload").get("seq").asInt()).isEqualTo(99);
    }

    @Test
    void concurrentSendsFromFourThreadsWriteOnlyWholeLines() throws Exception {
        Path file = dir.resolve("out.jsonl");
        int threads = 4;
        int perThread = 2_500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try (JsonlSink sink = JsonlSink.builder(file).maxBytes(256 * 1024).maxFiles(1000).build()) {
            List<Future<List<CompletionStage<Void>>>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    start.await();
                    List<CompletionStage<Void>> sent = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        // Sizes vary, so that a torn or interleaved write could not line up by luck.
                        String text = "thread " + thread + " " + "y".repeat(i % 300);
                        Message m = Message.builder("t/" + thread).id(thread + "-" + i).payload(text).build();
                        sent.add(i % 10 == 0 ? sink.sendBatch(List.of(m)).get(0) : sink.send(m));
                    }
                    return sent;
                }));
            }
            start.countDown();
            for (Future<List<CompletionStage<Void>>> w : workers) {
                for (CompletionStage<Void> s : w.get(60, TimeUnit.SECONDS)) {
                    complete(s);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        Set<String> ids = new HashSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                for (JsonNode line : readLines(f)) {
                    String id = line.get("id").asText();
                    String thread = id.substring(0, id.indexOf('-'));
                    int i = Integer.parseInt(id.substring(id.indexOf('-') + 1));
                    assertThat(line.get("payloadText").asText()).isEqualTo("thread " + thread + " " + "y".repeat(i % 300));
                    assertThat(ids.add(id)).as("line %s written once", id).isTrue();
                }
            }
        }
        assertThat(ids).hasSize(threads * perThread);
    }

    @Test
    void sendBatchWritesEveryLineInOrderAndCompletesEach() throws Exception {
        Path file = dir.resolve("out.jsonl");
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(Message.ofJson("t", new Reading(i)));
        }
        try (JsonlSink sink = JsonlSink.builder(file).maxBytes(1024).maxFiles(100).fsync(true).build()) {
            List<CompletionStage<Void>> results = sink.sendBatch(batch);
            assertThat(results).hasSize(50);
            for (CompletionStage<Void> r : results) {
                complete(r);
            }
            complete(sink.flush());
        }
        List<Integer> seqs = new ArrayList<>();
        List<String> names = filesIn(dir);
        for (int i = names.size() - 1; i >= 1; i--) {
            readLines(dir.resolve("out.jsonl." + i)).forEach(l -> seqs.add(l.get("payload").get("seq").asInt()));
        }
        readLines(file).forEach(l -> seqs.add(l.get("payload").get("seq").asInt()));
        assertThat(seqs).hasSize(50).isSorted();
    }

    @Test
    void reopeningAFileAppendsToIt() throws Exception {
        Path file = dir.resolve("out.jsonl");
        try (JsonlSink sink = JsonlSink.builder(file).build()) {
            complete(sink.send(Message.of("t", "first")));
            complete(sink.send(Message.of("t", "second")));
        }
        try (JsonlSink sink = JsonlSink.builder(file).build()) {
            complete(sink.send(Message.of("t", "third")));
        }
        assertThat(readLines(file)).extracting(l -> l.get("payloadText").asText())
                .containsExactly("first", "second", "third");
    }

    @Test
    void reopeningAFileThatEndsInAHalfLineStartsANewLine() throws Exception {
        Path file = dir.resolve("out.jsonl");
        Files.writeString(file, "{\"id\":\"torn");
        try (JsonlSink sink = JsonlSink.builder(file).build()) {
            complete(sink.send(Message.of("t", "after the crash")));
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("{\"id\":\"torn");
        assertThat(JSON.readTree(lines.get(1)).get("payloadText").asText()).isEqualTo("after the crash");
    }

    @Test
    void createsMissingParentDirectories() throws Exception {
        Path file = dir.resolve("a/b/c/out.jsonl");
        try (JsonlSink sink = JsonlSink.builder(file).build()) {
            complete(sink.send(Message.of("t", "x")));
            assertThat(sink.file()).isEqualTo(file.toAbsolutePath());
            assertThat(sink.name()).isEqualTo("jsonl:" + file.toAbsolutePath());
        }
        assertThat(readLines(file)).hasSize(1);
    }

    @Test
    void failsAtBuildNamingThePathWhenAParentIsARegularFile() throws Exception {
        Path regular = Files.writeString(dir.resolve("regular.txt"), "not a directory");
        Path file = regular.resolve("sub/out.jsonl");

        assertThatThrownBy(() -> JsonlSink.builder(file).build())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot create directory " + regular.resolve("sub"))
                .hasMessageContaining(file.toString())
                .hasMessageContaining(regular + " is a file, not a directory");
    }

    @Test
    void failsAtBuildNamingThePathAndOsReasonWhenTheFileCannotBeOpened() throws Exception {
        Path directory = Files.createDirectory(dir.resolve("out.jsonl"));

        assertThatThrownBy(() -> JsonlSink.builder(directory).build())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessage("cannot open " + directory + " for appending: is a directory");
    }

    @Test
    void failedRotationFailsTheSendNamingTheFileAndSucceedsOnRetryOnceFixed() throws Exception {
        Path file = dir.resolve("out.jsonl");
        Path obstacle = Files.createDirectories(dir.resolve("out.jsonl.1/blocker"));
        try (JsonlSink sink = JsonlSink.builder(file).maxBytes(200).maxFiles(2).build()) {
            complete(sink.send(Message.of("t", "fits")));
            Message overflowing = Message.of("t", "z".repeat(150));

            assertThatThrownBy(() -> complete(sink.send(overflowing)))
                    .hasCauseInstanceOf(IOException.class)
                    .hasMessageContaining("cannot rotate " + file)
                    .hasMessageContaining("a directory that is not empty is in the way");
            assertThat(readLines(file)).hasSize(1);

            Files.delete(obstacle);
            complete(sink.send(overflowing));
        }
        assertThat(readLines(dir.resolve("out.jsonl.1"))).singleElement()
                .satisfies(l -> assertThat(l.get("payloadText").asText()).isEqualTo("fits"));
        assertThat(readLines(file)).singleElement()
                .satisfies(l -> assertThat(l.get("payloadText").asText()).hasSize(150));
    }

    @Test
    void aFullDiskFailsTheSendNamingTheFileAndTheOsReason() throws Exception {
        Path full = Path.of("/dev/full");
        assumeTrue(Files.isWritable(full), "needs Linux /dev/full, which fails every write with ENOSPC");
        Path file = Files.createSymbolicLink(dir.resolve("out.jsonl"), full);
        JsonlSink sink = JsonlSink.builder(file).build();

        CompletableFuture<Void> sent = sink.send(Message.of("t", "reading")).toCompletableFuture();
        List<CompletionStage<Void>> batch = sink.sendBatch(List.of(Message.of("t", "a"), Message.of("t", "b")));

        assertThat(sent).isCompletedExceptionally();
        assertThatThrownBy(sent::join).hasCauseInstanceOf(IOException.class)
                .hasMessageContaining("cannot flush " + file + ": no space left on device");
        assertThat(batch).allSatisfy(s -> assertThatThrownBy(() -> s.toCompletableFuture().join())
                .hasCauseInstanceOf(IOException.class));
        sink.close();
        Files.delete(file); // the link only, before JUnit cleans up and warns about its target
    }

    @Test
    void sendsAfterCloseFailAndCloseAndFlushAreIdempotent() throws Exception {
        Path file = dir.resolve("out.jsonl");
        JsonlSink sink = JsonlSink.builder(file).build();
        complete(sink.send(Message.of("t", "before")));
        sink.close();
        sink.close();
        complete(sink.flush());
        complete(sink.flush());

        assertThatThrownBy(() -> complete(sink.send(Message.of("t", "after"))))
                .hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("jsonl:" + file.toAbsolutePath())
                .hasMessageContaining("closed");
        List<CompletionStage<Void>> batch = sink.sendBatch(List.of(Message.of("t", "a"), Message.of("t", "b")));
        assertThat(batch).hasSize(2).allSatisfy(s -> assertThat(s.toCompletableFuture()).isCompletedExceptionally());
        assertThat(readLines(file)).hasSize(1);
    }

    @Test
    void builderRefusesValuesOutOfRange() {
        JsonlSink.Builder b = JsonlSink.builder(dir.resolve("out.jsonl"));
        assertThatThrownBy(() -> b.maxBytes(0)).hasMessageContaining("maxBytes is 0");
        assertThatThrownBy(() -> b.maxFiles(0)).hasMessageContaining("maxFiles is 0").hasMessageContaining("1 to 1000");
        assertThatThrownBy(() -> b.maxFiles(1001)).hasMessageContaining("maxFiles is 1001");
    }

    record Reading(int seq) {
    }

    private static void complete(CompletionStage<Void> stage) {
        CompletableFuture<Void> f = stage.toCompletableFuture();
        assertThat(f).as("completed when send returns").isDone();
        f.join();
    }

    private static List<JsonNode> readLines(Path file) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    private static List<String> filesIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
