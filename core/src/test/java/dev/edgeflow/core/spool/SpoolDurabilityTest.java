package dev.edgeflow.core.spool;

import static dev.edgeflow.core.spool.SpoolFixtures.appendAll;
import static dev.edgeflow.core.spool.SpoolFixtures.done;
import static dev.edgeflow.core.spool.SpoolFixtures.drain;
import static dev.edgeflow.core.spool.SpoolFixtures.messages;
import static dev.edgeflow.core.spool.SpoolFixtures.readings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SpoolDurabilityTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Durability.class)
    void completesAppendsAndKeepsThemAcrossReopen(Durability durability) {
        List<Message> input = readings(0, durability == Durability.ALWAYS ? 50 : 2000);
        try (Spool spool = Spool.builder(dir).durability(durability).fsyncInterval(Duration.ofMillis(20))
                .segmentBytes(16 * 1024).open()) {
            List<Long> sequences = appendAll(spool, input);
            assertThat(sequences).doesNotHaveDuplicates().isSorted();
            assertThat(spool.stats().appended()).isEqualTo(input.size());
        }
        try (Spool spool = Spool.builder(dir).open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(input);
        }
    }

    @Test
    void closeLeavesNoAppendIncompleteAndKeepsEveryCompletedOne() throws Exception {
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        List<Message> input = readings(0, 20_000);
        try (Spool spool = Spool.builder(dir).segmentBytes(256 * 1024).open()) {
            for (Message m : input) {
                futures.add(spool.append(m));
            }
        }
        assertThat(futures).allSatisfy(f -> assertThat(f).isDone());
        List<Message> stored = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            if (!futures.get(i).isCompletedExceptionally()) {
                stored.add(input.get(i));
            }
        }
        try (Spool spool = Spool.builder(dir).open()) {
            assertThat(messages(drain(spool))).containsExactlyElementsOf(stored);
        }
    }

    @Test
    void closeFailsAppendsWaitingForRoom() throws Exception {
        Spool spool = Spool.builder(dir).segmentBytes(1024).maxBytes(2048).open();
        CompletableFuture<Long> waiting = null;
        for (int i = 0; i < 100 && waiting == null; i++) {
            CompletableFuture<Long> f = spool.append(SpoolFixtures.reading(i));
            try {
                f.get(2, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                waiting = f;
            }
        }
        assertThat(waiting).isNotNull();

        spool.close();

        assertThat(waiting).isCompletedExceptionally();
        assertThatThrownBy(waiting::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(SpoolException.class)
                .hasMessageContaining("was closed before this append was stored")
                .hasMessageContaining("waiting for room");
    }

    @Test
    void afterCloseAppendsFailAndReadingIsRefused() {
        Spool spool = Spool.builder(dir).open();
        CompletableFuture<Void> available = spool.available();
        spool.close();
        spool.close(); // again: nothing happens

        assertThatThrownBy(() -> done(spool.append(SpoolFixtures.reading(0))))
                .cause().isInstanceOf(SpoolException.class).hasMessageContaining("is closed");
        assertThatThrownBy(() -> spool.poll(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(dir.toAbsolutePath() + " is closed");
        assertThat(available).isCompletedExceptionally();
        assertThat(spool.available()).isCompletedExceptionally();
    }

    @Test
    void closeFromAnAppendCompletionOnTheWriterThreadDoesNotHang() {
        Spool spool = Spool.builder(dir).open();
        CompletableFuture<Long> closedAfter = spool.append(SpoolFixtures.reading(0));
        CompletableFuture<Void> closing = closedAfter.thenRun(spool::close);

        done(closing);
        assertThatThrownBy(() -> done(spool.append(SpoolFixtures.reading(1))))
                .cause().isInstanceOf(SpoolException.class);
        // the writer finishes on its own and lets go of the directory
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            try (Spool again = Spool.builder(dir).open()) {
                assertThat(messages(drain(again))).containsExactly(SpoolFixtures.reading(0));
            }
        });
    }
}
