package dev.edgeflow.core;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** A sink whose sends complete only when the test says so: the far side under test control. */
final class ControlledSink implements Sink {
    record Send(Message message, CompletableFuture<Void> completion) {
    }

    final LinkedBlockingQueue<Send> pending = new LinkedBlockingQueue<>();
    final List<Message> sent = new CopyOnWriteArrayList<>();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final String name;

    ControlledSink(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return "controlled:" + name;
    }

    @Override
    public CompletionStage<Void> send(Message message) {
        sent.add(message);
        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
        CompletableFuture<Void> f = new CompletableFuture<>();
        pending.add(new Send(message, f));
        return f;
    }

    /** Confirms the oldest pending send; returns its message, or null if none was pending. */
    Message confirmNext() {
        Send s = pending.poll();
        if (s == null) {
            return null;
        }
        // Count down before completing: completion runs the pipeline's callback, which may send again.
        concurrent.decrementAndGet();
        s.completion().complete(null);
        return s.message();
    }

    int confirmAll() {
        int n = 0;
        while (confirmNext() != null) {
            n++;
        }
        return n;
    }

    void failNext(Throwable t) {
        Send s = pending.poll();
        if (s != null) {
            concurrent.decrementAndGet();
            s.completion().completeExceptionally(t);
        }
    }

    int inFlight() {
        return concurrent.get();
    }

    @Override
    public void close() {
    }
}
