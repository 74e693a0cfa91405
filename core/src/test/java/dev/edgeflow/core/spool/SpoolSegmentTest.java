package dev.edgeflow.core.spool;

import static dev.edgeflow.core.spool.SpoolFixtures.appendAll;
import static dev.edgeflow.core.spool.SpoolFixtures.drain;
import static dev.edgeflow.core.spool.SpoolFixtures.messages;
import static dev.edgeflow.core.spool.SpoolFixtures.readings;
import static dev.edgeflow.core.spool.SpoolFixtures.segmentFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolSegmentTest {
    @TempDir
    Path dir;

    @Test
    void rollsSegmentsAndDeletesEachOnceAllItsRecordsAreConfirmed() throws Exception {
        try (Spool spool = Spool.builder(dir).segmentBytes(1024).maxBytes(1 << 20).open()) {
            appendAll(spool, readings(0, 100));
            List<Path> before = segmentFiles(dir);
            assertThat(before).hasSizeGreaterThan(5);
            assertThat(before.get(0).getFileName().toString()).isEqualTo("00000000000000000000.seg");

            List<SpoolRecord> records = drain(spool);
            records.subList(0, 99).forEach(r -> spool.confirm(r.sequence()));

            // only the segment holding the last, unconfirmed record is left
            await().atMost(10, TimeUnit.SECONDS).until(() -> segmentFiles(dir).size() == 1);
            Path left = segmentFiles(dir).get(0);
            assertThat(before).contains(left);
            assertThat(spool.stats().segments()).isEqualTo(1);
            assertThat(spool.stats().records()).isEqualTo(1);
            assertThat(spool.stats().bytes()).isEqualTo(Files.size(left));
        }
    }

    @Test
    void namesEachSegmentByTheFirstSequenceItHolds() throws Exception {
        try (Spool spool = Spool.builder(dir).segmentBytes(1024).open()) {
            appendAll(spool, readings(0, 40));
            List<SpoolRecord> records = drain(spool);
            for (Path segment : segmentFiles(dir)) {
                long base = Long.parseLong(segment.getFileName().toString().replace(".seg", ""));
                assertThat(records).extracting(SpoolRecord::sequence).contains(base);
            }
        }
    }

    @Test
    void reopenResumesAfterThePersistedCursor() {
        List<Message> input = readings(0, 20);
        try (Spool spool = Spool.builder(dir).segmentBytes(1024).open()) {
            appendAll(spool, input);
            drain(spool).subList(0, 10).forEach(r -> spool.confirm(r.sequence()));
        }
        try (Spool spool = Spool.builder(dir).segmentBytes(1024).open()) {
            assertThat(spool.stats().records()).isEqualTo(10);
            assertThat(messages(drain(spool))).containsExactlyElementsOf(input.subList(10, 20));

            appendAll(spool, readings(20, 21));
            assertThat(messages(drain(spool))).containsExactly(SpoolFixtures.reading(20));
        }
    }

    @Test
    void sequencesKeepGrowingAfterEverythingWasConfirmedAndDeleted() throws Exception {
        long last;
        try (Spool spool = Spool.builder(dir).segmentBytes(1024).open()) {
            List<Long> sequences = appendAll(spool, readings(0, 30));
            drain(spool).forEach(r -> spool.confirm(r.sequence()));
            last = sequences.get(sequences.size() - 1);
        }
        try (Spool spool = Spool.builder(dir).segmentBytes(1024).open()) {
            assertThat(spool.poll(10)).isEmpty();
            long next = SpoolFixtures.done(spool.append(SpoolFixtures.reading(30)));
            assertThat(next).isGreaterThan(last);
            assertThat(segmentFiles(dir)).hasSizeLessThanOrEqualTo(2);
        }
    }

    @Test
    void reportsBytesRecordsAndTheAgeOfTheOldestUnconfirmedRecord() {
        AtomicLong now = new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        try (Spool spool = Spool.builder(dir).clock(clock).open()) {
            assertThat(spool.stats().oldestRecordAge()).isEqualTo(Duration.ZERO);
            appendAll(spool, readings(0, 3));
            now.addAndGet(5_000);
            appendAll(spool, readings(3, 4));
            now.addAndGet(2_000);

            SpoolStats stats = spool.stats();
            assertThat(stats.records()).isEqualTo(4);
            assertThat(stats.appended()).isEqualTo(4);
            assertThat(stats.segments()).isEqualTo(1);
            assertThat(stats.bytes()).isGreaterThan(4 * 50);
            assertThat(stats.oldestRecordAge()).isEqualTo(Duration.ofSeconds(7));

            List<SpoolRecord> records = spool.poll(10);
            records.subList(0, 3).forEach(r -> spool.confirm(r.sequence()));

            stats = spool.stats();
            assertThat(stats.oldestRecordAge()).isEqualTo(Duration.ofSeconds(2));
            assertThat(stats.handedOut()).isEqualTo(4);
            assertThat(stats.confirmed()).isEqualTo(3);
            assertThat(stats.records()).isEqualTo(1);
            assertThat(stats.pendingAppends()).isZero();
        }
    }
}
