package dev.edgeflow.core.spool;

import static dev.edgeflow.core.spool.SpoolFixtures.appendAll;
import static dev.edgeflow.core.spool.SpoolFixtures.drain;
import static dev.edgeflow.core.spool.SpoolFixtures.messages;
import static dev.edgeflow.core.spool.SpoolFixtures.readings;
import static dev.edgeflow.core.spool.SpoolFixtures.segmentFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.spool.internal.MessageCodec;
import dev.edgeflow.core.spool.internal.SpoolFormat;
import dev.edgeflow.log.RecordingLogger;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

class SpoolRecoveryTest {
    @TempDir
    Path dir;

    private final RecordingLogger log = new RecordingLogger(Level.INFO);

    private Spool open() {
        return Spool.builder(dir).logger(log).open();
    }

    private static long recordBytes(Message m) {
        return SpoolFormat.RECORD_HEADER_BYTES + MessageCodec.encodedSize(m);
    }

    /** Offset of each record in a segment that holds {@code messages} from its start. */
    private static List<Long> offsets(List<Message> messages) {
        List<Long> offsets = new ArrayList<>();
        long at = SpoolFormat.SEGMENT_HEADER_BYTES;
        for (Message m : messages) {
            offsets.add(at);
            at += recordBytes(m);
        }
        return offsets;
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x5A);
        }
    }

    @Test
    void cutsATornLastRecordAndKeepsAppendingAfterIt() throws Exception {
        List<Message> input = readings(0, 10);
        try (Spool spool = open()) {
            appendAll(spool, input);
        }
        Path segment = segmentFiles(dir).get(0);
        long size = Files.size(segment);
        long cut = size - recordBytes(input.get(9)) / 2;
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.setLength(cut);
        }

        try (Spool spool = open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(input.subList(0, 9));
            assertThat(spool.stats().corruptSkipped()).isZero();
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w)
                    .contains("cut " + (cut - offsets(input).get(9)) + " bytes of an unfinished record")
                    .contains(segment.getFileName().toString())
                    .contains("offset " + offsets(input).get(9)));

            appendAll(spool, readings(10, 12));
            assertThat(messages(drain(spool))).containsExactlyElementsOf(readings(10, 12));
        }
        try (Spool spool = open()) {
            List<Message> expected = new ArrayList<>(input.subList(0, 9));
            expected.addAll(readings(10, 12));
            assertThat(messages(drain(spool))).containsExactlyElementsOf(expected);
            assertThat(spool.stats().corruptSkipped()).isZero();
        }
    }

    @Test
    void skipsAndReportsARecordWithAFlippedByteAndDeliversAllOthers() throws Exception {
        List<Message> input = readings(0, 10);
        try (Spool spool = open()) {
            appendAll(spool, input);
        }
        Path segment = segmentFiles(dir).get(0);
        long damagedAt = offsets(input).get(5);
        flipByte(segment, damagedAt + recordBytes(input.get(5)) - 3); // inside the payload

        try (Spool spool = open()) {
            List<Message> expected = new ArrayList<>(input);
            expected.remove(5);
            assertThat(messages(drain(spool))).containsExactlyElementsOf(expected);
            assertThat(spool.stats().corruptSkipped()).isEqualTo(1);
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w)
                    .contains("skipped " + recordBytes(input.get(5)) + " damaged bytes at offset " + damagedAt)
                    .contains(segment.getFileName().toString())
                    .contains(dir.toString()));
        }
    }

    @Test
    void findsTheNextRecordAfterADamagedLengthField() throws Exception {
        List<Message> input = readings(0, 10);
        try (Spool spool = open()) {
            appendAll(spool, input);
        }
        Path segment = segmentFiles(dir).get(0);
        flipByte(segment, offsets(input).get(2) + 10); // the length field of record 2

        try (Spool spool = open()) {
            List<Message> expected = new ArrayList<>(input);
            expected.remove(2);
            assertThat(messages(drain(spool))).containsExactlyElementsOf(expected);
            assertThat(spool.stats().corruptSkipped()).isEqualTo(1);
        }
    }

    @Test
    void deliversEveryIntactRecordAfterDamageThatReachesTheEndOfAnEarlierSegment() throws Exception {
        List<Message> input = readings(0, 40);
        try (Spool spool = Spool.builder(dir).segmentBytes(1024).open()) {
            appendAll(spool, input);
        }
        List<Path> segments = segmentFiles(dir);
        assertThat(segments).hasSizeGreaterThan(3);
        long secondBase = Long.parseLong(segments.get(1).getFileName().toString().replace(".seg", ""));
        List<Message> inFirst = input.subList(0, (int) secondBase); // sequences start at 0, one per message
        long size = Files.size(segments.get(0));
        long wipedFrom = size / 2;
        try (RandomAccessFile f = new RandomAccessFile(segments.get(0).toFile(), "rw")) {
            f.seek(wipedFrom);
            f.write(new byte[(int) (size - wipedFrom)]);
        }
        List<Message> expected = new ArrayList<>();
        List<Long> offsets = offsets(inFirst);
        for (int i = 0; i < inFirst.size(); i++) {
            if (offsets.get(i) + recordBytes(inFirst.get(i)) <= wipedFrom) {
                expected.add(inFirst.get(i));
            }
        }
        expected.addAll(input.subList(inFirst.size(), input.size()));

        try (Spool spool = Spool.builder(dir).segmentBytes(1024).logger(log).open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(expected);
            assertThat(spool.stats().corruptSkipped()).isEqualTo(1);
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w)
                    .contains(segments.get(0).getFileName().toString())
                    .contains("reading resumes in the next segment"));
        }
    }

    @Test
    void skipsARecordDamagedWhileOpenAndThenWaitsForNewRecords() throws Exception {
        List<Message> input = readings(0, 4);
        try (Spool spool = open()) {
            appendAll(spool, input);
            Path segment = segmentFiles(dir).get(0);
            flipByte(segment, offsets(input).get(3) + 40); // the last record, after it was published

            assertThat(messages(drain(spool))).containsExactlyElementsOf(input.subList(0, 3));
            assertThat(spool.stats().corruptSkipped()).isEqualTo(1);
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains("while reading")
                    .contains("offset " + offsets(input).get(3)));
            // nothing is left to hand out, so there is nothing to signal
            assertThat(spool.available()).isNotDone();

            appendAll(spool, readings(4, 5));
            assertThat(messages(drain(spool))).containsExactly(SpoolFixtures.reading(4));
        }
    }

    @Test
    void opensDespiteAGarbageSegmentAndAForeignFileAndLeavesTheForeignFileAlone() throws Exception {
        List<Message> input = readings(0, 5);
        try (Spool spool = open()) {
            appendAll(spool, input);
        }
        byte[] garbage = new byte[3000];
        new Random(42).nextBytes(garbage);
        Path garbageSegment = dir.resolve("00000000000000099999.seg");
        Files.write(garbageSegment, garbage);
        Path foreign = dir.resolve("notes.txt");
        Files.writeString(foreign, "not the spool's");

        try (Spool spool = open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(input);
            assertThat(foreign).hasContent("not the spool's");
            assertThat(garbageSegment).doesNotExist();
            assertThat(dir.resolve("00000000000000099999.seg.corrupt")).hasBinaryContent(garbage);
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains("notes.txt").contains("left as it is"));
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains("00000000000000099999.seg")
                    .contains("damaged header"));

            // the garbage is out of the way: appending goes on where the intact records end
            List<Long> sequences = appendAll(spool, readings(5, 7));
            assertThat(sequences).containsExactly(5L, 6L);
            assertThat(messages(drain(spool))).containsExactlyElementsOf(readings(5, 7));
        }
        try (Spool spool = open()) {
            List<Message> all = new ArrayList<>(input);
            all.addAll(readings(5, 7));
            assertThat(messages(drain(spool))).containsExactlyElementsOf(all);
        }
    }

    @Test
    void readsTheIntactRecordsOfASegmentWhoseHeaderIsDamaged() throws Exception {
        List<Message> input = readings(0, 10);
        try (Spool spool = Spool.builder(dir).segmentBytes(1024).open()) {
            appendAll(spool, input);
        }
        Path first = segmentFiles(dir).get(0);
        flipByte(first, 2); // the segment magic

        try (Spool spool = Spool.builder(dir).segmentBytes(1024).logger(log).open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(input);
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains(first.getFileName().toString())
                    .contains("no segment magic"));
        }
    }

    @Test
    void appendsToANewSegmentWhenTheLastOneHasADamagedHeader() throws Exception {
        List<Message> input = readings(0, 10);
        try (Spool spool = Spool.builder(dir).segmentBytes(1024).open()) {
            appendAll(spool, input);
        }
        List<Path> before = segmentFiles(dir);
        flipByte(before.get(before.size() - 1), 17); // the header checksum of the last segment

        try (Spool spool = Spool.builder(dir).segmentBytes(1024).logger(log).open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(input);
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains("header checksum does not match"));
            assertThat(SpoolFixtures.done(spool.append(SpoolFixtures.reading(10)))).isEqualTo(10);
            assertThat(segmentFiles(dir)).hasSize(before.size() + 1);
        }
        try (Spool spool = Spool.builder(dir).segmentBytes(1024).open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(readings(0, 11));
        }
    }

    @Test
    void deliversEveryIntactRecordAfterAFlippedByteAndATornTailTogether() throws Exception {
        List<Message> input = readings(0, 20);
        try (Spool spool = open()) {
            appendAll(spool, input);
        }
        Path segment = segmentFiles(dir).get(0);
        List<Long> offsets = offsets(input);
        flipByte(segment, offsets.get(7) + 30);
        flipByte(segment, offsets.get(12) + 40);
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.setLength(offsets.get(19) + 10);
        }

        try (Spool spool = open()) {
            List<Message> expected = new ArrayList<>(input.subList(0, 19));
            expected.remove(12);
            expected.remove(7);
            assertThat(messages(drain(spool))).containsExactlyElementsOf(expected);
            assertThat(spool.stats().corruptSkipped()).isEqualTo(2);
            assertThat(log.warnings()).filteredOn(w -> w.contains("damaged bytes at offset")).hasSize(2);
            assertThat(log.warnings()).filteredOn(w -> w.contains("unfinished record")).hasSize(1);
        }
    }

    @Test
    void refusesASegmentWrittenByANewerFormatVersion() throws Exception {
        try (Spool spool = open()) {
            appendAll(spool, readings(0, 1));
        }
        Path segment = segmentFiles(dir).get(0);
        ByteBuffer header = ByteBuffer.allocate(SpoolFormat.SEGMENT_HEADER_BYTES);
        header.putInt(SpoolFormat.SEGMENT_MAGIC).putInt(7).putLong(0);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, 16);
        header.putInt((int) crc.getValue());
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.write(header.array());
        }

        assertThatThrownBy(this::open)
                .isInstanceOf(SpoolException.class)
                .hasMessageContaining(segment.getFileName().toString())
                .hasMessageContaining("format version 7")
                .hasMessageContaining(dir.toString());
        // the refusal let go of the directory
        assertThat(new String(Files.readAllBytes(dir.resolve("spool.lock")), StandardCharsets.US_ASCII)).isEmpty();
    }

    @Test
    void startsAfreshASegmentCutInsideItsHeader() throws Exception {
        try (Spool spool = open()) {
            appendAll(spool, readings(0, 3));
        }
        Path stub = dir.resolve(SpoolFormat.segmentFileName(1000));
        Files.write(stub, new byte[] {0x45, 0x46});

        try (Spool spool = open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(readings(0, 3));
            long next = SpoolFixtures.done(spool.append(SpoolFixtures.reading(3)));
            assertThat(next).isEqualTo(1000);
        }
    }
}
