package dev.edgeflow.gateway.internal;

import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Sink;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether one declared sink is failing: since when its sends have been completing exceptionally
 * with no success in between, and why; and, where the sink tells, since when its connection has
 * been down (a client that queues sends while it reconnects fails none of them, so a long outage
 * would not show otherwise). Shared by every route that sends to the sink.
 *
 * <p>A {@link MessageRejectedException} is not a failure of the sink: the far side answered and
 * refused that one message (too large, not JSON), which says nothing about the next one.
 */
final class SinkMonitor {
    private final String name;
    private final ConnectionProbe connection;
    private final Since failing = new Since();
    private final Since disconnected = new Since();
    private volatile Throwable lastFailure;

    SinkMonitor(String name, Sink sink) {
        this.name = name;
        this.connection = ConnectionProbe.of(sink);
    }

    String name() {
        return name;
    }

    ConnectionProbe connection() {
        return connection;
    }

    /** Records one send's outcome; returns it as the meters count it. */
    MonitoredSink.Outcome completed(Throwable failure) {
        if (failure == null) {
            failing.clear();
            return MonitoredSink.Outcome.SUCCESS;
        }
        Throwable cause = unwrap(failure);
        if (cause instanceof MessageRejectedException) {
            return MonitoredSink.Outcome.REJECTED;
        }
        lastFailure = cause;
        failing.begin();
        return MonitoredSink.Outcome.FAILURE;
    }

    /** @return how long the sink has been failing with no success since; zero when it is not */
    Duration failingFor() {
        return failing.elapsed();
    }

    /**
     * Looks at the sink's connection now, and notes since when it has been down: the first look
     * that found it down, until one finds it up. The gateway looks every second and on every
     * health check.
     *
     * @return {@code TRUE} or {@code FALSE} as the sink says, or null when it does not tell
     */
    Boolean observeConnection() {
        Boolean connected = connection.connected();
        if (Boolean.FALSE.equals(connected)) {
            disconnected.begin();
        } else {
            disconnected.clear();
        }
        return connected;
    }

    /** @return how long the connection has been seen down; zero when up or unknown */
    Duration disconnectedFor() {
        return disconnected.elapsed();
    }

    /** @return the cause of the last failed send, or null */
    Throwable lastFailure() {
        return lastFailure;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** Since when a condition has held: set by the first {@link #begin()} after a {@link #clear()}. */
    private static final class Since {
        private static final long NOT_SET = Long.MIN_VALUE;
        private final AtomicLong since = new AtomicLong(NOT_SET);

        void begin() {
            long now = System.nanoTime();
            since.compareAndSet(NOT_SET, now == NOT_SET ? now + 1 : now);
        }

        void clear() {
            since.set(NOT_SET);
        }

        /** @return how long the condition has held; zero when it does not */
        Duration elapsed() {
            long s = since.get();
            return s == NOT_SET ? Duration.ZERO : Duration.ofNanos(Math.max(0, System.nanoTime() - s));
        }
    }
}
