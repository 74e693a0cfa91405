package dev.edgeflow.gateway.internal;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A route's use of a shared sink: times every send and tells the sink's {@link SinkMonitor} how
 * it ended. It returns the sink's own completions, untouched, so the pipeline sees exactly the
 * exceptions the sink gives (a derived stage would wrap them in {@code CompletionException}).
 * Closing it does nothing: the gateway closes the shared sink once.
 */
final class MonitoredSink implements Sink {
    /** How a send ended, as the meters count it. */
    enum Outcome {
        SUCCESS, FAILURE, REJECTED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Told of every send, with its duration in nanoseconds. */
    interface Listener {
        void sent(long nanos, Outcome outcome);
    }

    private final Sink target;
    private final SinkMonitor monitor;
    private final String route;
    private final String source;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    MonitoredSink(Sink target, SinkMonitor monitor, String route, String source) {
        this.target = target;
        this.monitor = monitor;
        this.route = route;
        this.source = source;
    }

    String route() {
        return route;
    }

    String source() {
        return source;
    }

    /** @return the sink's name in the gateway file */
    String sinkName() {
        return monitor.name();
    }

    void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public String name() {
        return target.name();
    }

    @Override
    public CompletionStage<Void> send(Message message) {
        long start = System.nanoTime();
        CompletionStage<Void> result;
        try {
            result = target.send(message);
        } catch (RuntimeException e) {
            completed(start, e);
            throw e;
        }
        result.whenComplete((ok, failure) -> completed(start, failure));
        return result;
    }

    @Override
    public List<CompletionStage<Void>> sendBatch(List<Message> messages) {
        long start = System.nanoTime();
        List<CompletionStage<Void>> results;
        try {
            results = target.sendBatch(messages);
        } catch (RuntimeException e) {
            completed(start, e);
            throw e;
        }
        for (CompletionStage<Void> r : results) {
            r.whenComplete((ok, failure) -> completed(start, failure));
        }
        return results;
    }

    private void completed(long start, Throwable failure) {
        long nanos = System.nanoTime() - start;
        Outcome outcome = monitor.completed(failure);
        for (Listener l : listeners) {
            l.sent(nanos, outcome);
        }
    }

    @Override
    public CompletionStage<Void> flush() {
        return target.flush();
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return target.toString();
    }
}
