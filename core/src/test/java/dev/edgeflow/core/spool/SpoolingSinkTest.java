package dev.edgeflow.core.spool;

import static dev.edgeflow.core.spool.SpoolFixtures.readings;
import static dev.edgeflow.core.spool.SpoolFixtures.segmentFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Headers;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Sink;
import dev.edgeflow.memory.MemorySink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolingSinkTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** A target whose sends complete when the test says, or at once by a rule. */
    static final class Target implements Sink {
        record Send(Message message, CompletableFuture<Void> completion) {
        }

        final LinkedBlockingQueue<Send> pending = new LinkedBlockingQueue<>();
        final List<Message> received = new CopyOnWriteArrayList<>();
        final AtomicInteger concurrent = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        volatile Function<Message, Throwable> rule; // null: hold; else completes at once (null result = success)

        @Override
        public String name() {
            return "target";
        }

        @Override
        public CompletionStage<Void> send(Message message) {
            received.add(message);
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            CompletableFuture<Void> f = new CompletableFuture<>();
            Function<Message, Throwable> r = rule;
            if (r == null) {
                pending.add(new Send(message, f));
                return f;
            }
            Throwable failure = r.apply(message);
            concurrent.decrementAndGet();
            if (failure == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(failure);
            }
            return f;
        }

        int confirmAll() {
            int n = 0;
            Send s;
            while ((s = pending.poll()) != null) {
                concurrent.decrementAndGet();
                s.completion().complete(null);
                n++;
            }
            return n;
        }

        @Override
        public void close() {
        }
    }

    private static int seq(Message m) {
        String p = new String(m.payload(), StandardCharsets.UTF_8);
        return Integer.parseInt(p.substring(p.indexOf(':') + 1, p.indexOf(',')));
    }

    private static List<Integer> seqs(List<Message> messages) {
        return messages.stream().map(SpoolingSinkTest::seq).collect(Collectors.toList());
    }

    private static void sendAll(Sink sink, List<Message> messages) {
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (Message m : messages) {
            sends.add(sink.send(m).toCompletableFuture());
        }
        CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void acknowledgesOnceDurableWhileTheTargetHoldsThenForwardsInOrder() {
        Target target = new Target();
        try (SpoolingSink sink = SpoolingSink.builder(target, dir.resolve("s")).maxInFlight(16).build()) {
            sendAll(sink, readings(0, 500)); // completes although the target confirmed nothing
            Awaitility.await().atMost(WAIT).until(() -> target.received.size() == 16);
            assertThat(sink.spoolStats().records()).isEqualTo(500);
            assertThat(sink.inFlight()).isEqualTo(16);
            CompletableFuture<Void> flushed = sink.flush().toCompletableFuture();
            assertThat(flushed).isNotDone();

            target.rule = m -> null;
            target.confirmAll();
            Awaitility.await().atMost(WAIT).until(() -> sink.forwardedCount() == 500);
            assertThat(seqs(target.received)).isEqualTo(seqs(readings(0, 500)));
            assertThat(target.maxConcurrent.get()).isLessThanOrEqualTo(16);
            flushed.orTimeout(10, TimeUnit.SECONDS).join();
            assertThat(sink.spoolStats().records()).isZero();
        }
    }

    @Test
    void aFailedSendIsSentAgainAfterABackoffAndNothingIsLost() {
        Target target = new Target();
        Set<Integer> failedOnce = ConcurrentHashMap.newKeySet();
        target.rule = m -> seq(m) % 40 == 10 && failedOnce.add(seq(m))
                ? new UncheckedIOException(new IOException("connection reset")) : null;
        try (SpoolingSink sink = SpoolingSink.builder(target, dir.resolve("s")).maxInFlight(8)
                .retryDelay(Duration.ofMillis(5), Duration.ofMillis(50)).build()) {
            sendAll(sink, readings(0, 200));
            Awaitility.await().atMost(WAIT).until(() -> sink.spoolStats().records() == 0);
            assertThat(failedOnce).containsExactlyInAnyOrder(10, 50, 90, 130, 170);
            assertThat(sink.failedCount()).isEqualTo(5);
            assertThat(Set.copyOf(seqs(target.received))).hasSize(200);
            assertThat(sink.forwardedCount()).isGreaterThanOrEqualTo(200);
            assertThat(sink.isBackingOff()).isFalse();
        }
    }

    @Test
    void aMessageRejectedForGoodGoesToTheDeadLetterSinkWithTheReason() {
        Target target = new Target();
        target.rule = m -> seq(m) == 3 ? new MessageRejectedException("payload over the 128 KB limit") : null;
        MemorySink dead = MemorySink.named("dead");
        try (SpoolingSink sink = SpoolingSink.builder(target, dir.resolve("s")).deadLetter(dead).build()) {
            sendAll(sink, readings(0, 10));
            Awaitility.await().atMost(WAIT).until(() -> sink.spoolStats().records() == 0 && dead.accepted() == 1);
            Message letter = dead.messages().get(0);
            assertThat(seq(letter)).isEqualTo(3);
            assertThat(letter.header(Headers.DEAD_LETTER_REASON)).isEqualTo("payload over the 128 KB limit");
            assertThat(sink.deadLetteredCount()).isEqualTo(1);
            assertThat(sink.failedCount()).isZero();
        }
    }

    @Test
    void withoutADeadLetterSinkARejectedMessageIsCountedAndDropped() {
        Target target = new Target();
        target.rule = m -> seq(m) == 3 ? new MessageRejectedException("not JSON") : null;
        try (SpoolingSink sink = SpoolingSink.builder(target, dir.resolve("s")).build()) {
            sendAll(sink, readings(0, 10));
            Awaitility.await().atMost(WAIT).until(() -> sink.spoolStats().records() == 0);
            assertThat(sink.rejectedCount()).isEqualTo(1);
            assertThat(sink.forwardedCount()).isEqualTo(9);
        }
    }

    @Test
    void capsTheRateAtWhichTheBacklogIsReplayed() {
        Target target = new Target();
        target.rule = m -> null;
        try (SpoolingSink sink = SpoolingSink.builder(target, dir.resolve("s")).replayRate(100).build()) {
            long start = System.nanoTime();
            sendAll(sink, readings(0, 60));
            Awaitility.await().atMost(WAIT).until(() -> sink.forwardedCount() == 60);
            double seconds = (System.nanoTime() - start) / 1e9;
            // A burst of 10 at most, then 100 a second: the other 50 take at least half a second.
            assertThat(seconds).isGreaterThanOrEqualTo(0.8 * 50 / 100.0);
        }
    }

    @Test
    void whatTheTargetDidNotConfirmIsSentByTheNextSinkOnTheDirectory() {
        Target stalled = new Target();
        try (SpoolingSink first = SpoolingSink.builder(stalled, dir.resolve("s")).maxInFlight(4).build()) {
            sendAll(first, readings(0, 50));
            Awaitility.await().atMost(WAIT).until(() -> stalled.received.size() == 4);
        }
        MemorySink target = MemorySink.named("after-restart");
        try (SpoolingSink second = SpoolingSink.builder(target, dir.resolve("s")).build()) {
            Awaitility.await().atMost(WAIT).until(() -> target.accepted() == 50 && second.spoolStats().records() == 0);
            assertThat(seqs(target.messages())).isEqualTo(seqs(readings(0, 50)));
        }
    }

    /**
     * The store-and-forward issue's corrupted spool: bytes flipped in the middle of a segment
     * and the last record cut in half. The restart delivers every intact record, in order, and
     * reports the damage.
     */
    @Test
    void aCorruptedSpoolDeliversEveryIntactRecordOnRestart() throws IOException {
        Target stalled = new Target();
        Path spoolDir = dir.resolve("s");
        try (SpoolingSink first = SpoolingSink.builder(stalled, spoolDir).maxInFlight(1)
                .spool(s -> s.segmentBytes(4096)).build()) {
            sendAll(first, readings(0, 200));
        }
        List<Path> segments = segmentFiles(spoolDir);
        assertThat(segments).hasSizeGreaterThan(2);
        Path middle = segments.get(1);
        try (FileChannel ch = FileChannel.open(middle, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = ch.size() / 2;
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) ~b.get(0)).rewind();
            ch.write(b, at);
        }
        Path last = segments.get(segments.size() - 1);
        long lastSize = Files.size(last);
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            ch.truncate(lastSize - 30); // the last record (about 100 bytes) cut in half
        }

        MemorySink target = MemorySink.named("after-damage");
        try (SpoolingSink second = SpoolingSink.builder(target, spoolDir).build()) {
            Awaitility.await().atMost(WAIT).until(() -> second.spoolStats().records() == 0 && target.accepted() > 0);
            List<Integer> got = seqs(target.messages());
            assertThat(got).isSorted().doesNotHaveDuplicates();
            assertThat(got).doesNotContain(199); // the torn record
            assertThat(got).hasSizeBetween(200 - 1 - 2, 200 - 1 - 1); // the flipped byte costs one record (two if it hit a boundary)
            assertThat(second.spoolStats().corruptSkipped()).isPositive();
        }
    }

    @Test
    void aMessageLargerThanASegmentIsRejectedForGood() {
        try (SpoolingSink sink = SpoolingSink.builder(new Target(), dir.resolve("s"))
                .spool(s -> s.segmentBytes(1024)).build()) {
            Message big = Message.builder("sensor/big").payload(new byte[4096]).build();
            assertThatThrownBy(() -> sink.send(big).toCompletableFuture().join())
                    .hasCauseInstanceOf(MessageRejectedException.class)
                    .hasMessageContaining("4096");
        }
    }

    @Test
    void refusesSettingsThatCannotWorkNamingThem() {
        SpoolingSink.Builder b = SpoolingSink.builder(new Target(), dir.resolve("s"));
        assertThatThrownBy(() -> b.maxInFlight(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxInFlight is 0");
        assertThatThrownBy(() -> b.replayRate(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replayRate is -1");
        assertThatThrownBy(() -> b.replayRate(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.retryDelay(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial");
        assertThatThrownBy(() -> b.retryDelay(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("below initial");
    }

    @Test
    void aSecondSinkOnTheSameDirectoryIsRefusedNamingIt() {
        try (SpoolingSink first = SpoolingSink.builder(new Target(), dir.resolve("s")).build()) {
            assertThat(first.inFlight()).isZero();
            assertThatThrownBy(() -> SpoolingSink.builder(new Target(), dir.resolve("s")).build())
                    .isInstanceOf(SpoolLockedException.class)
                    .hasMessageContaining(dir.resolve("s").toString());
        }
    }

    @Test
    void closeLeavesTheTargetOpenAndFailsLaterSends() {
        Target target = new Target();
        SpoolingSink sink = SpoolingSink.builder(target, dir.resolve("s")).build();
        sink.close();
        sink.close();
        assertThatThrownBy(() -> sink.send(Message.of("sensor/x", "1")).toCompletableFuture().join())
                .hasCauseInstanceOf(SpoolException.class).hasMessageContaining("closed");
    }
}
