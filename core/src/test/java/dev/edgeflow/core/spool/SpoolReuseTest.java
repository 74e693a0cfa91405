package dev.edgeflow.core.spool;

import static dev.edgeflow.core.spool.SpoolFixtures.appendAll;
import static dev.edgeflow.core.spool.SpoolFixtures.drain;
import static dev.edgeflow.core.spool.SpoolFixtures.messages;
import static dev.edgeflow.core.spool.SpoolFixtures.readings;
import static dev.edgeflow.core.spool.SpoolFixtures.segmentFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.spool.internal.ChannelOpener;
import dev.edgeflow.core.spool.internal.SpoolFormat;
import dev.edgeflow.log.RecordingLogger;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/**
 * Confirmed segments are reused as new ones (see {@code SpoolFormat}): the files are recycled,
 * and a reused segment's records from its earlier life are never handed out again, neither
 * while it is open nor after a close, a torn append or a kill.
 */
class SpoolReuseTest {
    private static final int SEGMENT_BYTES = 4096;

    @TempDir
    Path dir;

    private final RecordingLogger log = new RecordingLogger(Level.INFO);

    private Spool open() {
        return Spool.builder(dir).segmentBytes(SEGMENT_BYTES).maxBytes(1 << 20).logger(log).open();
    }

    private Path spare() {
        return dir.resolve(SpoolFormat.SPARE_FILE);
    }

    /**
     * Appends readings [from, to) in rounds of 40 (about one segment), confirming each round;
     * returns whether the spare was there after any round.
     */
    private boolean cycle(Spool spool, int from, int to) {
        boolean spareSeen = false;
        for (int i = from; i < to; i += 40) {
            List<Message> round = readings(i, Math.min(to, i + 40));
            appendAll(spool, round);
            List<SpoolRecord> got = drain(spool);
            assertThat(messages(got)).containsExactlyElementsOf(round);
            got.forEach(r -> spool.confirm(r.sequence()));
            spareSeen |= Files.exists(spare());
        }
        return spareSeen;
    }

    /**
     * Cycles more readings, a round at a time, until the active segment is a reused file. The
     * writer moves a confirmed segment to the spare on its own thread, so the rotation right
     * after a confirm may find no spare yet and start a new file (seen under load); the next
     * rotations reuse. Fails if 50 more rounds never do.
     */
    private void cycleUntilReused(Spool spool, int from) throws IOException {
        for (int round = 0; round < 50 && !isReused(lastSegment()); round++) {
            cycle(spool, from + round * 40, from + round * 40 + 40);
        }
        assertThat(isReused(lastSegment())).as("the active segment is a reused file").isTrue();
    }

    private Path lastSegment() throws IOException {
        List<Path> segments = segmentFiles(dir);
        return segments.get(segments.size() - 1);
    }

    /**
     * Cycles 2000 readings through the spool, then appends {@code left} and leaves them
     * unconfirmed; returns the last segment, checked to be a reused file.
     */
    private Path leaveInAReusedSegment(List<Message> left) throws IOException {
        try (Spool spool = open()) {
            cycle(spool, 0, 2000);
            cycleUntilReused(spool, 2000);
            appendAll(spool, left);
            Path active = lastSegment();
            assertThat(isReused(active)).isTrue();
            return active;
        }
    }

    /** Whether a segment is a reused file: its records end in an end mark, with older bytes after it. */
    private static boolean isReused(Path segment) throws IOException {
        long end = endOfRecords(segment);
        long base = SpoolFormat.parseSegmentFileName(segment.getFileName().toString());
        try (FileChannel ch = FileChannel.open(segment)) {
            ByteBuffer mark = ByteBuffer.allocate(SpoolFormat.END_MARK_BYTES);
            ch.read(mark, end);
            return ch.size() > end + SpoolFormat.END_MARK_BYTES && mark.getInt(0) == SpoolFormat.END_MAGIC
                    && mark.getLong(4) == base;
        }
    }

