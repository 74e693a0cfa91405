package dev.edgeflow.gateway.internal;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code batch:} stage: holds a route's messages until {@code size} are there or the oldest
 * has waited {@code linger}, then hands them to the sink in one {@link Sink#sendBatch(List)}, so
 * that sinks that batch on the wire (Pub/Sub, AWS IoT batching) get whole batches. Each message's
 * send completes when the sink confirms that message, so acknowledgement is unchanged. It does not
 * close the sink it wraps: the sink may serve other routes too.
 */
final class BatchingSink implements Sink {
    private final Sink target;
    private final int size;
    private final Duration linger;
    private final ScheduledExecutorService timer;
    private final String name;
    private List<Message> messages = new ArrayList<>(); // guarded by this
    private List<CompletableFuture<Void>> results = new ArrayList<>(); // guarded by this
    private ScheduledFuture<?> lingerTask; // guarded by this

    BatchingSink(Sink target, int size, Duration linger, ScheduledExecutorService timer) {
        this.target = target;
        this.size = size;
        this.linger = linger;
        this.timer = timer;
        this.name = target.name();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletionStage<Void> send(Message message) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        boolean full;
        synchronized (this) {
            messages.add(message);
            results.add(result);
            full = messages.size() >= size;
            if (!full && lingerTask == null) {
                lingerTask = timer.schedule(this::sendPending, linger.toNanos(), TimeUnit.NANOSECONDS);
            }
        }
        if (full) {
            sendPending();
        }
        return result;
    }

    private void sendPending() {
        List<Message> batch;
        List<CompletableFuture<Void>> waiting;
        synchronized (this) {
            if (lingerTask != null) {
                lingerTask.cancel(false);
                lingerTask = null;
            }
            if (messages.isEmpty()) {
                return;
            }
            batch = messages;
            waiting = results;
            messages = new ArrayList<>();
            results = new ArrayList<>();
        }
        List<CompletionStage<Void>> sent;
        try {
            sent = target.sendBatch(batch);
        } catch (RuntimeException e) {
            waiting.forEach(w -> w.completeExceptionally(e));
            return;
        }
        for (int i = 0; i < waiting.size(); i++) {
            CompletableFuture<Void> w = waiting.get(i);
            sent.get(i).whenComplete((ok, failure) -> {
                if (failure != null) {
                    w.completeExceptionally(failure);
                } else {
                    w.complete(null);
                }
            });
        }
    }

    @Override
    public CompletionStage<Void> flush() {
        sendPending();
        return target.flush();
    }

    @Override
    public void close() {
        sendPending();
    }

    @Override
    public String toString() {
        return "batch(" + size + ", " + linger + ") to " + target;
    }
}
