package dev.edgeflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.internal.Futures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** Waiting, closing and thread bookkeeping shared by the contracts. */
final class ContractSupport {
    private static final Duration POLL = Duration.ofMillis(10);

    private ContractSupport() {
    }

    /** A condition wait, polled on the test thread so that it starts no thread of its own. */
    static ConditionFactory eventually(String what, Duration atMost) {
        return Awaitility.await(what).atMost(atMost).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(POLL);
    }

    /**
     * Waits until a count reaches {@code expected}, fails at once if it went past it, then
     * checks that it stays there for the quiet period (if not zero). {@code context} (such as
     * the subscriber) is shown when the check fails.
     */
    static void reachesAndStays(String what, LongSupplier count, long expected, Duration timeout, Duration quiet,
            Object context) {
        eventually(what + " reaches " + expected, timeout).untilAsserted(() -> assertThat(count.getAsLong())
                .as("%s; %s", what, context).isGreaterThanOrEqualTo(expected));
        assertThat(count.getAsLong()).as("%s; %s", what, context).isEqualTo(expected);
        if (!quiet.isZero()) {
            stays(what, count, expected, quiet, context);
        }
    }

    /** Checks that a count keeps a value for the quiet period; {@code context} is shown on failure. */
    static void stays(String what, LongSupplier count, long expected, Duration quiet, Object context) {
        // during(): the condition must hold for the whole period; a count that moves fails the wait.
        eventually(what + " stays at " + expected + " for " + quiet.toMillis() + " ms", quiet.multipliedBy(2))
                .during(quiet)
                .untilAsserted(() -> assertThat(count.getAsLong()).as("%s; %s", what, context).isEqualTo(expected));
    }

    /** An object whose {@code toString()} asks the supplier, for failure messages that show the state at failure. */
    static Object lazily(Supplier<?> description) {
        return new Object() {
            @Override
            public String toString() {
                return String.valueOf(description.get());
            }
        };
    }

    /** Skips the test, loudly (see {@link Peers#skip(String)}), unless the condition holds. */
    static void skipUnless(boolean condition, Supplier<String> reason) {
        if (!condition) {
            Peers.skip(reason.get());
        }
    }

    /** Adapts a stage without relying on {@code toCompletableFuture()}, which a stage may refuse. */
    static CompletableFuture<Void> future(CompletionStage<Void> stage) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        stage.whenComplete((ignored, failure) -> {
            if (failure == null) {
                future.complete(null);
            } else {
                future.completeExceptionally(failure);
            }
        });
        return future;
    }

    /** Waits for a stage to complete normally. */
    static void completesNormally(String what, CompletionStage<Void> stage, Duration timeout) {
        assertThat(stage).as(what + " returned null instead of a completion").isNotNull();
        try {
            future(stage).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " completed exceptionally: " + Futures.unwrap(e), Futures.unwrap(e));
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not complete within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }

    /** Waits for a stage to complete exceptionally, and returns the failure without wrappers. */
    static Throwable failsWith(String what, CompletionStage<Void> stage, Duration timeout) {
        assertThat(stage).as(what + " returned null instead of a completion").isNotNull();
        try {
            future(stage).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            return Futures.unwrap(e);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not complete within " + timeout
                    + "; it should have completed exceptionally");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
        return fail(what + " completed normally; it should have completed exceptionally");
    }

    /** Waits for a stage to complete either way; returns the failure or null. */
    static Throwable settles(String what, CompletionStage<Void> stage, Duration timeout) {
        assertThat(stage).as(what + " returned null instead of a completion").isNotNull();
        try {
            future(stage).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return null;
        } catch (ExecutionException e) {
            return Futures.unwrap(e);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not complete, normally or exceptionally, within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }

    /**
     * Calls {@code close()} on a thread of its own and fails if it throws or does not return
     * within the timeout. The thread is a daemon and not named edgeflow, so the thread checks
     * do not count it.
     */
    static void closesWithin(String what, AutoCloseable closeable, Duration timeout) {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            try {
                closeable.close();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "testkit-closer");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what + ".close()", e);
        }
        if (closer.isAlive()) {
            throw new AssertionError(what + ".close() did not return within " + timeout + "; it is blocked in\n  "
                    + String.join("\n  ", Arrays.stream(closer.getStackTrace()).map(String::valueOf).toList()));
        }
        if (thrown.get() != null) {
            throw new AssertionError(what + ".close() threw " + thrown.get() + "; close() must not throw",
                    thrown.get());
        }
    }

    /** Closes without judging; for cleanup after a test, when the test has already judged. */
    static void closeQuietly(AutoCloseable closeable, List<Throwable> problems) {
        try {
            closeable.close();
        } catch (Exception e) {
            problems.add(e);
        }
    }

    static Set<Thread> liveThreads() {
        Set<Thread> threads = Collections.newSetFromMap(new IdentityHashMap<>());
        threads.addAll(Thread.getAllStackTraces().keySet());
        return threads;
    }

    /** Describes the live threads that were not in {@code before} and that {@code owned} claims. */
    static List<String> newThreads(Set<Thread> before, Predicate<Thread> owned) {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !before.contains(t) && t != Thread.currentThread() && owned.test(t)) {
                out.add(t.getName() + (t.isDaemon() ? " (daemon, " : " (non-daemon, ") + t.getState() + ")");
            }
        }
        return out;
    }

    /** The default test of whether a thread belongs to the code under test. */
    static boolean isProviderThread(Thread thread) {
        String name = thread.getName().toLowerCase(Locale.ROOT);
        if (name.startsWith("awaitility") || name.startsWith("testkit-")) {
            return false;
        }
        return !thread.isDaemon() || name.contains("edgeflow");
    }

    /** Payloads match byte for byte, or as JSON values when both are JSON. */
    static boolean samePayload(Message actual, Message expected) {
        if (Arrays.equals(actual.payload(), expected.payload())) {
            return true;
        }
        return actual.isJson() && expected.isJson() && actual.payloadAsJson().equals(expected.payloadAsJson());
    }
}