    /** Offset after the last record of a segment that belongs to it (sequence at least its base). */
    private static long endOfRecords(Path segment) throws IOException {
        long base = SpoolFormat.parseSegmentFileName(segment.getFileName().toString());
        try (FileChannel ch = FileChannel.open(segment)) {
            ByteBuffer b = ByteBuffer.allocate((int) ch.size());
            while (b.hasRemaining() && ch.read(b) > 0) {
                // read it all
            }
            int at = SpoolFormat.SEGMENT_HEADER_BYTES;
            while (at + SpoolFormat.RECORD_HEADER_BYTES <= b.capacity() && b.getInt(at) == SpoolFormat.RECORD_MAGIC
                    && b.getLong(at + 12) >= base) {
                at += 12 + b.getInt(at + 8);
            }
            return at;
        }
    }

    @Test
    void reusesConfirmedSegmentFilesInsteadOfCreatingNewOnes() throws Exception {
        try (Spool spool = open()) {
            assertThat(cycle(spool, 0, 2000)).isTrue(); // about 50 segments' worth
            cycleUntilReused(spool, 2000);
            await().atMost(10, TimeUnit.SECONDS).until(() -> Files.exists(spare()));
            assertThat(segmentFiles(dir)).hasSizeLessThanOrEqualTo(2);
            assertThat(spool.stats().records()).isZero();
            assertThat(spool.stats().corruptSkipped()).isZero();
        }
        assertThat(spare()).doesNotExist(); // not left behind on close
    }

    @Test
    void reopensAReusedSegmentWithoutHandingOutItsEarlierRecordsOrReportingDamage() throws Exception {
        List<Message> left = readings(2000, 2010);
        Path active = leaveInAReusedSegment(left);
        try (Spool spool = open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(left);
            assertThat(spool.stats().corruptSkipped()).isZero();
            assertThat(spool.stats().bytes()).isEqualTo(endOfRecords(active));
            appendAll(spool, readings(2010, 2015));
            assertThat(messages(drain(spool))).containsExactlyElementsOf(readings(2010, 2015));
        }
        try (Spool spool = open()) {
            List<Message> expected = new ArrayList<>(left);
            expected.addAll(readings(2010, 2015));
            assertThat(messages(drain(spool))).containsExactlyElementsOf(expected);
        }
        assertThat(log.warnings()).isEmpty();
    }

