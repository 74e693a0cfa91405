package dev.edgeflow.benchmarks;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.TopicFilter;
import dev.edgeflow.core.internal.LatencyRecorder;
import io.reactivex.FlowableSubscriber;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscription;

/**
 * The end of the RxJava chains: does per message what edgeflow's engine does after its steps,
 * so that the comparison is about the engines and not about the work.
 *
 * <ul>
 *   <li>Demand is bounded: 1024 up front, 768 more each time 768 were consumed, which is what
 *       a pipeline with edgeflow's default buffer of 1024 asks of its source.
 *   <li>Each message goes to every route whose topic filter matches it (a {@code null} filter
 *       matches all), through {@link Sink#send}; the delivery is acked once every send
 *       confirmed, nacked if one failed, and acked at once if no route matched.
 *   <li>Optionally, the time from receipt to ack is recorded per message, as edgeflow does for
 *       {@code PipelineStats.latency()}.
 * </ul>
 */
final class AckingSubscriber implements FlowableSubscriber<AckingSubscriber.Outgoing> {
    private static final int PREFETCH = 1024;
    private static final int REPLENISH = PREFETCH - (PREFETCH >> 2);

    /** A mapped message with the delivery it came from and when it was received (0 if untimed). */
    record Outgoing(Delivery delivery, Message message, long receivedNanos) {
    }

    private final TopicFilter[] filters;
    private final Sink[] sinks;
    private final LatencyRecorder latency;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private Subscription upstream;
    private int consumed;

    /** Sends to {@code sinks[i]} what {@code filters[i]} matches; records latency if {@code latency} is set. */
    AckingSubscriber(TopicFilter[] filters, Sink[] sinks, LatencyRecorder latency) {
        this.filters = filters;
        this.sinks = sinks;
        this.latency = latency;
    }

    CompletableFuture<Void> done() {
        return done;
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        s.request(PREFETCH);
    }

    @Override
    public void onNext(Outgoing o) {
        send(o.delivery(), o.message());
        if (latency != null) {
            latency.recordNanos(System.nanoTime() - o.receivedNanos());
        }
        if (++consumed == REPLENISH) {
            consumed = 0;
            upstream.request(REPLENISH);
        }
    }

    private void send(Delivery delivery, Message message) {
        String topic = message.topic();
        Pending pending = null;
        for (int i = 0; i < sinks.length; i++) {
            if (filters[i] != null && !filters[i].matches(topic)) {
                continue;
            }
            CompletionStage<Void> stage = sinks[i].send(message);
            if (stage instanceof CompletableFuture<Void> f && f.isDone() && !f.isCompletedExceptionally()) {
                continue;
            }
            if (pending == null) {
                pending = new Pending(delivery);
            }
            pending.await(stage);
        }
        if (pending == null) {
            delivery.ack();
        } else {
            pending.arm();
        }
    }

    @Override
    public void onError(Throwable t) {
        done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        done.complete(null);
    }

    /** Sends not confirmed at once: the delivery is settled when the last one completes. */
    private static final class Pending {
        private final Delivery delivery;
        private final AtomicInteger left = new AtomicInteger(1); // 1 until armed

        Pending(Delivery delivery) {
            this.delivery = delivery;
        }

        void await(CompletionStage<Void> stage) {
            left.incrementAndGet();
            stage.whenComplete((ignored, failure) -> {
                if (failure != null) {
                    delivery.nack(failure);
                }
                arm();
            });
        }

        void arm() {
            if (left.decrementAndGet() == 0) {
                delivery.ack(); // does nothing after a nack
            }
        }
    }
}
