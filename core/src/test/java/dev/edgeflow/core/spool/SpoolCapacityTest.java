package dev.edgeflow.core.spool;

import static dev.edgeflow.core.spool.SpoolFixtures.appendAll;
import static dev.edgeflow.core.spool.SpoolFixtures.done;
import static dev.edgeflow.core.spool.SpoolFixtures.drain;
import static dev.edgeflow.core.spool.SpoolFixtures.readings;
import static dev.edgeflow.core.spool.SpoolFixtures.segmentFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
import dev.edgeflow.log.RecordingLogger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

class SpoolCapacityTest {
    private static final int SEGMENT = 1024;
    private static final int MAX = 4 * SEGMENT;

    @TempDir
    Path dir;

    private final RecordingLogger log = new RecordingLogger(Level.INFO);

    /** Appends until an append does not complete: the spool is full. */
    private static List<CompletableFuture<Long>> fill(Spool spool) {
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            CompletableFuture<Long> f = spool.append(SpoolFixtures.reading(i));
            futures.add(f);
            try {
                f.get(2, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                return futures;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("1000 appends fit in " + MAX + " bytes");
    }

    @Test
    void backpressureHoldsAnAppendUntilAConfirmFreesASegment() throws Exception {
        try (Spool spool = Spool.builder(dir).segmentBytes(SEGMENT).maxBytes(MAX).open()) {
            List<CompletableFuture<Long>> futures = fill(spool);
            CompletableFuture<Long> waiting = futures.get(futures.size() - 1);
            CompletableFuture<Long> behind = spool.append(SpoolFixtures.reading(5000));

            assertThat(spool.stats().pendingAppends()).isEqualTo(2);
            assertThat(spool.stats().bytes()).isLessThanOrEqualTo(MAX);
            long onDisk = 0;
            for (Path p : segmentFiles(dir)) {
                onDisk += Files.size(p);
            }
            assertThat(onDisk).isLessThanOrEqualTo(MAX);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> !waiting.isDone() && !behind.isDone());

            // confirming part of the first segment frees nothing
            List<SpoolRecord> records = drain(spool);
            spool.confirm(records.get(0).sequence());
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());

            records.forEach(r -> spool.confirm(r.sequence()));
            long first = done(waiting);
            long second = done(behind);
            assertThat(second).isGreaterThan(first);
            assertThat(SpoolFixtures.messages(drain(spool)))
                    .containsExactly(SpoolFixtures.reading(futures.size() - 1), SpoolFixtures.reading(5000));
            assertThat(spool.stats().dropped()).isZero();
        }
    }

    @Test
    void dropOldestDeletesTheOldestSegmentAndCountsItsRecords() throws Exception {
        try (Spool spool = Spool.builder(dir).segmentBytes(SEGMENT).maxBytes(MAX)
                .whenFull(SpoolFullPolicy.DROP_OLDEST).logger(log).open()) {
            List<Message> input = readings(0, 200);
            appendAll(spool, input);

            SpoolStats stats = spool.stats();
            assertThat(stats.dropped()).isPositive();
            assertThat(stats.bytes()).isLessThanOrEqualTo(MAX);
            List<SpoolRecord> left = drain(spool);
            assertThat(left.size() + stats.dropped()).isEqualTo(input.size());
            // what is left is the newest, in order
            assertThat(SpoolFixtures.messages(left)).containsExactlyElementsOf(
                    input.subList(input.size() - left.size(), input.size()));
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains("is full (maxBytes " + MAX + ")")
                    .contains("dropped the oldest segment"));
        }
    }

    @Test
    void dropOldestForgetsDroppedRecordsThatWereHandedOut() {
        try (Spool spool = Spool.builder(dir).segmentBytes(SEGMENT).maxBytes(MAX)
                .whenFull(SpoolFullPolicy.DROP_OLDEST).logger(log).open()) {
            appendAll(spool, readings(0, 5));
            List<SpoolRecord> inFlight = spool.poll(5);
            appendAll(spool, readings(5, 200));

            // a late confirm of a dropped record is harmless
            inFlight.forEach(r -> spool.confirm(r.sequence()));
            SpoolStats stats = spool.stats();
            List<SpoolRecord> rest = drain(spool);
            assertThat(rest.size() + stats.dropped()).isEqualTo(200);
            assertThat(rest.get(rest.size() - 1).message()).isEqualTo(SpoolFixtures.reading(199));
        }
    }

    @Test
    void failsAMessageLargerThanASegmentAtOnceNamingItsSize() {
        try (Spool spool = Spool.builder(dir).segmentBytes(SEGMENT).maxBytes(MAX).open()) {
            Message big = Message.builder("sensor/camera").id("frame-1").payload(new byte[2000]).build();

            CompletableFuture<Long> f = spool.append(big);

            assertThat(f).isCompletedExceptionally();
            assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("message frame-1 on topic 'sensor/camera'")
                    .hasMessageContaining("payload 2000 bytes")
                    .hasMessageContaining("segmentBytes is " + SEGMENT);
            assertThat(spool.stats().pendingAppends()).isZero();
        }
    }

    @Test
    void rejectsSettingsThatCannotWork() {
        assertThatThrownBy(() -> Spool.builder(dir).segmentBytes(64 << 20).maxBytes(32 << 20).open())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segmentBytes 67108864 is not less than maxBytes 33554432");
        assertThatThrownBy(() -> Spool.builder(dir).segmentBytes(100))
                .hasMessageContaining("segmentBytes is 100");
        assertThatThrownBy(() -> Spool.builder(dir).maxBytes(0)).hasMessageContaining("maxBytes is 0");
        assertThatThrownBy(() -> Spool.builder(dir).fsyncInterval(Duration.ZERO))
                .hasMessageContaining("fsyncInterval is PT0S");
        assertThat(dir.toFile().list()).isEmpty();
    }
}
