package dev.edgeflow.gateway.internal;

import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Source;
import dev.edgeflow.core.TopicFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Shares one subscription to a source among the routes that read from it: one MQTT connection,
 * one Pub/Sub subscriber, one named memory queue, however many routes. Each route gets a child
 * {@link Source} that sees the deliveries matching its topic filter.
 *
 * <p><b>Demand.</b> The source is asked for no more than the smallest outstanding demand of the
 * routes, so no route is ever given more than it asked for; the slowest route therefore paces the
 * source, as the slowest sink paces one pipeline. <b>Acknowledgement.</b> A delivery is acked to
 * the source once every route it went to has acked it, nacked (with the first cause) if any
 * route nacked it, and acked at once if it matched no route (counted in {@link #unrouted()}).
 */
final class FanOut {
    private final Source upstream;
    private final List<Child> children = new ArrayList<>();
    private final Object lock = new Object();
    private final LongAdder unrouted = new LongAdder();
    private volatile boolean subscribed;
    private volatile boolean ended;
    private volatile Throwable error;
    private Flow.Subscription subscription; // guarded by lock
    private long requested; // upstream demand not yet delivered, guarded by lock
    private boolean cancelled; // guarded by lock

    FanOut(Source upstream) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
    }

    Source child(String name, String topicFilter) {
        Child c = new Child(name, TopicFilter.of(topicFilter));
        children.add(c);
        return c;
    }

    long unrouted() {
        return unrouted.sum();
    }

    /** @return the source's name */
    String sourceName() {
        return upstream.name();
    }

    /** @return whether the source has called {@code onSubscribe} and not ended since */
    boolean subscribed() {
        return subscribed && !ended;
    }

    /** @return whether the source has ended, with {@code onComplete} or {@code onError} */
    boolean ended() {
        return ended;
    }

    /** @return the source's {@code onError} cause, or null */
    Throwable error() {
        return error;
    }

    /** Subscribes to the source; call once every child's pipeline has subscribed. */
    void connect() {
        upstream.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                boolean cancelNow;
                synchronized (lock) {
                    subscription = s;
                    cancelNow = cancelled;
                }
                subscribed = true;
                if (cancelNow) {
                    s.cancel();
                } else {
                    requestMore();
                }
            }

            @Override
            public void onNext(Delivery delivery) {
                dispatch(delivery);
            }

            @Override
            public void onError(Throwable failure) {
                error = failure;
                ended = true;
                children.forEach(c -> c.terminate(failure));
            }

            @Override
            public void onComplete() {
                ended = true;
                children.forEach(c -> c.terminate(null));
            }
        });
    }

    /** Cancels the subscription to the source: no new deliveries; those already taken go on. */
    void cancel() {
        Flow.Subscription s;
        synchronized (lock) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            s = subscription;
        }
        if (s != null) {
            s.cancel();
        }
    }

    private void requestMore() {
        Flow.Subscription s;
        long n;
        synchronized (lock) {
            if (subscription == null || cancelled) {
                return;
            }
            long min = Long.MAX_VALUE;
            boolean anyActive = false;
            for (Child c : children) {
                if (!c.cancelled) {
                    anyActive = true;
                    min = Math.min(min, c.credit);
                }
            }
            if (!anyActive) {
                cancelled = true;
                subscription.cancel();
                return;
            }
            n = min - requested;
            if (n <= 0) {
                return;
            }
            requested += n;
            s = subscription;
        }
        s.request(n);
    }

    private void dispatch(Delivery delivery) {
        Message m = delivery.message();
        List<Child> targets = new ArrayList<>(children.size());
        synchronized (lock) {
            if (requested != Long.MAX_VALUE) {
                requested--;
            }
            for (Child c : children) {
                if (!c.cancelled && c.filter.matches(m.topic())) {
                    if (c.credit != Long.MAX_VALUE) {
                        c.credit--;
                    }
                    targets.add(c);
                }
            }
        }
        if (targets.isEmpty()) {
            unrouted.increment();
            delivery.ack();
        } else {
            Shared shared = new Shared(delivery, targets.size());
            for (Child c : targets) {
                c.deliver(Delivery.redelivery(m, shared, delivery.attempt()));
            }
        }
        requestMore();
    }

    /** Settles the source's delivery once every route's copy is settled. */
    private static final class Shared implements Delivery.Acknowledger {
        private final Delivery parent;
        private final AtomicInteger pending;
        private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();

        Shared(Delivery parent, int copies) {
            this.parent = parent;
            this.pending = new AtomicInteger(copies);
        }

        @Override
        public void ack(Delivery delivery) {
            settled();
        }

        @Override
        public void nack(Delivery delivery, Throwable cause) {
            firstFailure.compareAndSet(null, cause);
            settled();
        }

        private void settled() {
            if (pending.decrementAndGet() == 0) {
                Throwable failure = firstFailure.get();
                if (failure == null) {
                    parent.ack();
                } else {
                    parent.nack(failure);
                }
            }
        }
    }

    private final class Child implements Source {
        private final String name;
        private final TopicFilter filter;
        private volatile Flow.Subscriber<? super Delivery> subscriber;
        private long credit; // guarded by lock
        private volatile boolean cancelled;

        Child(String name, TopicFilter filter) {
            this.name = name;
            this.filter = filter;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean redeliversOnNack() {
            return upstream.redeliversOnNack();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super Delivery> s) {
            if (subscriber != null) {
                s.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
                s.onError(new IllegalStateException("route source " + name + " takes one subscriber"));
                return;
            }
            subscriber = s;
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    if (n <= 0) {
                        s.onError(new IllegalArgumentException("request(" + n + "): demand must be positive"));
                        return;
                    }
                    synchronized (lock) {
                        credit = credit + n < 0 ? Long.MAX_VALUE : credit + n;
                    }
                    requestMore();
                }

                @Override
                public void cancel() {
                    cancelled = true;
                    requestMore();
                }
            });
        }

        void deliver(Delivery d) {
            Flow.Subscriber<? super Delivery> s = subscriber;
            if (s != null) {
                s.onNext(d);
            } else {
                d.nack(new IllegalStateException("route " + name + " has not subscribed"));
            }
        }

        void terminate(Throwable failure) {
            Flow.Subscriber<? super Delivery> s = subscriber;
            if (s == null || cancelled) {
                return;
            }
            if (failure == null) {
                s.onComplete();
            } else {
                s.onError(failure);
            }
        }

        // The gateway closes the shared source itself, after every route has stopped.
        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return name + " of " + upstream.name();
        }
    }
}
