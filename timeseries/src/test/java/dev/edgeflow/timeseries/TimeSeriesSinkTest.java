package dev.edgeflow.timeseries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimeSeriesSinkTest {
    private static final long BASE = Instant.now().getEpochSecond() - 3600;
    private final RecordingStore store = new RecordingStore();
    private TimeSeriesSink sink;

    @AfterEach
    void close() {
        if (sink != null) {
            sink.close();
        }
    }

    private static Message reading(String device, int i) {
        return Message.ofJson("sensor/" + device + "/reading",
                java.util.Map.of("device_id", device, "temperature", 20.0 + i, "timestamp", BASE + i));
    }

    private static CompletableFuture<Void> f(java.util.concurrent.CompletionStage<Void> s) {
        return s.toCompletableFuture();
    }

    @Test
    void completesASendOnlyWhenItsBatchIsCommitted() throws Exception {
        store.gate = new CountDownLatch(1);
        sink = TimeSeriesSink.builder(store).maxBatchDelay(Duration.ZERO).build();
        CompletableFuture<Void> sent = f(sink.send(reading("pi-1", 1)));
        assertThat(sent).as("the store has not committed yet").isNotDone();
        store.gate.countDown();
        sent.get(5, TimeUnit.SECONDS);
        assertThat(store.points()).singleElement().satisfies(p -> {
            assertThat(p.device()).isEqualTo("pi-1");
            assertThat(p.fields()).containsEntry("temperature", 21.0);
        });
        assertThat(sink.stats().written()).isEqualTo(1);
    }

    @Test
    void writesInBatchesOfAtMostTheMaxBatchSize() throws Exception {
        store.gate = new CountDownLatch(1);
        sink = TimeSeriesSink.builder(store).maxBatchSize(100).maxBatchDelay(Duration.ofMillis(200)).build();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            sends.add(f(sink.send(reading("pi-1", i))));
        }
        store.gate.countDown();
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(store.batches).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(100));
        assertThat(store.points()).hasSize(250);
        assertThat(store.batches.size()).isBetween(3, 4);
    }

    @Test
    void flushWritesWithoutWaitingForTheBatchDelay() throws Exception {
        sink = TimeSeriesSink.builder(store).maxBatchDelay(Duration.ofMinutes(1)).build();
        CompletableFuture<Void> sent = f(sink.send(reading("pi-1", 1)));
        f(sink.flush()).get(5, TimeUnit.SECONDS);
        assertThat(sent).isCompleted();
        assertThat(store.points()).hasSize(1);
    }

    @Test
    void rejectsBadReadingsAtOnceAndCountsThem() {
        sink = TimeSeriesSink.builder(store).build();
        CompletableFuture<Void> sent = f(sink.send(Message.of("sensor/pi-1/reading", "21 C")));
        assertThat(sent).isCompletedExceptionally();
        assertThatThrownBy(sent::get).hasCauseInstanceOf(MessageRejectedException.class);
        assertThat(sink.stats().rejected()).isEqualTo(1);
        assertThat(store.batches).isEmpty();
    }

    @Test
    void aStoreThatIsDownFailsTheBatchRetryablySoThePipelineRetries() throws Exception {
        store.failNext = new TimeSeriesException("connection refused", null, true);
        store.failures = 1;
        sink = TimeSeriesSink.builder(store).maxBatchDelay(Duration.ZERO).build();
        CompletableFuture<Void> first = f(sink.send(reading("pi-1", 1)));
        assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TimeSeriesException.class).satisfies(e ->
                        assertThat(((TimeSeriesException) e).isRetryable()).isTrue());
        f(sink.send(reading("pi-1", 1))).get(5, TimeUnit.SECONDS);
        assertThat(store.points()).hasSize(1);
        assertThat(sink.stats().failedBatches()).isEqualTo(1);
        assertThat(sink.stats().rejected()).isZero();
    }

    @Test
    void aBatchTheStoreRefusesIsWrittenOneByOneSoOnlyTheBadReadingIsRejected() throws Exception {
        store.gate = new CountDownLatch(1);
        store.refuse = p -> p.fields().get("temperature") == 25.0;
        sink = TimeSeriesSink.builder(store).maxBatchDelay(Duration.ofSeconds(5)).maxBatchSize(10).build();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sends.add(f(sink.send(reading("pi-1", i))));
        }
        store.gate.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> sends.stream().allMatch(CompletableFuture::isDone));
        assertThat(sends.get(5)).isCompletedExceptionally();
        assertThatThrownBy(() -> sends.get(5).get()).cause().isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("value out of range");
        assertThat(sends).filteredOn(s -> !s.isCompletedExceptionally()).hasSize(9);
        assertThat(store.points()).hasSize(9);
        assertThat(sink.stats().rejected()).isEqualTo(1);
    }

    @Test
    void countsReadingsThatArriveOutOfOrderAndStoresThem() throws Exception {
        sink = TimeSeriesSink.builder(store).maxBatchDelay(Duration.ZERO).build();
        f(sink.send(reading("pi-1", 10))).get(5, TimeUnit.SECONDS);
        f(sink.send(reading("pi-1", 5))).get(5, TimeUnit.SECONDS);
        f(sink.send(reading("pi-2", 1))).get(5, TimeUnit.SECONDS);
        assertThat(sink.stats().outOfOrder()).isEqualTo(1);
        assertThat(store.points()).hasSize(3);
    }

    @Test
    void aFullSinkFailsTheSendRetryablyInsteadOfGrowing() {
        store.gate = new CountDownLatch(1);
        sink = TimeSeriesSink.builder(store).maxPending(2).maxBatchSize(1).maxBatchDelay(Duration.ZERO).build();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sends.add(f(sink.send(reading("pi-1", i))));
        }
        // One is in the writer's hands, two wait: the rest are refused until there is room.
        assertThat(sends).filteredOn(CompletableFuture::isCompletedExceptionally).isNotEmpty()
                .allSatisfy(s -> assertThatThrownBy(s::get).cause().isInstanceOf(TimeSeriesException.class)
                        .hasMessageContaining("its maxPending"));
        store.gate.countDown();
    }

    @Test
    void closeWritesWhatIsPendingAndLaterSendsFail() throws Exception {
        sink = TimeSeriesSink.builder(store).maxBatchDelay(Duration.ofMinutes(1)).build();
        CompletableFuture<Void> sent = f(sink.send(reading("pi-1", 1)));
        sink.close();
        assertThat(sent).isCompleted();
        assertThat(store.points()).hasSize(1);
        assertThat(store.closed).as("the sink does not own the store").isFalse();
        CompletableFuture<Void> late = f(sink.send(reading("pi-1", 2)));
        assertThatThrownBy(late::get).cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        sink.close();
    }

    @Test
    void closeGivesUpAfterItsTimeoutAndFailsWhatIsLeft() {
        store.gate = new CountDownLatch(1);
        sink = TimeSeriesSink.builder(store).closeTimeout(Duration.ofMillis(200)).closeStoreOnClose(true)
                .maxBatchDelay(Duration.ZERO).build();
        CompletableFuture<Void> stuck = f(sink.send(reading("pi-1", 1)));
        long start = System.nanoTime();
        sink.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThatThrownBy(stuck::get).cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed before the reading was committed");
        assertThat(store.closed).isTrue();
        store.gate.countDown();
    }

    @Test
    void badSettingsAreRefusedWithTheFix() {
        assertThatThrownBy(() -> TimeSeriesSink.builder(store).maxBatchSize(0)).hasMessageContaining("give 1 to 100000");
        assertThatThrownBy(() -> TimeSeriesSink.builder(store).maxBatchDelay(Duration.ofHours(1)))
                .hasMessageContaining("give zero to one minute");
        assertThatThrownBy(() -> TimeSeriesSink.builder(store).maxPending(0)).hasMessageContaining("give 1 or more");
        assertThatThrownBy(() -> TimeSeriesSink.builder(store).closeTimeout(Duration.ZERO))
                .hasMessageContaining("more than zero");
    }

    @Test
    void pointsRefuseWhatAStoreCannotHold() {
        assertThatThrownBy(() -> Point.of("pi-1", Instant.EPOCH, java.util.Map.of("t", Double.NaN)))
                .hasMessageContaining("field t of device pi-1 is NaN");
        assertThatThrownBy(() -> Point.of(" ", Instant.EPOCH, java.util.Map.of("t", 1.0)))
                .hasMessageContaining("needs a device id");
        assertThatThrownBy(() -> Point.of("pi-1", Instant.EPOCH, java.util.Map.of()))
                .hasMessageContaining("at least one numeric field");
    }
}
