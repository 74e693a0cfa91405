package dev.edgeflow.core.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Messages and helpers the spool tests share. */
final class SpoolFixtures {
    private SpoolFixtures() {
    }

    /** A reading whose payload says its number, about 100 bytes as a record. */
    static Message reading(int i) {
        return Message.builder("sensor/pi-" + (i % 3) + "/temperature")
                .id("m-" + i)
                .payload("{\"seq\":" + i + ",\"celsius\":21.5}")
                .timestamp(Instant.ofEpochSecond(1_700_000_000L + i, 123_456_789))
                .qos(Qos.AT_LEAST_ONCE)
                .build();
    }

    static List<Message> readings(int from, int to) {
        return IntStream.range(from, to).mapToObj(SpoolFixtures::reading).collect(Collectors.toList());
    }

    /** Appends in order and waits until every append has completed. */
    static List<Long> appendAll(Spool spool, List<Message> messages) {
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (Message m : messages) {
            futures.add(spool.append(m));
        }
        return futures.stream().map(SpoolFixtures::done).collect(Collectors.toList());
    }

    static <T> T done(CompletableFuture<T> f) {
        return f.orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Starts a class's main in a child JVM with this test's class path; its standard error is discarded. */
    static Process startJvm(Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The first line a process prints, waiting up to 60 seconds for it. */
    static String firstLine(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get(60, TimeUnit.SECONDS);
    }

    /** Polls until nothing more comes. */
    static List<SpoolRecord> drain(Spool spool) {
        List<SpoolRecord> all = new ArrayList<>();
        List<SpoolRecord> got;
        while (!(got = spool.poll(1000)).isEmpty()) {
            all.addAll(got);
        }
        return all;
    }

    static List<Message> messages(List<SpoolRecord> records) {
        return records.stream().map(SpoolRecord::message).collect(Collectors.toList());
    }

    static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().collect(Collectors.toList());
        }
    }

    static String payloadText(SpoolRecord r) {
        return new String(r.message().payload(), StandardCharsets.UTF_8);
    }

    static void assertSequencesGrow(List<SpoolRecord> records) {
        for (int i = 1; i < records.size(); i++) {
            assertThat(records.get(i).sequence()).isGreaterThan(records.get(i - 1).sequence());
        }
    }
}
