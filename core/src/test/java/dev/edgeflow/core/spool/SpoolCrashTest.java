package dev.edgeflow.core.spool;

import static dev.edgeflow.core.spool.SpoolFixtures.drain;
import static dev.edgeflow.core.spool.SpoolFixtures.messages;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolCrashTest {
    @TempDir
    Path dir;

    @Test
    void keepsCompletedAppendsAndTheSavedCursorWhenTheProcessIsKilled() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process writer = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                SpoolCrashWriter.class.getName(), dir.toString(), "200", "150")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(line).isEqualTo("ready");
        } finally {
            writer.destroyForcibly(); // SIGKILL: no close, no final cursor save
            writer.waitFor(30, TimeUnit.SECONDS);
        }

        try (Spool spool = Spool.builder(dir).segmentBytes(SpoolCrashWriter.SEGMENT_BYTES).open()) {
            List<Message> expected = new ArrayList<>(SpoolFixtures.readings(150, 200));
            expected.add(SpoolCrashWriter.large());
            List<Message> got = messages(drain(spool));
            // the cursor was saved when the large message started a segment: nothing confirmed comes again
            assertThat(got).containsExactlyElementsOf(expected);
            assertThat(spool.stats().corruptSkipped()).isZero();
        }
    }
}
