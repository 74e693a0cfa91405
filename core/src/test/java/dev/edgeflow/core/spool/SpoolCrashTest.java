package dev.edgeflow.core.spool;

import static dev.edgeflow.core.spool.SpoolFixtures.drain;
import static dev.edgeflow.core.spool.SpoolFixtures.messages;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolCrashTest {
    @TempDir
    Path dir;

    @Test
    void keepsCompletedAppendsAndTheSavedCursorWhenTheProcessIsKilled() throws Exception {
        Process writer = SpoolFixtures.startJvm(SpoolCrashWriter.class, dir.toString(), "200", "150");
        try {
            String line = SpoolFixtures.firstLine(writer);
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
