package dev.edgeflow.testkit;

import dev.edgeflow.core.Delivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A {@link Flow.Subscriber} for tests: it requests nothing by itself, records every signal,
 * and notes every break of the Reactive Streams signalling rules it can see (a signal before
 * {@code onSubscribe}, a second {@code onSubscribe}, a signal after {@code onError} or
 * {@code onComplete}, two threads signalling at once).
 *
 * <pre>{@code
 * RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
 * source.subscribe(subscriber);
 * subscriber.request(3);
 * await().until(() -> subscriber.count() == 3);
 * assertThat(subscriber.violations()).isEmpty();
 * }</pre>
 *
 * <p>Thread-safe: signals may arrive on any thread while the test reads the records.
 *
 * @param <T> the type of items
 * @since 0.1.0
 */
public final class RecordingSubscriber<T> implements Flow.Subscriber<T> {
    private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(10);

    private final Consumer<? super T> onEach;
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    private final List<T> items = Collections.synchronizedList(new ArrayList<>());
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger completions = new AtomicInteger();
    private final AtomicInteger errors = new AtomicInteger();
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();
    private final AtomicReference<Thread> signalling = new AtomicReference<>();

    /**
     * Creates a subscriber that runs an action on each item as it arrives, on the thread that
     * delivers it.
     *
     * @param onEach the action, such as {@code Delivery::ack}; an exception from it is recorded
     *     as a violation and not thrown back to the publisher
     */
    public RecordingSubscriber(Consumer<? super T> onEach) {
        this.onEach = Objects.requireNonNull(onEach, "onEach");
    }

    /**
     * Creates a subscriber that only records.
     *
     * @param <T> the type of items
     * @return the subscriber
     */
    public static <T> RecordingSubscriber<T> recording() {
        return new RecordingSubscriber<>(item -> { });
    }

    /**
     * Creates a subscriber of deliveries that acknowledges each one as it arrives, so that a
     * source's limit on unacknowledged deliveries never stands in for its demand handling.
     *
     * @return the subscriber
     */
    public static RecordingSubscriber<Delivery> acking() {
        return new RecordingSubscriber<>(Delivery::ack);
    }

    /**
     * Requests more items, waiting up to 10 seconds for {@code onSubscribe} if it has not yet
     * come.
     *
     * @param n the demand to add; passed on as it is, so zero and negative values test rule 3.9
     * @throws AssertionError if the publisher did not call {@code onSubscribe} within 10 seconds
     */
    public void request(long n) {
        awaitSubscription().request(n);
    }

    /**
     * Cancels the subscription, waiting up to 10 seconds for {@code onSubscribe} if it has not
     * yet come.
     *
     * @throws AssertionError if the publisher did not call {@code onSubscribe} within 10 seconds
     */
    public void cancel() {
        awaitSubscription().cancel();
    }

    private Flow.Subscription awaitSubscription() {
        try {
            if (!subscribed.await(SUBSCRIBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the publisher did not call onSubscribe within " + SUBSCRIBE_TIMEOUT
                        + " of subscribe(); Reactive Streams rule 1.9 asks for onSubscribe before any other signal");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for onSubscribe", e);
        }
        return subscription.get();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        Objects.requireNonNull(s, "subscription");
        boolean owner = enter("onSubscribe");
        try {
            if (!subscription.compareAndSet(null, s)) {
                violations.add("onSubscribe was called more than once (rule 2.5)");
                s.cancel();
                return;
            }
            subscribed.countDown();
        } finally {
            leave(owner);
        }
    }

    @Override
    public void onNext(T item) {
        boolean owner = enter("onNext");
        try {
            checkSubscribedAndOpen("onNext");
            items.add(item);
            try {
                onEach.accept(item);
            } catch (RuntimeException e) {
                violations.add("the action on item " + item + " threw " + e);
            }
        } finally {
            leave(owner);
        }
    }

    @Override
    public void onError(Throwable error) {
        boolean owner = enter("onError");
        try {
            checkSubscribedAndOpen("onError");
            if (error == null) {
                violations.add("onError was called with null (rule 2.13)");
            }
            firstError.compareAndSet(null, error);
            errors.incrementAndGet();
        } finally {
            leave(owner);
        }
    }

    @Override
    public void onComplete() {
        boolean owner = enter("onComplete");
        try {
            checkSubscribedAndOpen("onComplete");
            completions.incrementAndGet();
        } finally {
            leave(owner);
        }
    }

    private void checkSubscribedAndOpen(String signal) {
        if (subscription.get() == null) {
            violations.add(signal + " came before onSubscribe (rule 1.9)");
        }
        if (terminalSignals() > 0) {
            violations.add(signal + " came after a terminal signal (rule 1.7)");
        }
    }

    // Re-entry on the same thread is allowed (request from onNext may recurse, rule 3.3);
    // overlap with another thread is not (rule 1.3). Returns whether this call took the
    // signalling slot, so that only the outermost call gives it back.
    private boolean enter(String signal) {
        Thread me = Thread.currentThread();
        if (signalling.compareAndSet(null, me)) {
            return true;
        }
        Thread other = signalling.get();
        if (other != me) {
            violations.add(signal + " on thread " + me.getName() + " overlapped a signal on thread "
                    + (other == null ? "(just finished)" : other.getName()) + " (rule 1.3: signals must be serial)");
        }
        return false;
    }

    private void leave(boolean owner) {
        if (owner) {
            signalling.set(null);
        }
    }

    /**
     * Returns the items received so far.
     *
     * @return a copy, in arrival order
     */
    public List<T> items() {
        synchronized (items) {
            return new ArrayList<>(items);
        }
    }

    /**
     * Returns how many items were received.
     *
     * @return the count
     */
    public int count() {
        return items.size();
    }

    /**
     * Returns the first error signalled.
     *
     * @return the error, or empty if {@code onError} was not called
     */
    public Optional<Throwable> error() {
        return Optional.ofNullable(firstError.get());
    }

    /**
     * Tells whether {@code onComplete} was called.
     *
     * @return {@code true} once completed
     */
    public boolean isCompleted() {
        return completions.get() > 0;
    }

    /**
     * Returns how many terminal signals ({@code onError} and {@code onComplete}) arrived; a
     * publisher that keeps the rules sends at most one.
     *
     * @return the count
     */
    public int terminalSignals() {
        return completions.get() + errors.get();
    }

    /**
     * Tells whether {@code onSubscribe} was called.
     *
     * @return {@code true} once subscribed
     */
    public boolean isSubscribed() {
        return subscription.get() != null;
    }

    /**
     * Returns the rule breaks seen so far, each described with the rule it breaks.
     *
     * @return a copy, empty if the publisher kept every rule this subscriber can check
     */
    public List<String> violations() {
        synchronized (violations) {
            return new ArrayList<>(violations);
        }
    }

    @Override
    public String toString() {
        return "RecordingSubscriber{items=" + count() + ", completed=" + isCompleted() + ", error=" + firstError.get()
                + ", violations=" + violations() + "}";
    }
}
