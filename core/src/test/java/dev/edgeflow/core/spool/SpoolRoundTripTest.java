package dev.edgeflow.core.spool;

import static dev.edgeflow.core.spool.SpoolFixtures.appendAll;
import static dev.edgeflow.core.spool.SpoolFixtures.assertSequencesGrow;
import static dev.edgeflow.core.spool.SpoolFixtures.done;
import static dev.edgeflow.core.spool.SpoolFixtures.drain;
import static dev.edgeflow.core.spool.SpoolFixtures.messages;
import static dev.edgeflow.core.spool.SpoolFixtures.readings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolRoundTripTest {
    @TempDir
    Path dir;

    private static List<Message> awkwardMessages() {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        Message.Builder manyHeaders = Message.builder("device/42/status").id("many-headers");
        for (int i = 0; i < 100; i++) {
            manyHeaders.header("name-" + i, "value " + i + " ünïcødé");
        }
        return List.of(
                Message.builder("sensor/room1/temperature")
                        .id("all-fields")
                        .payload("{\"celsius\":21.5}")
                        .header("content-type", "application/json")
                        .header("device", "RaspberryPi-001")
                        // 127 chars, 128 bytes: the length takes two bytes, not the one 127 chars would
                        .header("note", "a".repeat(126) + "é")
                        .timestamp(Instant.parse("2026-03-01T12:34:56.123456789Z"))
                        .qos(Qos.EXACTLY_ONCE)
                        .build(),
                Message.builder("sensor/empty").id("empty-payload").qos(Qos.AT_MOST_ONCE)
                        .timestamp(Instant.EPOCH).build(),
                Message.builder("capteur/température/日本/😀").id("ид-😀").payload("grüße 😀")
                        .timestamp(Instant.parse("1969-07-20T20:17:40Z")).build(),
                manyHeaders.payload(everyByte).timestamp(Instant.parse("2030-01-01T00:00:00.000000001Z")).build(),
                Message.builder("big/one").id("64k").payload(new byte[65_536]).build());
    }

    @Test
    void keepsEveryFieldOfEveryMessageAcrossReopen() {
        List<Message> input = awkwardMessages();
        Clock clock = Clock.fixed(Instant.parse("2026-05-05T05:05:05.555Z"), ZoneOffset.UTC);
        try (Spool spool = Spool.builder(dir).clock(clock).open()) {
            appendAll(spool, input);
        }
        try (Spool spool = Spool.builder(dir).open()) {
            List<SpoolRecord> records = drain(spool);

            assertThat(messages(records)).containsExactlyElementsOf(input);
            for (int i = 0; i < input.size(); i++) {
                Message in = input.get(i);
                Message out = records.get(i).message();
                assertThat(out.id()).isEqualTo(in.id());
                assertThat(out.topic()).isEqualTo(in.topic());
                assertThat(out.payload()).isEqualTo(in.payload());
                assertThat(out.headers()).isEqualTo(in.headers());
                assertThat(out.timestamp()).isEqualTo(in.timestamp());
                assertThat(out.qos()).isEqualTo(in.qos());
            }
            assertThat(records).allSatisfy(r -> assertThat(r.appendedAt()).isEqualTo(clock.instant()));
        }
    }

    @Test
    void handsOutRecordsInAppendOrderWithGrowingSequences() {
        List<Message> input = readings(0, 5000);
        try (Spool spool = Spool.builder(dir).segmentBytes(64 * 1024).open()) {
            List<Long> sequences = appendAll(spool, input);
            List<SpoolRecord> records = drain(spool);

            assertThat(messages(records)).containsExactlyElementsOf(input);
            assertThat(records).extracting(SpoolRecord::sequence).containsExactlyElementsOf(sequences);
            assertSequencesGrow(records);
        }
    }

    @Test
    void keepsTheOrderOfEachAppendingThread() throws Exception {
        int threads = 4;
        int each = 2000;
        try (Spool spool = Spool.builder(dir).segmentBytes(64 * 1024).open()) {
            List<CompletableFuture<Void>> appenders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<Message> mine = readings(t * each, (t + 1) * each);
                appenders.add(CompletableFuture.runAsync(() -> mine.forEach(spool::append)));
            }
            CompletableFuture.allOf(appenders.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            List<SpoolRecord> records = new ArrayList<>();
            await().atMost(10, TimeUnit.SECONDS).until(() -> {
                records.addAll(spool.poll(1000));
                return records.size() == threads * each;
            });

            assertSequencesGrow(records);
            for (int t = 0; t < threads; t++) {
                List<Message> expected = readings(t * each, (t + 1) * each);
                String prefix = "m-";
                int from = t * each;
                int to = (t + 1) * each;
                List<Message> fromThread = messages(records).stream()
                        .filter(m -> {
                            int n = Integer.parseInt(m.id().substring(prefix.length()));
                            return n >= from && n < to;
                        })
                        .collect(Collectors.toList());
                assertThat(fromThread).containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void handsOutWhatIsAppendedWhileOpenAndSignalsWhenThereIsMore() {
        try (Spool spool = Spool.builder(dir).open()) {
            CompletableFuture<Void> available = spool.available();
            assertThat(spool.poll(10)).isEmpty();
            assertThat(available).isNotDone();

            long seq = done(spool.append(SpoolFixtures.reading(1)));

            done(available);
            List<SpoolRecord> records = spool.poll(10);
            assertThat(records).extracting(SpoolRecord::sequence).containsExactly(seq);
            assertThat(spool.poll(10)).isEmpty();
            assertThat(spool.available()).isNotDone();
        }
    }
}
