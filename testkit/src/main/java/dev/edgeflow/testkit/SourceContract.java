package dev.edgeflow.testkit;

import static dev.edgeflow.testkit.ContractSupport.closeQuietly;
import static dev.edgeflow.testkit.ContractSupport.closesWithin;
import static dev.edgeflow.testkit.ContractSupport.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.RetryPolicy;
import dev.edgeflow.core.Source;
import dev.edgeflow.memory.MemorySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Source} keeps, as tests: demand is respected, requests below one
 * are refused as Reactive Streams rule 3.9 says, acknowledgements reach the source only once
 * the sinks have confirmed, nacked messages come back where the source redelivers, close is
 * idempotent and releases threads, and far-side failures surface as {@code onError}.
 *
 * <p>A provider's test folder has one class that extends this and implements the hooks:
 *
 * <pre>{@code
 * class MqttSourceContractTest extends SourceContract {
 *     private MqttSource source;
 *
 *     @Override
 *     protected Source createSource() {
 *         source = MqttSource.builder().serverUri(broker.uri()).topicFilter("edgeflow/contract/#").build();
 *         return source;
 *     }
 *
 *     @Override
 *     protected void publish(List<Message> messages) {
 *         broker.publish(messages); // through a plain client, as a device would
 *     }
 *
 *     @Override
 *     protected OptionalLong acknowledgedCount(Source source) {
 *         return OptionalLong.of(broker.pubacksReceivedFrom(source)); // observed at the far side
 *     }
 * }
 * }</pre>
 *
 * <p>Each test calls {@link #createSource()} for a source of its own and
 * closes it afterwards; then {@link #cleanup()} runs. Tests that need something a provider
 * cannot offer (a far side to break, redelivery, observable acknowledgements) are skipped with
 * the reason, never passed quietly. Every wait is a condition with a timeout
 * ({@link #timeout()}); "stays at" checks watch a value for {@link #quietPeriod()}.
 *
 * <p>To document a deliberate deviation, override the test method and mark it
 * {@code @Disabled("why")}.
 *
 * @since 0.1.0
 */
public abstract class SourceContract {
    private final List<Pipeline> pipelines = Collections.synchronizedList(new ArrayList<>());
    private final List<MemorySink> sinks = Collections.synchronizedList(new ArrayList<>());
    private final List<Source> sources = Collections.synchronizedList(new ArrayList<>());

    /** For subclasses. */
    protected SourceContract() {
    }

    // ------------------------------------------------------------------ hooks

    /**
     * Creates a fresh source, connected to the far side the test will {@link #publish(List)}
     * to. The contract closes it after the test.
     *
     * @return a new source that nothing has subscribed to yet
     * @throws Exception if the source cannot be created; the test fails with it
     */
    protected abstract Source createSource() throws Exception;

    /**
     * Puts messages on the far side of the source most recently created, so that it will
     * deliver them: offer them to a memory source, publish them to the broker, publish them to
     * the Pub/Sub topic. Tests call this after subscribing; a source that connects
     * asynchronously should wait here until what is published will reach it.
     *
     * @param messages the messages, in order; readings made by {@link #messages(int, int)}
     * @throws Exception if they cannot be published; the test fails with it
     */
    protected abstract void publish(List<Message> messages) throws Exception;

    /**
     * Observes how many deliveries of a source have been acknowledged, as the far side sees it:
     * the memory source's counter, the PUBACKs the broker received, the messages the Pub/Sub
     * subscription no longer holds as outstanding. A provider that can only see what is still
     * unacknowledged returns the number published in this test minus that.
     *
     * <p>Return empty if acknowledgements cannot be observed; the tests that need them are then
     * skipped with that reason.
     *
     * @param source the source under test
     * @return the count of acknowledged deliveries, or empty
     */
    protected abstract OptionalLong acknowledgedCount(Source source);

    /**
     * Tells whether a nacked delivery comes back, so the redelivery test runs.
     *
     * @param source the source under test
     * @return by default {@link Source#redeliversOnNack()}
     */
    protected boolean redelivers(Source source) {
        return source.redeliversOnNack();
    }

    /**
     * Returns an action that breaks the far side of a source for good, so that the source can
     * only fail: stop the broker with reconnects off, delete the subscription. Empty if the
     * provider has no such means; the test is then skipped with that reason.
     *
     * @param source the source under test, already delivering
     * @return the action, or empty (the default)
     */
    protected Optional<Runnable> breakFarSide(Source source) {
        return Optional.empty();
    }

    /**
     * Returns the topic that published messages carry; it must reach the source under test.
     *
     * @return by default {@code edgeflow/contract/readings}
     */
    protected String topic() {
        return "edgeflow/contract/readings";
    }

    /**
     * Tells whether delivered messages keep the topic they were published on.
     *
     * @return by default {@code true}
     */
    protected boolean preservesTopic() {
        return true;
    }

    /**
     * Tells whether delivered messages keep their headers (MQTT 5 user properties, Pub/Sub
     * attributes). Extra headers the far side adds are allowed either way.
     *
     * @return by default {@code true}
     */
    protected boolean preservesHeaders() {
        return true;
    }

    /**
     * Tells whether the source accepts only one subscriber, as {@link Source} does unless it
     * says otherwise.
     *
     * @return by default {@code true}; {@code false} skips the second-subscriber test
     */
    protected boolean singleSubscriber() {
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
     * Returns how long a value must hold still for a "stays at" check, such as "no more than
     * three deliveries after {@code request(3)}". Raise it for a far side with high latency.
     *
     * @return by default 500 milliseconds
     */
    protected Duration quietPeriod() {
        return Duration.ofMillis(500);
    }

    /**
     * Tells whether a thread belongs to the source, for the check that {@code close()}
     * releases threads. Only threads started during the test are asked about.
     *
     * @param thread a thread started during the test and still alive
     * @return by default {@code true} for non-daemon threads and for threads whose name contains
     *     {@code edgeflow}; override to add a client library's thread names
     */
    protected boolean isSourceThread(Thread thread) {
        return ContractSupport.isProviderThread(thread);
    }

    /**
     * Runs after each test, once the contract has stopped its pipelines and closed its sources
     * and sinks: stop a broker, delete a subscription.
     *
     * @throws Exception if cleaning up fails; the test fails with it
     */
    protected void cleanup() throws Exception {
    }

    /**
     * Makes the messages a test publishes: readings from {@link TestMessages} on {@link #topic()}.
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
     * Stops the pipelines, closes the sinks and sources the test created, then runs
     * {@link #cleanup()}.
     *
     * @throws Exception if closing or cleaning up failed
     */
    @AfterEach
    protected final void closeWhatTheTestCreated() throws Exception {
        List<Throwable> problems = new ArrayList<>();
        for (Pipeline p : List.copyOf(pipelines)) {
            closeQuietly(() -> p.stop(Duration.ofSeconds(1)), problems);
        }
        for (MemorySink s : List.copyOf(sinks)) {
            closeQuietly(s, problems);
        }
        for (Source s : List.copyOf(sources)) {
            closeQuietly(s, problems);
        }
        cleanup();
        if (!problems.isEmpty()) {
            AssertionError error = new AssertionError("closing what the test created failed: " + problems);
            problems.forEach(error::addSuppressed);
            throw error;
        }
    }

    private Source newSource() throws Exception {
        Source source = createSource();
        assertThat(source).as("createSource()").isNotNull();
        sources.add(source);
        return source;
    }

    private MemorySink track(MemorySink sink) {
        sinks.add(sink);
        return sink;
    }

    private Pipeline track(Pipeline pipeline) {
        pipelines.add(pipeline);
        return pipeline;
    }

    private String provider() {
        return getClass().getSimpleName();
    }

    private LongSupplier acknowledged(Source source) {
        return () -> acknowledgedCount(source).orElseThrow(() -> new AssertionError(provider()
                + ".acknowledgedCount returned a count earlier in this test and now returns none"));
    }

    private void assumeAcknowledgementsObservable(Source source) {
        ContractSupport.skipUnless(acknowledgedCount(source).isPresent(), () -> provider()
                + " cannot observe acknowledgements of " + source.name()
                + " (acknowledgedCount returned empty), so this test of when acks happen is skipped");
    }

    // ------------------------------------------------------------------ the contract

    /**
     * A published message is delivered with its payload byte for byte, its topic and headers
     * (as far as the provider keeps them), as a first, unsettled delivery.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void deliversPublishedMessagesIntact() throws Exception {
        Source source = newSource();
        List<Boolean> settledOnArrival = Collections.synchronizedList(new ArrayList<>());
        RecordingSubscriber<Delivery> subscriber = new RecordingSubscriber<>(d -> {
            settledOnArrival.add(d.isSettled());
            d.ack();
        });
        source.subscribe(subscriber);
        subscriber.request(3);
        List<Message> sent = messages(0, 3);
        publish(sent);

        eventually("deliveries of 3 published messages", timeout())
                .untilAsserted(() -> assertThat(subscriber.count()).isGreaterThanOrEqualTo(3));
        Map<Integer, Message> bySequence = sent.stream()
                .collect(Collectors.toMap(TestMessages::sequenceOf, m -> m));
        for (Delivery d : subscriber.items()) {
            Message got = d.message();
            Message expected = bySequence.get(TestMessages.sequenceOf(got));
            assertThat(expected).as("published message for delivered %s", got).isNotNull();
            assertThat(got.payload()).as("payload of %s", got).isEqualTo(expected.payload());
            if (preservesTopic()) {
                assertThat(got.topic()).as("topic of %s", got).isEqualTo(expected.topic());
            }
            if (preservesHeaders()) {
                assertThat(got.headers()).as("headers of %s", got).containsAllEntriesOf(expected.headers());
            }
            assertThat(d.attempt()).as("attempt of the first delivery of %s", got).isEqualTo(1);
        }
        assertThat(TestMessages.sequencesOf(subscriber.items().stream().map(Delivery::message).toList()))
                .containsExactlyInAnyOrder(0, 1, 2);
        assertThat(settledOnArrival).as("deliveries already settled when handed out").containsOnly(false);
        assertThat(subscriber.violations()).isEmpty();
    }

    /**
     * With 20 messages waiting, {@code request(3)} gets exactly three deliveries and no more
     * arrive; {@code request(5)} then gets exactly five more.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void neverEmitsMoreThanRequested() throws Exception {
        Source source = newSource();
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(3);
        publish(messages(0, 20));

        ContractSupport.reachesAndStays("deliveries after request(3)", subscriber::count, 3, timeout(), quietPeriod(),
                subscriber);
        subscriber.request(5);
        ContractSupport.reachesAndStays("deliveries after request(3) and request(5)", subscriber::count, 8, timeout(),
                quietPeriod(), subscriber);
        assertThat(subscriber.error()).isEmpty();
        assertThat(subscriber.violations()).isEmpty();
    }

    /**
     * After {@code cancel()}, messages published later are not delivered.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void stopsEmittingAfterCancel() throws Exception {
        Source source = newSource();
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(100);
        publish(messages(0, 2));
        ContractSupport.reachesAndStays("deliveries before cancel", subscriber::count, 2, timeout(), Duration.ZERO,
                subscriber);

        subscriber.cancel();
        publish(messages(2, 3));
        ContractSupport.stays("deliveries after cancel", subscriber::count, 2, quietPeriod(), subscriber);
        assertThat(subscriber.violations()).isEmpty();
    }

    /**
     * {@code request(0)} is answered with {@code onError(IllegalArgumentException)} (rule 3.9),
     * and after that nothing more is signalled, whatever the subscriber does.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void rejectsZeroRequestWithIllegalArgumentException() throws Exception {
        assertRejectsRequest(0);
    }

    /**
     * {@code request(-1)} is answered with {@code onError(IllegalArgumentException)} (rule
     * 3.9), and after that nothing more is signalled, whatever the subscriber does.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void rejectsNegativeRequestWithIllegalArgumentException() throws Exception {
        assertRejectsRequest(-1);
    }

    private void assertRejectsRequest(long n) throws Exception {
        Source source = newSource();
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(n);
        eventually("onError after request(" + n + ")", timeout())
                .untilAsserted(() -> assertThat(subscriber.error()).isPresent());
        assertThat(subscriber.error().get()).as("the error signalled for request(%d)", n)
                .isInstanceOf(IllegalArgumentException.class);

        // Rule 1.7: after a terminal signal, no more signals, even when asked again.
        subscriber.request(n);
        subscriber.request(5);
        publish(messages(0, 3));
        ContractSupport.stays("signals after onError (deliveries plus terminal signals)",
                () -> subscriber.count() + subscriber.terminalSignals(), 1, quietPeriod(), subscriber);
        assertThat(subscriber.violations()).isEmpty();
    }

    /**
     * A second subscriber gets {@code onError(IllegalStateException)}, and nothing it does with
     * the subscription it was handed (request, cancel) changes what the first one gets.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void rejectsSecondSubscriberWithoutDisturbingTheFirst() throws Exception {
        Source source = newSource();
        ContractSupport.skipUnless(singleSubscriber(), () -> provider() + " says " + source.name()
                + " accepts many subscribers (singleSubscriber() is false)");
        RecordingSubscriber<Delivery> first = RecordingSubscriber.acking();
        source.subscribe(first);
        first.request(2);

        RecordingSubscriber<Delivery> second = RecordingSubscriber.acking();
        source.subscribe(second);
        // What an ordinary subscriber does: ask for items, then let go after its error.
        second.request(10);
        eventually("onError to the second subscriber", timeout())
                .untilAsserted(() -> assertThat(second.error()).isPresent());
        assertThat(second.error().get()).as("the error for a second subscriber")
                .isInstanceOf(IllegalStateException.class);
        second.cancel();

        publish(messages(0, 5));
        ContractSupport.reachesAndStays("first subscriber's deliveries after request(2)", first::count, 2, timeout(),
                quietPeriod(), first);
        first.request(1);
        ContractSupport.reachesAndStays("first subscriber's deliveries after request(2) and request(1)",
                first::count, 3, timeout(), quietPeriod(), first);
        assertThat(second.count()).as("deliveries to the rejected second subscriber").isZero();
        assertThat(first.violations()).isEmpty();
        assertThat(second.violations()).isEmpty();
    }

    /**
     * Run through a pipeline into a sink that holds one message and makes the next send wait
     * for room: only the held message is acknowledged; every later delivery stays
     * unacknowledged until the test takes a message out of the sink, and then exactly one more
     * is acknowledged.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void acknowledgesOnlyAfterTheSinkConfirms() throws Exception {
        Source source = newSource();
        assumeAcknowledgementsObservable(source);
        MemorySink sink = track(MemorySink.create("contract-acks", 1));
        Pipeline pipeline = track(Pipeline.from(source)
                .name("contract-acks")
                .to(sink)
                .maxInFlight(sink, 1)
                .retry(RetryPolicy.none())
                .start());
        Object state = ContractSupport.lazily(() -> "pipeline " + pipeline.stats() + "; " + sink);
        int total = 5;
        publish(messages(0, total));

        // The sink holds the first message; the second send waits for room; the rest wait in the pipeline.
        eventually("a send waiting for room in the sink", timeout())
                .untilAsserted(() -> assertThat(sink.waitingSends()).isEqualTo(1));
        assertThat(pipeline.stats().received()).as("deliveries the pipeline took").isGreaterThanOrEqualTo(2);
        ContractSupport.reachesAndStays("acknowledged deliveries while the sink confirmed one", acknowledged(source),
                1, timeout(), quietPeriod(), state);

        List<Message> taken = new ArrayList<>();
        taken.add(sink.poll());
        ContractSupport.reachesAndStays("acknowledged deliveries after one was taken out of the sink",
                acknowledged(source), 2, timeout(), quietPeriod(), state);

        while (taken.size() < total) {
            Message m = sink.take(timeout());
            assertThat(m).as("message %d of %d in the sink", taken.size() + 1, total).isNotNull();
            taken.add(m);
        }
        eventually("every delivery acknowledged once the sink has confirmed it", timeout())
                .untilAsserted(() -> assertThat(acknowledged(source).getAsLong()).isEqualTo(total));
        assertThat(TestMessages.sequencesOf(taken)).containsExactlyInAnyOrderElementsOf(sequences(total));
        assertThat(pipeline.stats().forwarded()).isEqualTo(total);
    }

    /**
     * A delivery nacked because the sink refused it for good (no retry, no dead-letter sink) is
     * delivered again, and the second time the sink takes it; it is then acknowledged.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void redeliversANackedMessageUntilTheSinkTakesIt() throws Exception {
        Source source = newSource();
        ContractSupport.skipUnless(redelivers(source), () -> provider() + " says " + source.name()
                + " does not redeliver nacked messages (redelivers() is false)");
        AtomicInteger sends = new AtomicInteger();
        MemorySink sink = track(MemorySink.builder("contract-nack")
                .failWith(m -> sends.getAndIncrement() == 0
                        ? new MessageRejectedException("contract test: the sink refuses the first delivery of message "
                                + m.id() + " for good")
                        : null)
                .build());
        Pipeline pipeline = track(Pipeline.from(source)
                .name("contract-nack")
                .to(sink)
                .retry(RetryPolicy.none())
                .start());
        List<Message> sent = messages(0, 1);
        publish(sent);

        Message arrived = sink.take(timeout());
        assertThat(arrived).as("the message in the sink after its first delivery was nacked").isNotNull();
        assertThat(arrived.payload()).isEqualTo(sent.get(0).payload());
        ContractSupport.stays("sends to the sink (one refused, one taken)", sends::get, 2, quietPeriod(), sink);
        eventually("pipeline stats after the nack and the redelivery", timeout()).untilAsserted(() -> {
            assertThat(pipeline.stats().failed()).as("failed").isEqualTo(1);
            assertThat(pipeline.stats().forwarded()).as("forwarded").isEqualTo(1);
        });
        if (acknowledgedCount(source).isPresent()) {
            eventually("acknowledgement of the redelivered message", timeout())
                    .untilAsserted(() -> assertThat(acknowledged(source).getAsLong()).isEqualTo(1));
        }
    }

    /**
     * {@code close()} returns promptly, may be called twice, completes the subscriber once,
     * and nothing is signalled after that, whatever the subscriber asks for.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void closeIsIdempotentAndCompletesTheSubscriber() throws Exception {
        Source source = newSource();
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(1);
        publish(messages(0, 3));
        ContractSupport.reachesAndStays("deliveries before close", subscriber::count, 1, timeout(), Duration.ZERO,
                subscriber);

        closesWithin(source.name(), source, timeout());
        closesWithin(source.name() + " (second time)", source, timeout());
        eventually("onComplete after close()", timeout())
                .untilAsserted(() -> assertThat(subscriber.isCompleted()).isTrue());

        subscriber.request(10);
        subscriber.request(0);
        ContractSupport.stays("signals after close (deliveries plus terminal signals)",
                () -> subscriber.count() + subscriber.terminalSignals(), 2, quietPeriod(), subscriber);
        assertThat(subscriber.error()).isEmpty();
        assertThat(subscriber.violations()).isEmpty();
    }

    /**
     * Every thread the source started (non-daemon, or named edgeflow, or as
     * {@link #isSourceThread(Thread)} says) has ended soon after {@code close()}.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void closeReleasesThreads() throws Exception {
        Set<Thread> before = ContractSupport.liveThreads();
        Source source = newSource();
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(Long.MAX_VALUE);
        publish(messages(0, 3));
        eventually("deliveries before close", timeout())
                .untilAsserted(() -> assertThat(subscriber.count()).isEqualTo(3));

        closesWithin(source.name(), source, timeout());
        closesWithin(source.name() + " (second time)", source, timeout());
        eventually("threads started by " + source.name() + " to end after close()", timeout())
                .untilAsserted(() -> assertThat(ContractSupport.newThreads(before, this::isSourceThread))
                        .as("threads still alive").isEmpty());
    }

    /**
     * When the far side breaks for good, the subscriber hears of it through {@code onError},
     * not only through a log line.
     *
     * @throws Exception if a hook fails
     */
    @Test
    public void surfacesAFarSideFailureAsOnError() throws Exception {
        Source source = newSource();
        Optional<Runnable> breaker = breakFarSide(source);
        ContractSupport.skipUnless(breaker.isPresent(), () -> provider() + " cannot break the far side of "
                + source.name() + " (breakFarSide returned empty), so it is not checked that far-side failures reach "
                + "onError");
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        source.subscribe(subscriber);
        subscriber.request(Long.MAX_VALUE);
        publish(messages(0, 1));
        eventually("a delivery before the far side breaks", timeout())
                .untilAsserted(() -> assertThat(subscriber.count()).isEqualTo(1));

        breaker.get().run();
        eventually("onError after the far side broke", timeout())
                .untilAsserted(() -> assertThat(subscriber.error()).isPresent());
        assertThat(subscriber.terminalSignals()).isEqualTo(1);
        assertThat(subscriber.violations()).isEmpty();
    }

    private static List<Integer> sequences(int count) {
        return IntStream.range(0, count).boxed().toList();
    }
}
