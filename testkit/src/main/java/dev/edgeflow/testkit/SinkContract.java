package dev.edgeflow.testkit;

import static dev.edgeflow.testkit.ContractSupport.closeQuietly;
import static dev.edgeflow.testkit.ContractSupport.closesWithin;
import static dev.edgeflow.testkit.ContractSupport.completesNormally;
import static dev.edgeflow.testkit.ContractSupport.eventually;
import static dev.edgeflow.testkit.ContractSupport.failsWith;
import static dev.edgeflow.testkit.ContractSupport.settles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.internal.Futures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Sink} keeps, as tests: what is sent reaches the far side intact, a
 * send completes only once the far side has the message, concurrent sends lose nothing,
 * {@code sendBatch} answers once per message, {@code flush} waits for earlier sends,
 * {@code close} is idempotent and later sends fail without throwing, and far-side failures
 * complete the send exceptionally.
 *
 * <p>A provider's test folder has one class that extends this and implements the hooks:
 *
 * <pre>{@code
 * class PubSubSinkContractTest extends SinkContract {
 *     @Override
 *     protected Sink createSink() {
 *         return PubSubSink.builder().emulatorHost(emulator.host()).topic(TOPIC).build();
 *     }
 *
 *     @Override
 *     protected List<Message> readBack(int expected, Duration timeout) {
 *         return emulator.pull(SUBSCRIPTION, expected, timeout); // what the far side holds
 *     }
 *
 *     @Override
 *     protected boolean preservesOrder() {
 *         return false; // no ordering key
 *     }
 * }
 * }</pre>
 *
 * <p>Each test calls {@link #createSink()} for a sink of its own and closes it afterwards;
 * then {@link #cleanup()} runs. Tests that need something a provider cannot offer (a broken
 * far side, a count of what the far side holds) are skipped with the reason, never passed
 * quietly. Every wait is bounded by {@link #timeout()}: a send, flush or close that never
 * completes fails the test rather than hanging it.
 *
 * <p>To document a deliberate deviation, override the test method and mark it
 * {@code @Disabled("why")}.
 *
 * @since 0.1.0
 */
public abstract class SinkContract {
    private final List<Sink> sinks = Collections.synchronizedList(new ArrayList<>());

    /** For subclasses. */
    protected SinkContract() {
    }

    // ------------------------------------------------------------------ hooks

    /**
     * Creates a fresh sink whose far side {@link #readBack(int, Duration)} can read. The
     * contract closes it after the test.
     *
     * @return a new sink
     * @throws Exception if the sink cannot be created; the test fails with it
     */
    protected abstract Sink createSink() throws Exception;

    /**
     * Reads what reached the far side of the sink most recently created, since the previous
     * call: take it from the memory sink, pull it from the subscription, read the new lines of
     * the file. Waits until at least {@code expected} messages are there or the timeout has
     * passed, then returns what is there, oldest first.
     *
     * @param expected how many messages the test expects; more may be returned
     * @param timeout how long to wait for them
     * @return the messages that reached the far side, as the far side has them
     * @throws Exception if the far side cannot be read; the test fails with it
     */
    protected abstract List<Message> readBack(int expected, Duration timeout) throws Exception;

    /**
     * Creates a sink whose far side fails every send: a broker that refuses the connection, a
     * file on a full device. Empty if the provider has no such means; the test of far-side
     * failures is then skipped with that reason. The contract closes it after the test.
     *
     * @return the sink, or empty (the default)
     * @throws Exception if it cannot be created; the test fails with it
     */
    protected Optional<Sink> createBrokenSink() throws Exception {
        return Optional.empty();
    }

    /**
     * Counts, without waiting, the messages the far side of the sink most recently created
     * holds right now; the check that a send completes only once the far side has the message
     * needs it. Empty if the far side cannot be counted at once (the default); that test is
     * then skipped with this reason.
     *
     * @return the count, or empty
     * @throws Exception if the far side cannot be read; the test fails with it
     */
    protected OptionalLong farSideCount() throws Exception {
        return OptionalLong.empty();
    }

    /**
     * Returns the topic that sent messages carry.
     *
     * @return by default {@code edgeflow/contract/readings}
     */
    protected String topic() {
        return "edgeflow/contract/readings";
    }

    /**
     * Tells whether the far side keeps the message's topic.
     *
     * @return by default {@code true}
     */
    protected boolean preservesTopic() {
        return true;
    }

    /**
     * Tells whether the far side keeps the message's headers (MQTT 5 user properties, Pub/Sub
     * attributes, a JSON field). Extra headers the far side adds are allowed either way.
     *
     * @return by default {@code true}
     */
    protected boolean preservesHeaders() {
        return true;
    }

    /**
     * Tells whether the far side keeps the order in which messages of one batch were sent.
     *
     * @return by default {@code true}
     */
    protected boolean preservesOrder() {
        return true;
    }

    /**
     * Returns how long any one wait may take before the test fails.
     *
     * @return by default 10 seconds
     */
    protected Duration timeout() {
        return Duration.ofSeconds(10);
    }

    /**
     * Tells whether a thread belongs to the sink, for the check that {@code close()} releases
     * threads. Only threads started during the test are asked about.
     *
     * @param thread a thread started during the test and still alive
     * @return by default {@code true} for non-daemon threads and for threads whose name contains
     *     {@code edgeflow}; override to add a client library's thread names
     */
    protected boolean isSinkThread(Thread thread) {
        return ContractSupport.isProviderThread(thread);
    }

    /**
     * Runs after each test, once the contract has closed the sinks it created: stop a broker,
     * delete a topic.
     *
     * @throws Exception if cleaning up fails; the test fails with it
     */
    protected void cleanup() throws Exception {
    }

    /**
     * Makes the messages a test sends: readings from {@link TestMessages} on {@link #topic()}.
     *
     * @param first the first sequence number
     * @param count how many
     * @return the readings
     */
    protected List<Message> messages(int first, int count) {
        return TestMessages.readings(topic(), first, count);
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Closes the sinks the test created, then runs {@link #cleanup()}.
     *
     * @throws Exception if closing or cleaning up failed
     */
    @AfterEach
    protected final void closeWhatTheTestCreated() throws Exception {
        List<Throwable> problems = new ArrayList<>();
        for (Sink s : List.copyOf(sinks)) {
            closeQuietly(s, problems);
        }
        cleanup();
        if (!problems.isEmpty()) {
            AssertionError error = new AssertionError("closing what the test created failed: " + problems);
            problems.forEach(error::addSuppressed);
            throw error;
        }
    }

    private Sink newSink() throws Exception {
        Sink sink = createSink();
        assertThat(sink).as("createSink()").isNotNull();
        sinks.add(sink);
        return sink;
    }

    private String provider() {
        return getClass().getSimpleName();
    }

    /** Reads back until every expected sequence number has arrived or the timeout passed. */
    private Set<Integer> readBackSequences(int count) throws Exception {
        Set<Integer> seen = new TreeSet<>();
        long deadline = System.nanoTime() + timeout().toNanos();
        while (seen.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            List<Message> got = readBack(count - seen.size(), Duration.ofNanos(left));
            if (got.isEmpty()) {
                break;
            }
            seen.addAll(TestMessages.sequencesOf(got));
        }
        return seen;
    }

    private static List<Integer> sequences(int first, int count) {
        return IntStream.range(first, first + count).boxed().toList();
    }

    // ------------------------------------------------------------------ the contract

    /**
     * A sent message reaches the far side with its payload, topic and headers (as far as the
     * provider keeps them). A JSON payload may come back re-encoded, as the same JSON value.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void deliversAMessageWithTopicPayloadAndHeaders() throws Exception {
        Sink sink = newSink();
        Message sent = messages(0, 1).get(0).toBuilder()
                .header("firmware", "1.4.2")
                .header("unit", "°C")
                .build();
        completesNormally("send to " + sink.name(), sink.send(sent), timeout());

        List<Message> got = readBack(1, timeout());
        assertThat(got).as("messages at the far side of %s", sink.name()).isNotEmpty();
        for (Message m : got) {
            assertThat(ContractSupport.samePayload(m, sent))
                    .as("payload at the far side %s equals the one sent %s", m.payloadAsString(),
                            sent.payloadAsString())
                    .isTrue();
            if (preservesTopic()) {
                assertThat(m.topic()).as("topic at the far side").isEqualTo(sent.topic());
            }
            if (preservesHeaders()) {
                assertThat(m.headers()).as("headers at the far side").containsAllEntriesOf(sent.headers());
            }
        }
    }

    /**
     * Payloads that are not JSON (text, and bytes that are not even UTF-8) reach the far side
     * byte for byte.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void deliversPayloadsThatAreNotJson() throws Exception {
        Sink sink = newSink();
        Message text = Message.of(topic(), "temperature=21.5 unit=°C");
        Message binary = Message.of(topic(), new byte[] {0, (byte) 0xFF, (byte) 0xFE, (byte) 0x80, 0x7F, '{'});
        completesNormally("send of a text payload", sink.send(text), timeout());
        completesNormally("send of a binary payload", sink.send(binary), timeout());

        List<Message> got = new ArrayList<>(readBack(2, timeout()));
        for (Message sent : List.of(text, binary)) {
            assertThat(got).as("messages at the far side")
                    .anySatisfy(m -> assertThat(m.payload()).isEqualTo(sent.payload()));
        }
    }

    /**
     * The moment a send completes, the far side already has the message: sent one at a time,
     * after each completion the far side holds one more.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void completesASendOnlyOnceTheFarSideHasTheMessage() throws Exception {
        Sink sink = newSink();
        OptionalLong start = farSideCount();
        ContractSupport.skipUnless(start.isPresent(), () -> provider() + " cannot count what the far side of "
                + sink.name() + " holds (farSideCount returned empty), so the timing of send completions is not "
                + "checked");
        List<Message> sent = messages(0, 10);
        for (int i = 0; i < sent.size(); i++) {
            completesNormally("send of reading " + i, sink.send(sent.get(i)), timeout());
            assertThat(farSideCount().orElseThrow())
                    .as("messages at the far side the moment send %d completed", i)
                    .isGreaterThanOrEqualTo(start.getAsLong() + i + 1);
        }
        assertThat(readBackSequences(sent.size())).containsExactlyElementsOf(sequences(0, sent.size()));
    }

    /**
     * 1000 sends from 4 threads at once all complete normally and all 1000 messages reach the
     * far side.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void losesNothingUnderConcurrentSends() throws Exception {
        Sink sink = newSink();
        int threads = 4;
        int total = 1000;
        List<Message> sent = messages(0, total);
        AtomicReferenceArray<CompletionStage<Void>> completions = new AtomicReferenceArray<>(total);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService senders = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "testkit-sender-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                tasks.add(senders.submit(() -> {
                    start.await();
                    for (int i = offset; i < total; i += threads) {
                        completions.set(i, sink.send(sent.get(i)));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> task : tasks) {
                task.get(timeout().toMillis(), TimeUnit.MILLISECONDS); // a send that threw fails here
            }
        } finally {
            senders.shutdownNow();
        }

        List<String> failures = new ArrayList<>();
        CompletableFuture<?>[] all = new CompletableFuture<?>[total];
        for (int i = 0; i < total; i++) {
            CompletionStage<Void> stage = completions.get(i);
            assertThat(stage).as("completion of send %d", i).isNotNull();
            int index = i;
            all[i] = ContractSupport.future(stage).whenComplete((ignored, failure) -> {
                if (failure != null) {
                    synchronized (failures) {
                        failures.add("send " + index + ": " + Futures.unwrap(failure));
                    }
                }
            });
        }
        settles(total + " concurrent sends", CompletableFuture.allOf(all).handle((v, t) -> null), timeout());
        synchronized (failures) {
            assertThat(failures).as("sends that completed exceptionally").isEmpty();
        }
        assertThat(readBackSequences(total)).as("readings at the far side")
                .containsExactlyElementsOf(sequences(0, total));
    }

    /**
     * {@code sendBatch} returns one completion per message, each completes normally, and the
     * far side gets the messages (in the batch's order, where the provider keeps order).
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void sendBatchCompletesOncePerMessage() throws Exception {
        Sink sink = newSink();
        List<Message> sent = messages(0, 10);
        List<CompletionStage<Void>> results = sink.sendBatch(sent);
        assertThat(results).as("completions returned by sendBatch of %d messages", sent.size())
                .hasSize(sent.size())
                .doesNotContainNull();
        for (int i = 0; i < results.size(); i++) {
            completesNormally("completion " + i + " of sendBatch", results.get(i), timeout());
        }
        List<Message> got = readBack(sent.size(), timeout());
        if (preservesOrder()) {
            assertThat(TestMessages.sequencesOf(got)).as("readings at the far side, in order")
                    .containsExactlyElementsOf(sequences(0, sent.size()));
        } else {
            assertThat(new TreeSet<>(TestMessages.sequencesOf(got))).as("readings at the far side")
                    .containsExactlyElementsOf(sequences(0, sent.size()));
        }
    }

    /**
     * {@code flush()} completes normally, and by then every send made before it has completed.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void flushCompletesAfterTheSendsBeforeIt() throws Exception {
        Sink sink = newSink();
        List<Message> sent = messages(0, 20);
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (Message m : sent) {
            sends.add(ContractSupport.future(sink.send(m)));
        }
        CompletableFuture<Void> flushed = ContractSupport.future(sink.flush());
        // Checked in the flush's own callback: the sends must be complete when it completes, not just soon after.
        CompletableFuture<Long> incompleteAtFlush = flushed.thenApply(ignored ->
                sends.stream().filter(s -> !s.isDone()).count());
        completesNormally("flush() of " + sink.name(), flushed, timeout());
        assertThat(incompleteAtFlush.join()).as("sends still incomplete when flush() completed").isZero();
        for (int i = 0; i < sends.size(); i++) {
            completesNormally("send " + i + " before flush()", sends.get(i), timeout());
        }
        assertThat(readBackSequences(sent.size())).containsExactlyElementsOf(sequences(0, sent.size()));
    }

    /**
     * {@code close()} returns promptly and may be called twice; after it, {@code send} and
     * {@code sendBatch} do not throw but complete exceptionally with
     * {@link IllegalStateException}, and {@code flush} completes one way or the other.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void closeIsIdempotentAndLaterSendsFailWithoutThrowing() throws Exception {
        Sink sink = newSink();
        completesNormally("send before close", sink.send(messages(0, 1).get(0)), timeout());
        closesWithin(sink.name(), sink, timeout());
        closesWithin(sink.name() + " (second time)", sink, timeout());

        Message late = messages(1, 1).get(0);
        List<CompletionStage<Void>> after = new ArrayList<>();
        assertThatCode(() -> after.add(sink.send(late))).as("send after close").doesNotThrowAnyException();
        assertThat(failsWith("send after close", after.get(0), timeout()))
                .as("failure of a send after close").isInstanceOf(IllegalStateException.class);

        List<CompletionStage<Void>> batch = new ArrayList<>();
        assertThatCode(() -> batch.addAll(sink.sendBatch(messages(2, 3)))).as("sendBatch after close")
                .doesNotThrowAnyException();
        assertThat(batch).hasSize(3);
        for (int i = 0; i < batch.size(); i++) {
            assertThat(failsWith("completion " + i + " of sendBatch after close", batch.get(i), timeout()))
                    .isInstanceOf(IllegalStateException.class);
        }

        List<CompletionStage<Void>> flush = new ArrayList<>();
        assertThatCode(() -> flush.add(sink.flush())).as("flush after close").doesNotThrowAnyException();
        settles("flush after close", flush.get(0), timeout());
    }

    /**
     * Sends made just before {@code close()} all complete, one way or the other, and those
     * that completed normally reached the far side.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void closeSettlesEverySendMadeBeforeIt() throws Exception {
        Sink sink = newSink();
        List<Message> sent = messages(0, 10);
        List<CompletionStage<Void>> sends = new ArrayList<>();
        for (Message m : sent) {
            sends.add(sink.send(m));
        }
        closesWithin(sink.name(), sink, timeout());

        List<Integer> confirmed = new ArrayList<>();
        for (int i = 0; i < sends.size(); i++) {
            if (settles("send " + i + " made before close", sends.get(i), timeout()) == null) {
                confirmed.add(i);
            }
        }
        assertThat(readBackSequences(confirmed.size())).as("confirmed readings at the far side")
                .containsAll(confirmed);
    }

    /**
     * Every thread the sink started (non-daemon, or named edgeflow, or as
     * {@link #isSinkThread(Thread)} says) has ended soon after {@code close()}.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void closeReleasesThreads() throws Exception {
        Set<Thread> before = ContractSupport.liveThreads();
        Sink sink = newSink();
        for (Message m : messages(0, 10)) {
            completesNormally("send before close", sink.send(m), timeout());
        }
        completesNormally("flush before close", sink.flush(), timeout());
        closesWithin(sink.name(), sink, timeout());
        closesWithin(sink.name() + " (second time)", sink, timeout());
        eventually("threads started by " + sink.name() + " to end after close()", timeout())
                .untilAsserted(() -> assertThat(ContractSupport.newThreads(before, this::isSinkThread))
                        .as("threads still alive").isEmpty());
    }

    /**
     * When the far side fails, {@code send} and {@code sendBatch} do not throw and do not hang:
     * they complete exceptionally.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void aFarSideFailureCompletesTheSendExceptionally() throws Exception {
        Optional<Sink> created = createBrokenSink();
        ContractSupport.skipUnless(created.isPresent(), () -> provider() + " cannot make a sink whose far side fails "
                + "(createBrokenSink returned empty), so it is not checked that far-side failures reach the "
                + "completion");
        Sink broken = created.get();
        sinks.add(broken);

        List<CompletionStage<Void>> sends = new ArrayList<>();
        assertThatCode(() -> sends.add(broken.send(messages(0, 1).get(0)))).as("send to " + broken.name())
                .doesNotThrowAnyException();
        assertThat(failsWith("send to " + broken.name(), sends.get(0), timeout())).isNotNull();

        List<CompletionStage<Void>> batch = new ArrayList<>();
        assertThatCode(() -> batch.addAll(broken.sendBatch(messages(1, 2)))).as("sendBatch to " + broken.name())
                .doesNotThrowAnyException();
        assertThat(batch).hasSize(2);
        for (int i = 0; i < batch.size(); i++) {
            assertThat(failsWith("completion " + i + " of sendBatch to " + broken.name(), batch.get(i), timeout()))
                    .isNotNull();
        }
    }
}
