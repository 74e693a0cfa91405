package dev.edgeflow.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PipelineTest {
    private final List<Pipeline> pipelines = new ArrayList<>();

    @AfterEach
    void stopPipelines() {
        pipelines.forEach(p -> p.stop(Duration.ofSeconds(1)));
    }

    private Pipeline started(Pipeline.Builder builder) {
        Pipeline p = builder.start();
        pipelines.add(p);
        return p;
    }

    private static List<Message> readings(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> Message.ofJson("sensor/pi-" + (i % 3) + "/reading",
                        Map.of("device_id", "pi-" + (i % 3), "temperature", 20 + i % 20, "seq", i)))
                .collect(Collectors.toList());
    }

    private static PipelineStats finished(Pipeline p) {
        return p.completion().toCompletableFuture().orTimeout(10, SECONDS).join();
    }

    @Test
    void forwardsEveryMessageAndAcksItToTheSource() {
        MemorySource source = MemorySource.of("src", readings(1000));
        MemorySink sink = MemorySink.create("out", 2000);

        PipelineStats stats = finished(started(Pipeline.from(source).to(sink)));

        assertThat(sink.messages()).hasSize(1000);
        assertThat(source.acked()).isEqualTo(1000);
        assertThat(source.nacked()).isZero();
        assertThat(stats.received()).isEqualTo(1000);
        assertThat(stats.forwarded()).isEqualTo(1000);
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.buffered()).isZero();
        assertThat(stats.latency().count()).isEqualTo(125); // one in eight is timed
        // In memory and inline a message can take under a microsecond, the recorder's resolution,
        // so a percentile of zero is a true reading; the percentiles must still be in order.
        assertThat(stats.latency().p50()).isGreaterThanOrEqualTo(Duration.ZERO).isLessThanOrEqualTo(stats.latency().p90());
        assertThat(stats.latency().p90()).isLessThanOrEqualTo(stats.latency().p99());
        assertThat(stats.latency().p99()).isLessThanOrEqualTo(stats.latency().max());
    }

    @Test
    void keepsTheOrderOfMessages() {
        List<Message> input = readings(500);
        MemorySink sink = MemorySink.create("out", 1000);
        finished(started(Pipeline.from(MemorySource.of("src", input)).to(sink)));
        assertThat(sink.messages()).containsExactlyElementsOf(input);
    }

    @Test
    void acksOnlyAfterEverySinkConfirmed() {
        MemorySource source = MemorySource.create("src", 10);
        ControlledSink fast = new ControlledSink("fast");
        ControlledSink slow = new ControlledSink("slow");
        Pipeline p = started(Pipeline.from(source).to(fast).to(slow));

        source.offer(Message.of("sensor/a", "1"));
        await().atMost(5, SECONDS).until(() -> fast.pending.size() == 1 && slow.pending.size() == 1);

        fast.confirmAll();
        assertThat(source.acked()).isZero();
        assertThat(p.stats().inFlight()).isEqualTo(1);

        slow.confirmAll();
        assertThat(source.acked()).isEqualTo(1);
        assertThat(p.stats().forwarded()).isEqualTo(1);
    }

    @Test
    void aSlowSinkSlowsTheSource() {
        MemorySource source = MemorySource.create("src", 10_000);
        ControlledSink sink = new ControlledSink("slow");
        Pipeline p = started(Pipeline.from(source).buffer(8, OverflowPolicy.BACKPRESSURE).maxInFlight(sink, 4).to(sink));

        for (Message m : readings(5000)) {
            assertThat(source.offer(m)).isTrue();
        }
        await().atMost(5, SECONDS).until(() -> sink.pending.size() == 4);

        // What the pipeline took from the source is bounded by its buffer and the sink's cap.
        assertThat(sink.maxConcurrent.get()).isEqualTo(4);
        assertThat(source.unsettled() + source.outstandingDemand()).isLessThanOrEqualTo(8 + 4 + 1);
        assertThat(source.queued()).isGreaterThan(4900);
        assertThat(p.stats().buffered()).isLessThanOrEqualTo(8);

        // Confirming lets exactly as many more through, never more than the cap at once.
        await().atMost(30, SECONDS).pollInterval(Duration.ofMillis(1)).until(() -> {
            sink.confirmAll();
            return source.acked() == 5000;
        });
        assertThat(sink.maxConcurrent.get()).isEqualTo(4);
        assertThat(p.stats().forwarded()).isEqualTo(5000);
    }

    @Test
    void acksFilteredAndUnroutedMessages() {
        MemorySource source = MemorySource.of("src", List.of(
                Message.of("sensor/a", "keep"), Message.of("sensor/b", "drop"), Message.of("other/c", "unrouted")));
        MemorySink sink = MemorySink.create("out", 10);
        PipelineStats stats = finished(started(Pipeline.from(source)
                .filter(m -> !m.payloadAsString().equals("drop"))
                .route("sensor/#", sink)));

        assertThat(sink.messages()).extracting(Message::payloadAsString).containsExactly("keep");
        assertThat(source.acked()).isEqualTo(3);
        assertThat(stats.forwarded()).isEqualTo(1);
        assertThat(stats.filtered()).isEqualTo(2);
    }

    @Test
    void routesByTopicFilterAndRewritesTargetTopics() {
        MemorySink cloud = MemorySink.create("cloud", 10);
        MemorySink status = MemorySink.create("status", 10);
        MemorySource source = MemorySource.of("src", List.of(
                Message.of("sensor/pi-1/temp", "21"), Message.of("device/pi-1/status", "online"),
                Message.of("device/pi-1/config", "x")));

        finished(started(Pipeline.from(source)
                .route("sensor/#", TopicRewrite.prefix("site1/"), cloud)
                .route("device/+/status", status)
                .route("#", TopicRewrite.replacePrefix("device/", "cloud/device/"), cloud)));

        assertThat(cloud.messages()).extracting(Message::topic)
                .containsExactlyInAnyOrder("site1/sensor/pi-1/temp", "sensor/pi-1/temp", "cloud/device/pi-1/status",
                        "cloud/device/pi-1/config");
        assertThat(status.messages()).extracting(Message::topic).containsExactly("device/pi-1/status");
        assertThat(source.acked()).isEqualTo(3);
    }

    @Test
    void appliesStepsInOrder() {
        List<String> seen = new ArrayList<>();
        MemorySink sink = MemorySink.create("out", 10);
        finished(started(Pipeline.from(MemorySource.of(Message.of("t", "a")))
                .map(m -> m.withPayload((m.payloadAsString() + "b").getBytes()))
                .tap(m -> seen.add(m.payloadAsString()))
                .map(m -> m.withHeader("step", "2"))
                .to(sink)));
        assertThat(seen).containsExactly("ab");
        assertThat(sink.messages().get(0).payloadAsString()).isEqualTo("ab");
        assertThat(sink.messages().get(0).header("step")).isEqualTo("2");
    }

    @Test
    void retriesFailedSendsWithBackoff() {
        AtomicInteger attempts = new AtomicInteger();
        MemorySink sink = MemorySink.builder("flaky").capacity(10)
                .failWith(m -> attempts.incrementAndGet() <= 2 ? new IOException("broker unavailable") : null).build();
        MemorySource source = MemorySource.of(Message.of("t", "x"));

        PipelineStats stats = finished(started(Pipeline.from(source)
                .retry(RetryPolicy.builder().baseDelay(Duration.ofMillis(5)).build()).to(sink)));

        assertThat(sink.messages()).hasSize(1);
        assertThat(stats.retried()).isEqualTo(2);
        assertThat(stats.forwarded()).isEqualTo(1);
        assertThat(source.acked()).isEqualTo(1);
    }

    @Test
    void sendsRejectedMessagesToTheDeadLetterSinkWithTheReason() {
        MemorySink sink = MemorySink.builder("cloud").capacity(10)
                .failWith(m -> m.payloadSize() > 4 ? new MessageRejectedException("payload over 4 bytes") : null).build();
        MemorySink dead = MemorySink.create("dead", 10);
        MemorySource source = MemorySource.of(Message.of("t", "ok"), Message.of("t", "too large"));

        PipelineStats stats = finished(started(Pipeline.from(source).name("bridge").to(sink).deadLetter(dead)));

        assertThat(sink.messages()).extracting(Message::payloadAsString).containsExactly("ok");
        Message letter = dead.messages().get(0);
        assertThat(letter.payloadAsString()).isEqualTo("too large");
        assertThat(letter.header(Headers.DEAD_LETTER_REASON)).isEqualTo("payload over 4 bytes");
        assertThat(letter.header(Headers.DEAD_LETTER_EXCEPTION)).isEqualTo(MessageRejectedException.class.getName());
        assertThat(letter.header(Headers.DEAD_LETTER_STAGE)).isEqualTo("sink memory:cloud");
        assertThat(letter.header(Headers.DEAD_LETTER_ATTEMPTS)).isEqualTo("1");
        assertThat(letter.header(Headers.DEAD_LETTER_PIPELINE)).isEqualTo("bridge");
        assertThat(stats.deadLettered()).isEqualTo(1);
        assertThat(stats.retried()).isZero();
        assertThat(source.acked()).isEqualTo(2);
    }

    @Test
    void deadLettersAfterRetriesRunOut() {
        MemorySink sink = MemorySink.builder("down").failWith(m -> new IOException("connection refused")).build();
        MemorySink dead = MemorySink.create("dead", 10);
        PipelineStats stats = finished(started(Pipeline.from(MemorySource.of(Message.of("t", "x")))
                .retry(RetryPolicy.builder().maxAttempts(3).baseDelay(Duration.ofMillis(1)).build())
                .to(sink).deadLetter(dead)));
        assertThat(stats.retried()).isEqualTo(2);
        assertThat(dead.messages()).singleElement()
                .satisfies(m -> assertThat(m.header(Headers.DEAD_LETTER_ATTEMPTS)).isEqualTo("3"));
    }

    @Test
    void nacksWithTheCauseWhenNoDeadLetterSinkTakesTheMessage() {
        MemorySink sink = MemorySink.builder("down").failWith(m -> new MessageRejectedException("refused")).build();
        MemorySource source = MemorySource.builder("src").maxDeliveries(1).build(List.of(Message.of("t", "x")));

        PipelineStats stats = finished(started(Pipeline.from(source).to(sink)));

        assertThat(stats.failed()).isEqualTo(1);
        assertThat(source.nacked()).isEqualTo(1);
        assertThat(source.lastNackCause()).hasMessage("refused");
    }

    @Test
    void aSourceRedeliversWhatWasNacked() {
        AtomicInteger calls = new AtomicInteger();
        MemorySink sink = MemorySink.builder("once-down").capacity(10)
                .failWith(m -> calls.incrementAndGet() == 1 ? new MessageRejectedException("first try fails") : null)
                .build();
        MemorySource source = MemorySource.of(Message.of("t", "x"));

        PipelineStats stats = finished(started(Pipeline.from(source).retry(RetryPolicy.none()).to(sink)));

        assertThat(sink.messages()).hasSize(1);
        assertThat(source.nacked()).isEqualTo(1);
        assertThat(source.acked()).isEqualTo(1);
        assertThat(stats.received()).isEqualTo(2);
    }

    @Test
    void sendsMessagesAStepRejectsToTheDeadLetterSink() {
        MemorySink sink = MemorySink.create("out", 10);
        MemorySink dead = MemorySink.create("dead", 10);
        MemorySource source = MemorySource.of(Message.of("sensor/a", "{\"temperature\": 21}"),
                Message.of("sensor/b", "21 C, not JSON"));

        PipelineStats stats = finished(started(Pipeline.from(source)
                .map("parse", m -> m.withHeader("temperature", m.payloadAsJson().get("temperature").asText()))
                .to(sink).deadLetter(dead)));

        assertThat(sink.messages()).extracting(m -> m.header("temperature")).containsExactly("21");
        Message letter = dead.messages().get(0);
        assertThat(letter.topic()).isEqualTo("sensor/b");
        assertThat(letter.header(Headers.DEAD_LETTER_STAGE)).isEqualTo("step 'parse'");
        assertThat(letter.header(Headers.DEAD_LETTER_EXCEPTION)).isEqualTo(PayloadFormatException.class.getName());
        assertThat(letter.header(Headers.DEAD_LETTER_REASON)).contains("not the JSON");
        assertThat(stats.deadLettered()).isEqualTo(1);
        assertThat(source.acked()).isEqualTo(2);
    }

    @Test
    void treatsAMapReturningNullOrABadRewriteAsARejection() {
        MemorySink dead = MemorySink.create("dead", 10);
        MemorySink sink = MemorySink.create("out", 10);
        PipelineStats stats = finished(started(Pipeline.from(MemorySource.of(Message.of("a", "null"), Message.of("b", "x")))
                .map(m -> m.payloadAsString().equals("null") ? null : m)
                .route("#", topic -> topic + "/+", sink)
                .deadLetter(dead)));
        assertThat(sink.messages()).isEmpty();
        assertThat(dead.messages()).extracting(m -> m.header(Headers.DEAD_LETTER_REASON))
                .anySatisfy(r -> assertThat(r).contains("returned null"))
                .anySatisfy(r -> assertThat(r).contains("wildcard"));
        assertThat(stats.deadLettered()).isEqualTo(2);
    }

    @Test
    void aFailingTapDoesNotStopTheMessage() {
        MemorySink sink = MemorySink.create("out", 10);
        PipelineStats stats = finished(started(Pipeline.from(MemorySource.of(Message.of("t", "x")))
                .tap(m -> {
                    throw new IllegalStateException("alert service down");
                })
                .to(sink)));
        assertThat(sink.messages()).hasSize(1);
        assertThat(stats.tapFailures()).isEqualTo(1);
        assertThat(stats.forwarded()).isEqualTo(1);
    }

    @Test
    void aSinkThatThrowsInsteadOfFailingItsStageIsHandled() {
        Sink throwing = TestSinks.of("throwing", message -> {
            throw new IllegalArgumentException("bad message");
        });
        MemorySink dead = MemorySink.create("dead", 10);
        PipelineStats stats = finished(started(Pipeline.from(MemorySource.of(Message.of("t", "x"))).to(throwing)
                .deadLetter(dead)));
        assertThat(dead.messages()).hasSize(1);
        assertThat(stats.deadLettered()).isEqualTo(1);
    }

    @Test
    void dropNewestKeepsTheFirstMessagesWhenFull() {
        MemorySource source = MemorySource.create("src", 1000);
        ControlledSink sink = new ControlledSink("stuck");
        Pipeline p = started(Pipeline.from(source).buffer(10, OverflowPolicy.DROP_NEWEST).maxInFlight(1).to(sink));

        List<Message> input = readings(100);
        input.forEach(source::offer);

        // One in flight, one waiting for a permit, ten buffered: the other 88 are dropped and acked.
        PipelineStats stats = p.stats();
        assertThat(stats.dropped()).isEqualTo(88);
        assertThat(source.acked()).isEqualTo(88);
        for (int i = 0; i < 12; i++) {
            int sent = i;
            await().atMost(5, SECONDS).until(() -> sink.sent.size() > sent);
            sink.confirmNext();
        }
        assertThat(sink.sent).containsExactlyElementsOf(input.subList(0, 12));
    }

    @Test
    void dropOldestKeepsTheNewestMessagesWhenFull() {
        MemorySource source = MemorySource.create("src", 1000);
        ControlledSink sink = new ControlledSink("stuck");
        Pipeline p = started(Pipeline.from(source).buffer(10, OverflowPolicy.DROP_OLDEST).maxInFlight(1).to(sink));

        List<Message> input = readings(100);
        input.forEach(source::offer);

        assertThat(p.stats().dropped()).isEqualTo(88);
        for (int i = 0; i < 12; i++) {
            int sent = i;
            await().atMost(5, SECONDS).until(() -> sink.sent.size() > sent);
            sink.confirmNext();
        }
        List<Message> expected = new ArrayList<>(input.subList(0, 2));
        expected.addAll(input.subList(90, 100));
        assertThat(sink.sent).containsExactlyElementsOf(expected);
        await().atMost(5, SECONDS).until(() -> source.acked() == 100);
    }

    @Test
    void stopDrainsWithinTheDeadline() {
        MemorySource source = MemorySource.create("src", 100);
        ControlledSink sink = new ControlledSink("s");
        Pipeline p = Pipeline.from(source).to(sink).start();
        readings(5).forEach(source::offer);
        await().atMost(5, SECONDS).until(() -> sink.pending.size() == 5);

        CompletableFuture<StopReport> report = CompletableFuture.supplyAsync(() -> p.stop(Duration.ofSeconds(10)));
        sink.confirmAll();

        StopReport r = report.orTimeout(10, SECONDS).join();
        assertThat(r.drained()).isTrue();
        assertThat(r.nackedUnsent()).isZero();
        assertThat(r.stats().forwarded()).isEqualTo(5);
        assertThat(p.isRunning()).isFalse();
        assertThat(p.stop(Duration.ZERO)).isSameAs(r);
        assertThat(p.completion().toCompletableFuture().isDone()).isTrue();
    }

    @Test
    void stopAtTheDeadlineNacksWhatWasNotSentAndReportsIt() {
        MemorySource source = MemorySource.create("src", 100);
        ControlledSink sink = new ControlledSink("stuck");
        Pipeline p = Pipeline.from(source).maxInFlight(2).to(sink).start();
        readings(10).forEach(source::offer);
        await().atMost(5, SECONDS).until(() -> sink.pending.size() == 2);

        StopReport r = p.stop(Duration.ofMillis(100));

        assertThat(r.drained()).isFalse();
        assertThat(r.stillInFlight()).isEqualTo(2);
        assertThat(r.nackedUnsent()).isEqualTo(8);
        assertThat(source.nacked()).isEqualTo(8);
        assertThat(source.lastNackCause()).isInstanceOf(PipelineStoppedException.class);

        // Sends that complete after the stop still settle their deliveries.
        sink.confirmAll();
        assertThat(source.acked()).isEqualTo(2);
    }

    @Test
    void stopGivesUpPendingRetries() {
        MemorySink sink = MemorySink.builder("down").failWith(m -> new IOException("down")).build();
        MemorySource source = MemorySource.builder("src").maxDeliveries(1).build();
        Pipeline p = Pipeline.from(source)
                .retry(RetryPolicy.builder().baseDelay(Duration.ofHours(1)).maxDelay(Duration.ofHours(1)).build())
                .to(sink).start();
        source.offer(Message.of("t", "x"));
        await().atMost(5, SECONDS).until(() -> p.stats().retried() == 1);

        StopReport r = p.stop(Duration.ofMillis(50));

        assertThat(r.drained()).isFalse();
        assertThat(source.nacked()).isEqualTo(1);
        assertThat(source.lastNackCause()).isInstanceOf(IOException.class);
        assertThat(r.stats().failed()).isEqualTo(1);
    }

    @Test
    void completesExceptionallyWhenTheSourceFails() {
        Source failing = new Source() {
            @Override
            public void subscribe(Flow.Subscriber<? super Delivery> subscriber) {
                subscriber.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
                subscriber.onError(new IOException("broker connection lost"));
            }

            @Override
            public String name() {
                return "failing";
            }

            @Override
            public void close() {
            }
        };
        Pipeline p = started(Pipeline.from(failing).to(MemorySink.create("out", 1)));
        assertThatThrownBy(() -> p.completion().toCompletableFuture().orTimeout(5, SECONDS).join())
                .hasRootCauseInstanceOf(IOException.class).hasRootCauseMessage("broker connection lost");
    }

    @Test
    void deliversEverythingExactlyOnceWhenSinksCompleteOnOtherThreads() {
        ExecutorService executor = Executors.newFixedThreadPool(3);
        try {
            AtomicInteger received = new AtomicInteger();
            Sink async = TestSinks.of("async", message -> CompletableFuture.runAsync(received::incrementAndGet, executor));
            MemorySink second = MemorySink.discarding("second");
            MemorySource source = MemorySource.of("src", readings(100_000));

            PipelineStats stats = p(Pipeline.from(source).buffer(64, OverflowPolicy.BACKPRESSURE).maxInFlight(16)
                    .to(async).route("sensor/pi-1/#", second));

            assertThat(received.get()).isEqualTo(100_000);
            assertThat(second.accepted()).isEqualTo(33_333); // i % 3 == 1 for i below 100 000
            assertThat(source.acked()).isEqualTo(100_000);
            assertThat(source.nacked()).isZero();
            assertThat(stats.forwarded()).isEqualTo(100_000);
            assertThat(stats.inFlight()).isZero();
        } finally {
            executor.shutdownNow();
        }
    }

    private PipelineStats p(Pipeline.Builder builder) {
        return started(builder).completion().toCompletableFuture().orTimeout(60, SECONDS).join();
    }

    @Test
    void rejectsAnIncompletePipeline() {
        assertThatThrownBy(() -> Pipeline.from(MemorySource.of()).name("empty").start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'empty' has no sink");
        assertThatThrownBy(() -> Pipeline.from(MemorySource.of()).buffer(0, OverflowPolicy.BACKPRESSURE))
                .hasMessageContaining("buffer capacity is 0");
        assertThatThrownBy(() -> Pipeline.from(MemorySource.of()).maxInFlight(-1))
                .hasMessageContaining("maxInFlight is -1");
        assertThatThrownBy(() -> Pipeline.from(MemorySource.of()).route("sensor/#/x", MemorySink.create("s", 1)))
                .isInstanceOf(InvalidTopicException.class);
    }

    @Test
    void aSendFailingWhileStopWaitsStillGetsItsRetry() {
        MemorySource source = MemorySource.create("src", 10);
        ControlledSink sink = new ControlledSink("s");
        Pipeline p = Pipeline.from(source)
                .retry(RetryPolicy.builder().baseDelay(Duration.ofMillis(1)).jitter(0).build())
                .to(sink).start();
        source.offer(Message.of("t", "x"));
        await().atMost(5, SECONDS).until(() -> sink.pending.size() == 1);

        CompletableFuture<StopReport> report = CompletableFuture.supplyAsync(() -> p.stop(Duration.ofSeconds(20)));
        await().atMost(5, SECONDS).until(() -> !p.isRunning());
        CompletableFuture.runAsync(() -> sink.failNext(new IOException("blip"))).orTimeout(5, SECONDS).join();
        await().atMost(5, SECONDS).until(() -> sink.pending.size() == 1);
        sink.confirmAll();

        StopReport r = report.orTimeout(10, SECONDS).join();
        assertThat(r.drained()).isTrue();
        assertThat(r.stats().retried()).isEqualTo(1);
        assertThat(source.acked()).isEqualTo(1);
    }

    @Test
    void takesSinksThatAnswerWithAMinimalCompletionStage() {
        List<Message> got = new ArrayList<>();
        Sink minimal = TestSinks.of("minimal", message -> {
            got.add(message);
            return CompletableFuture.completedStage(null);
        });
        MemorySource source = MemorySource.of("src", readings(10));
        PipelineStats stats = finished(started(Pipeline.from(source).to(minimal)));
        assertThat(got).hasSize(10);
        assertThat(stats.forwarded()).isEqualTo(10);
        assertThat(source.acked()).isEqualTo(10);
    }

    @Test
    void releasesItsRetryThreadWhenItStops() {
        MemorySink sink = MemorySink.builder("down").failWith(m -> new IOException("down")).build();
        MemorySource source = MemorySource.builder("src").maxDeliveries(1).build();
        Pipeline p = Pipeline.from(source).name("retrying")
                .retry(RetryPolicy.builder().baseDelay(Duration.ofMillis(1)).maxAttempts(1000).build())
                .to(sink).start();
        source.offer(Message.of("t", "x"));
        await().atMost(5, SECONDS).until(() -> retryThreads() == 1);

        p.stop(Duration.ofMillis(50));

        await().atMost(5, SECONDS).until(() -> retryThreads() == 0);
    }

    private static long retryThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("edgeflow-retrying-retry") && t.isAlive()).count();
    }

    @Test
    void settlesAFanOutOnlyWhenItsSlowestTargetIsDone() {
        MemorySink quick = MemorySink.create("quick", 10);
        ControlledSink slow = new ControlledSink("slow");
        MemorySink refusing = MemorySink.builder("refusing")
                .failWith(m -> new MessageRejectedException("not for this sink")).build();
        MemorySink dead = MemorySink.create("dead", 10);
        MemorySource source = MemorySource.create("src", 10);
        Pipeline p = started(Pipeline.from(source).to(quick).to(slow).to(refusing).deadLetter(dead));

        source.offer(Message.of("t", "x"));
        await().atMost(5, SECONDS).until(() -> slow.pending.size() == 1);

        assertThat(quick.messages()).hasSize(1);
        assertThat(dead.messages()).hasSize(1);
        assertThat(source.acked()).isZero();
        assertThat(p.stats().inFlight()).isEqualTo(1);

        slow.confirmAll();
        assertThat(source.acked()).isEqualTo(1);
        assertThat(p.stats().deadLettered()).isEqualTo(1);
        assertThat(p.stats().inFlight()).isZero();
    }

    @Test
    void twoRoutesToOneSinkStillKeepItsCap() {
        ControlledSink sink = new ControlledSink("shared");
        MemorySource source = MemorySource.create("src", 100);
        started(Pipeline.from(source).maxInFlight(sink, 1).to(sink).route("sensor/#", sink));

        readings(5).forEach(source::offer);
        await().atMost(10, SECONDS).pollInterval(Duration.ofMillis(1)).until(() -> {
            sink.confirmAll();
            return source.acked() == 5;
        });

        assertThat(sink.sent).hasSize(10);
        assertThat(sink.maxConcurrent.get()).isEqualTo(1);
    }
}
