package dev.edgeflow.core.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;

/**
 * Logs a warning at most once per interval and says how many were held back, so that a
 * flood of drops or failures cannot flood the log.
 */
public final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
    private final LongAdder suppressed = new LongAdder();

    /**
     * Creates the limiter.
     *
     * @param log where to log
     * @param intervalSeconds the least time between two lines
     */
    public RateLimitedLog(Logger log, long intervalSeconds) {
        this.log = log;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(intervalSeconds);
    }

    /**
     * Logs a warning unless one was logged within the interval.
     *
     * @param format an SLF4J format
     * @param args its arguments
     */
    public void warn(String format, Object... args) {
        long now = System.nanoTime();
        long next = nextAllowed.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextAllowed.compareAndSet(next, now + intervalNanos)) {
            long held = suppressed.sumThenReset();
            if (held > 0) {
                log.warn(format + " ({} more like this in the last interval were not logged)", append(args, held));
            } else {
                log.warn(format, args);
            }
        } else {
            suppressed.increment();
        }
    }

    private static Object[] append(Object[] args, Object extra) {
        // Keep a trailing Throwable last so SLF4J still prints its stack trace.
        Object[] out = new Object[args.length + 1];
        if (args.length > 0 && args[args.length - 1] instanceof Throwable) {
            System.arraycopy(args, 0, out, 0, args.length - 1);
            out[args.length - 1] = extra;
            out[args.length] = args[args.length - 1];
        } else {
            System.arraycopy(args, 0, out, 0, args.length);
            out[args.length] = extra;
        }
        return out;
    }
}
