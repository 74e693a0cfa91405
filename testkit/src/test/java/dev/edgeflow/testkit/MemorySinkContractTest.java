package dev.edgeflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.memory.MemorySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The memory sink keeps the sink contract; its "far side" is what it holds for poll(). */
class MemorySinkContractTest extends SinkContract {
    private MemorySink sink;

    @Override
    protected Sink createSink() {
        sink = MemorySink.create("contract", 10_000);
        return sink;
    }

    @Override
    protected List<Message> readBack(int expected, Duration timeout) throws InterruptedException {
        List<Message> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.size() < expected) {
            Message m = sink.take(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (m == null) {
                break;
            }
            out.add(m);
        }
        return out;
    }

    @Override
    protected OptionalLong farSideCount() {
        return OptionalLong.of(sink.accepted());
    }

    @Override
    protected Optional<Sink> createBrokenSink() {
        return Optional.of(MemorySink.builder("contract-broken")
                .failWith(m -> new IllegalStateException("contract test: the far side of memory sink "
                        + "'contract-broken' is down"))
                .build());
    }

    /**
     * Sink.flush() completes "when everything sent before this call has completed"; a send that
     * waits for room in a full memory sink has not.
     */
    @Test
    void flushWaitsForSendsThatWaitForRoom() throws Exception {
        MemorySink full = MemorySink.create("contract-full", 1);
        try {
            CompletableFuture<Void> held = full.send(TestMessages.reading(topic(), 0)).toCompletableFuture();
            CompletableFuture<Void> waiting = full.send(TestMessages.reading(topic(), 1)).toCompletableFuture();
            assertThat(held).isCompleted();
            assertThat(waiting).isNotDone();

            CompletableFuture<Void> flushed = full.flush().toCompletableFuture();
            assertThat(flushed).as("flush() while a send waits for room").isNotDone();

            assertThat(full.poll()).isNotNull();
            flushed.get(10, TimeUnit.SECONDS);
            assertThat(waiting).isCompleted();
        } finally {
            full.close();
        }
    }
}