    @Test
    void cutsATornAppendInAReusedSegmentAndNeverHandsOutItsEarlierRecords() throws Exception {
        List<Message> left = readings(2000, 2010);
        Path active = leaveInAReusedSegment(left);
        long end = endOfRecords(active);
        assertThat(Files.size(active)).isGreaterThan(end + 64);
        try (RandomAccessFile f = new RandomAccessFile(active.toFile(), "rw")) {
            // the first bytes of an append that a crash cut short, over the older records
            f.seek(end);
            f.writeInt(SpoolFormat.RECORD_MAGIC);
            f.writeInt(0x12345678);
            f.writeInt(90);
            f.writeLong(99_999);
        }

        try (Spool spool = open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(left);
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains("unfinished record")
                    .contains(active.getFileName().toString()).contains("offset " + end));
            assertThat(spool.stats().corruptSkipped()).isZero();
            appendAll(spool, readings(2010, 2012));
        }
        try (Spool spool = open()) {
            List<Message> expected = new ArrayList<>(left);
            expected.addAll(readings(2010, 2012));
            assertThat(messages(drain(spool))).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void deletesASpareLeftInTheDirectorySoItsRecordsNeverComeBack() throws Exception {
        Path other = Files.createDirectory(dir.resolve("other"));
        try (Spool spool = Spool.builder(other).segmentBytes(SEGMENT_BYTES).open()) {
            appendAll(spool, readings(0, 30));
        }
        Path spoolDir = Files.createDirectory(dir.resolve("spool"));
        Files.copy(segmentFiles(other).get(0), spoolDir.resolve(SpoolFormat.SPARE_FILE));

        try (Spool spool = Spool.builder(spoolDir).segmentBytes(SEGMENT_BYTES).logger(log).open()) {
            assertThat(spoolDir.resolve(SpoolFormat.SPARE_FILE)).doesNotExist();
            assertThat(drain(spool)).isEmpty();
            appendAll(spool, readings(100, 105));
            assertThat(messages(drain(spool))).containsExactlyElementsOf(readings(100, 105));
        }
        assertThat(log.warnings()).isEmpty();
    }

    @Test
    void keepsNoSpareWhenTheSpoolIsCloseToMaxBytes() throws Exception {
        try (Spool spool = Spool.builder(dir).segmentBytes(SEGMENT_BYTES).maxBytes(2L * SEGMENT_BYTES).open()) {
            assertThat(cycle(spool, 0, 400)).isFalse();
            assertThat(isReused(lastSegment())).isFalse();
        }
    }

    @Test
    void givesTheSparesDiskSpaceBackWhenTheSpoolFills() throws Exception {
        try (Spool spool = Spool.builder(dir).segmentBytes(SEGMENT_BYTES).maxBytes(6L * SEGMENT_BYTES)
                .whenFull(SpoolFullPolicy.DROP_OLDEST).open()) {
            cycle(spool, 0, 200);
            await().atMost(10, TimeUnit.SECONDS).until(() -> Files.exists(spare()));
            appendAll(spool, readings(200, 600)); // unconfirmed: fills the spool, drops the oldest
            assertThat(spare()).doesNotExist();
            assertThat(spool.stats().dropped()).isPositive();
        }
    }

    @Test
    void startsANewFileWhenTheSpareCannotBeReusedAndDeletesTheSpare() throws Exception {
        AtomicBoolean spareBroken = new AtomicBoolean();
        ChannelOpener opener = (Path path, Set<? extends OpenOption> options) -> {
            if (spareBroken.get() && path.getFileName().toString().equals(SpoolFormat.SPARE_FILE)) {
                throw new IOException("Input/output error");
            }
            return FileChannel.open(path, options);
        };
        try (Spool spool = Spool.builder(dir).segmentBytes(SEGMENT_BYTES).maxBytes(1 << 20).logger(log)
                .channelOpener(opener).open()) {
            cycle(spool, 0, 400);
            await().atMost(10, TimeUnit.SECONDS).until(() -> Files.exists(spare()));
            spareBroken.set(true);
            cycle(spool, 400, 600); // rolls: the spare fails, a new file takes its place
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains("cannot reuse a confirmed segment")
                    .contains("Input/output error"));
            assertThat(spool.stats().appended()).isEqualTo(600);
        }
        assertThat(spare()).doesNotExist();
    }

    @Test
    void keepsCompletedAppendsInAReusedSegmentWhenTheProcessIsKilled() throws Exception {
        Process writer = SpoolFixtures.startJvm(SpoolCrashWriter.class, dir.toString(), "200", "150", "2000");
        try {
            assertThat(SpoolFixtures.firstLine(writer)).isEqualTo("ready");
        } finally {
            writer.destroyForcibly(); // SIGKILL: no close, the spare and the reused segment stay as they are
            writer.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(isReused(lastSegment())).isTrue(); // the large message went into a reused file

        try (Spool spool = Spool.builder(dir).segmentBytes(SpoolCrashWriter.SEGMENT_BYTES).logger(log).open()) {
            List<Message> expected = new ArrayList<>(readings(2150, 2200));
            expected.add(SpoolCrashWriter.large());
            assertThat(messages(drain(spool))).containsExactlyElementsOf(expected);
            assertThat(spool.stats().corruptSkipped()).isZero();
        }
        assertThat(spare()).doesNotExist();
        assertThat(log.warnings()).isEmpty();
    }
}
