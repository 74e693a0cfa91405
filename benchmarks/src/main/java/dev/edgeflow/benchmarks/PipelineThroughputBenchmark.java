package dev.edgeflow.benchmarks;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.TopicFilter;
import dev.edgeflow.core.internal.LatencyRecorder;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import io.reactivex.Flowable;
import io.reactivex.schedulers.Schedulers;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Messages per second through source, filter, map and sink with an acknowledgement per
 * message, on edgeflow, on RxJava 2 and on a plain {@link ArrayBlockingQueue} hand-off.
 *
 * <p>One operation is one message: each invocation pushes a batch of {@value #BATCH} pre-built
 * messages (see {@link Workload}) through a fresh chain and waits until every delivery is
 * settled, so the score reads as messages per second and {@code -prof gc}'s
 * {@code gc.alloc.rate.norm} as bytes allocated per message. Every chain wraps each message in
 * a {@link Delivery}, runs the same filter and map, calls {@link Sink#send} on the same
 * discarding {@link MemorySink} (a completed future) and acks the delivery after the sink
 * confirmed; filtered messages are acked too. Each invocation checks its counts, so a chain
 * that lost or skipped messages fails the run instead of looking fast.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(PipelineThroughputBenchmark.BATCH)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class PipelineThroughputBenchmark {
    static final int BATCH = 100_000;

    private Workload workload;
    private Sink sinkA;
    private Sink sinkB;
    private final TopicFilter[] routeFilters = {
        TopicFilter.of(Workload.TEMPERATURE_ROUTE), TopicFilter.of(Workload.HUMIDITY_ROUTE)};
    /** Counts the acks of the RxJava and queue chains: their stand-in for a source's ack. */
    private final Acks acks = new Acks();

    @Setup
    public void setUp() {
        workload = new Workload(BATCH);
        sinkA = MemorySink.discarding("a");
        sinkB = MemorySink.discarding("b");
    }

    // ------------------------------------------------------------------ edgeflow

    /** Memory source, filter, map, one sink: the fast path, all on the calling thread. */
    @Benchmark
    public PipelineStats edgeflow() {
        Pipeline pipeline = Pipeline.from(MemorySource.of("bench", workload.messages))
                .filter(workload.keep)
                .map(workload.toCloud)
                .to(sinkA)
                .start();
        return expectForwarded(pipeline, workload.kept);
    }

    /** The same, with every message sent to two sinks and acked after both confirmed. */
    @Benchmark
    public PipelineStats edgeflowFanOut() {
        Pipeline pipeline = Pipeline.from(MemorySource.of("bench", workload.messages))
                .filter(workload.keep)
                .map(workload.toCloud)
                .to(sinkA)
                .to(sinkB)
                .start();
        return expectForwarded(pipeline, workload.kept);
    }

    /** The same, with each message routed by topic filter to one of two sinks. */
    @Benchmark
    public PipelineStats edgeflowRoute() {
        Pipeline pipeline = Pipeline.from(MemorySource.of("bench", workload.messages))
                .filter(workload.keep)
                .map(workload.toCloud)
                .route(Workload.TEMPERATURE_ROUTE, sinkA)
                .route(Workload.HUMIDITY_ROUTE, sinkB)
                .start();
        return expectForwarded(pipeline, workload.kept);
    }

    private static PipelineStats expectForwarded(Pipeline pipeline, long expected) {
        PipelineStats stats = pipeline.completion().toCompletableFuture().join();
        if (stats.forwarded() != expected || stats.received() != BATCH) {
            throw new IllegalStateException("expected " + expected + " forwarded of " + BATCH + ", got " + stats);
        }
        return stats;
    }

    // ------------------------------------------------------------------ RxJava 2

    /** Flowable with the same work, no thread hop: all on the calling thread, as edgeflow. */
    @Benchmark
    public long rxFlowable() {
        return runRx(new TopicFilter[] {null}, new Sink[] {sinkA}, false, null);
    }

    /**
     * The same, plus timing every message with edgeflow's own latency recorder: a clock read at
     * receipt and at settlement, and a histogram increment. (edgeflow itself times one delivery
     * in eight.)
     */
    @Benchmark
    public long rxFlowableTimed() {
        LatencyRecorder latency = new LatencyRecorder();
        long acked = runRx(new TopicFilter[] {null}, new Sink[] {sinkA}, false, latency);
        long timed = latency.snapshot().count();
        if (timed != workload.kept) {
            throw new IllegalStateException("expected " + workload.kept + " latencies, got " + timed);
        }
        return acked;
    }

    /** The same with {@code observeOn}: sends and acks on RxJava's single thread. */
    @Benchmark
    public long rxFlowableObserveOn() {
        return runRx(new TopicFilter[] {null}, new Sink[] {sinkA}, true, null);
    }

    /** Flowable fanning out to two sinks, acked after both confirmed. */
    @Benchmark
    public long rxFlowableFanOut() {
        return runRx(new TopicFilter[] {null, null}, new Sink[] {sinkA, sinkB}, false, null);
    }

    /** Flowable routing by topic filter to one of two sinks, as {@link #edgeflowRoute()}. */
    @Benchmark
    public long rxFlowableRoute() {
        return runRx(routeFilters, new Sink[] {sinkA, sinkB}, false, null);
    }

    private long runRx(TopicFilter[] filters, Sink[] sinks, boolean hop, LatencyRecorder latency) {
        long before = acks.acked.sum();
        Workload w = workload;
        Flowable<AckingSubscriber.Outgoing> chain;
        if (latency == null) {
            chain = Flowable.fromIterable(w.messages)
                    .map(m -> Delivery.of(m, acks))
                    .filter(d -> {
                        if (w.keep.test(d.message())) {
                            return true;
                        }
                        d.ack();
                        return false;
                    })
                    .map(d -> new AckingSubscriber.Outgoing(d, w.toCloud.apply(d.message()), 0));
        } else {
            // The receipt time has to travel with the delivery, as in edgeflow's envelope.
            chain = Flowable.fromIterable(w.messages)
                    .map(m -> new AckingSubscriber.Outgoing(Delivery.of(m, acks), m, System.nanoTime()))
                    .filter(o -> {
                        if (w.keep.test(o.message())) {
                            return true;
                        }
                        o.delivery().ack();
                        return false;
                    })
                    .map(o -> new AckingSubscriber.Outgoing(o.delivery(), w.toCloud.apply(o.message()),
                            o.receivedNanos()));
        }
        if (hop) {
            chain = chain.observeOn(Schedulers.single(), false, 1024);
        }
        AckingSubscriber subscriber = new AckingSubscriber(filters, sinks, latency);
        chain.subscribe(subscriber);
        subscriber.done().join();
        return expectAcked(before, BATCH);
    }

    private long expectAcked(long before, long expected) {
        long acked = acks.acked.sum() - before;
        if (acked != expected || acks.nacked.sum() != 0) {
            throw new IllegalStateException("expected " + expected + " acks, got " + acked + " and "
                    + acks.nacked.sum() + " nacks");
        }
        return acked;
    }

    // ------------------------------------------------------------------ ArrayBlockingQueue

    /**
     * A consumer thread that takes deliveries from a bounded queue, filters, maps, sends and
     * acks them; a marker delivery ends each batch.
     */
    @State(Scope.Benchmark)
    public static class QueueHandOff {
        private static final Delivery END_OF_BATCH = Delivery.unacknowledged(Message.of("bench/end", ""));

        final BlockingQueue<Delivery> queue = new ArrayBlockingQueue<>(1024);
        final Semaphore batchDone = new Semaphore(0);
        private Thread consumer;

        @Setup
        public void start(PipelineThroughputBenchmark bench) {
            Workload w = bench.workload;
            Sink sink = bench.sinkA;
            consumer = new Thread(() -> {
                try {
                    for (;;) {
                        Delivery d = queue.take();
                        if (d == END_OF_BATCH) {
                            batchDone.release();
                        } else if (!w.keep.test(d.message())) {
                            d.ack();
                        } else {
                            settle(d, sink.send(w.toCloud.apply(d.message())));
                        }
                    }
                } catch (InterruptedException stopped) {
                    // the trial is over
                }
            }, "queue-consumer");
            consumer.setDaemon(true);
            consumer.start();
        }

        private static void settle(Delivery d, CompletionStage<Void> sent) {
            if (sent instanceof CompletableFuture<Void> f && f.isDone() && !f.isCompletedExceptionally()) {
                d.ack();
            } else {
                sent.whenComplete((ignored, failure) -> {
                    if (failure == null) {
                        d.ack();
                    } else {
                        d.nack(failure);
                    }
                });
            }
        }

        @TearDown
        public void stop() throws InterruptedException {
            consumer.interrupt();
            consumer.join();
        }
    }

    /** The benchmark thread produces; the queue's consumer thread does the rest. */
    @Benchmark
    public long arrayBlockingQueue(QueueHandOff handOff) throws InterruptedException {
        long before = acks.acked.sum();
        for (Message m : workload.messages) {
            handOff.queue.put(Delivery.of(m, acks));
        }
        handOff.queue.put(QueueHandOff.END_OF_BATCH);
        handOff.batchDone.acquire();
        return expectAcked(before, BATCH);
    }

    /** Counts acks and nacks. */
    static final class Acks implements Delivery.Acknowledger {
        final LongAdder acked = new LongAdder();
        final LongAdder nacked = new LongAdder();

        @Override
        public void ack(Delivery delivery) {
            acked.increment();
        }

        @Override
        public void nack(Delivery delivery, Throwable cause) {
            nacked.increment();
        }
    }
}
