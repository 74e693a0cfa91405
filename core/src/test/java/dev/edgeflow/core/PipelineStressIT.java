package dev.edgeflow.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Many messages through a pipeline whose sinks complete on other threads and fail now and then:
 * every message must end up in exactly one place (a sink or the dead-letter sink), every
 * delivery acked once, and the pipeline's holdings bounded all the while.
 */
class PipelineStressIT {
    private static final int MESSAGES = 300_000;
    private static final int BUFFER = 128;
    private static final int MAX_IN_FLIGHT = 32;

    @Test
    void accountsForEveryMessageUnderFailuresAndConcurrency() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(4);
        try {
            Set<String> delivered = ConcurrentHashMap.newKeySet();
            AtomicLong duplicates = new AtomicLong();
            Sink flaky = TestSinks.of("flaky", message -> CompletableFuture.runAsync(() -> {
                int roll = ThreadLocalRandom.current().nextInt(1000);
                if (roll < 10) {
                    throw new IllegalStateException(new IOException("transient failure"));
                }
                if (roll == 10 && message.header("poison") != null) {
                    throw new MessageRejectedException("poison message");
                }
                if (!delivered.add(message.id())) {
                    duplicates.incrementAndGet();
                }
            }, executor));
            MemorySink dead = MemorySink.discarding("dead");
            MemorySource source = MemorySource.of("stress", IntStream.range(0, MESSAGES)
                    .mapToObj(i -> {
                        Message.Builder b = Message.builder("sensor/" + (i % 7) + "/reading").payload("r" + i);
                        return (i % 2 == 0 ? b.header("poison", "maybe") : b).build();
                    })
                    .collect(Collectors.toList()));

            Pipeline pipeline = Pipeline.from(source)
                    .buffer(BUFFER, OverflowPolicy.BACKPRESSURE)
                    .maxInFlight(MAX_IN_FLIGHT)
                    .retry(RetryPolicy.builder().maxAttempts(10).baseDelay(Duration.ofMillis(1))
                            .maxDelay(Duration.ofMillis(5)).build())
                    .to(flaky)
                    .deadLetter(dead)
                    .start();

            long maxHeld = 0;
            CompletableFuture<PipelineStats> done = pipeline.completion().toCompletableFuture();
            while (!done.isDone()) {
                maxHeld = Math.max(maxHeld, source.unsettled());
                Thread.onSpinWait();
            }
            PipelineStats stats = done.get(60, SECONDS);

            assertThat(duplicates.get()).isZero();
            assertThat(delivered.size() + dead.accepted()).isEqualTo(MESSAGES);
            assertThat(stats.forwarded()).isEqualTo(delivered.size());
            assertThat(stats.deadLettered()).isEqualTo(dead.accepted());
            assertThat(stats.retried()).isPositive();
            assertThat(source.acked()).isEqualTo(MESSAGES);
            assertThat(source.nacked()).isZero();
            assertThat(maxHeld).isLessThanOrEqualTo(BUFFER + MAX_IN_FLIGHT + 1);
        } finally {
            executor.shutdownNow();
        }
    }
}
