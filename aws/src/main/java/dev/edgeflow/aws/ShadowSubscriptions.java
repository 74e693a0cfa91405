package dev.edgeflow.aws;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reserved-topic subscriptions of one shadow user, made once each and made again after the
 * connection comes back, because a broker that lost the session (a session expired while the
 * device was offline, a restarted broker) has lost them too and would answer into the void.
 */
final class ShadowSubscriptions implements AwsIotConnection.ConnectionListener {
    private static final Logger LOG = LoggerFactory.getLogger(ShadowSubscriptions.class);

    private final AwsIotConnection connection;
    private final String owner;
    private final Consumer<Message> handler;
    private final Runnable afterResubscribe;
    private final Map<String, CompletableFuture<AwsIotConnection.Subscription>> subscriptions =
            new ConcurrentHashMap<>();
    private volatile boolean wasDisconnected;
    private volatile boolean closed;

    ShadowSubscriptions(AwsIotConnection connection, String owner, Consumer<Message> handler,
            Runnable afterResubscribe) {
        this.connection = connection;
        this.owner = owner;
        this.handler = handler;
        this.afterResubscribe = afterResubscribe;
        connection.addListener(this);
    }

    /** Subscribes unless already subscribed; completes at the SUBACK. A refused one is tried again next time. */
    CompletableFuture<Void> ensure(String topic) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException(owner + " is closed"));
        }
        CompletableFuture<AwsIotConnection.Subscription> s = subscriptions.computeIfAbsent(topic,
                t -> connection.subscribe(t, Qos.AT_LEAST_ONCE, handler));
        s.whenComplete((ok, failure) -> {
            if (failure != null) {
                subscriptions.remove(topic, s);
            }
        });
        return s.thenApply(x -> null);
    }

    CompletableFuture<Void> ensureAll(String... topics) {
        CompletableFuture<?>[] all = new CompletableFuture<?>[topics.length];
        for (int i = 0; i < topics.length; i++) {
            all[i] = ensure(topics[i]);
        }
        return CompletableFuture.allOf(all);
    }

    @Override
    public void connected() {
        if (!wasDisconnected || closed) {
            return;
        }
        wasDisconnected = false;
        CompletableFuture<?>[] renewed = subscriptions.entrySet().stream().map(e -> renew(e.getKey(), e.getValue()))
                .toArray(CompletableFuture<?>[]::new);
        CompletableFuture.allOf(renewed).whenComplete((ok, failure) -> {
            if (failure != null) {
                LOG.warn("{}: subscribing again after the reconnect failed: {}", owner, failure.getMessage());
            } else if (!closed) {
                afterResubscribe.run();
            }
        });
    }

    /** The new handler goes in before the old one goes out, so that no answer falls between them. */
    private CompletableFuture<Void> renew(String topic, CompletableFuture<AwsIotConnection.Subscription> old) {
        CompletableFuture<AwsIotConnection.Subscription> fresh = connection.subscribe(topic, Qos.AT_LEAST_ONCE,
                handler);
        return fresh.thenAccept(handle -> {
            if (subscriptions.replace(topic, old, fresh)) {
                old.thenAccept(AwsIotConnection.Subscription::unsubscribe);
            } else {
                handle.unsubscribe();
            }
        });
    }

    @Override
    public void disconnected(AwsIotException problem) {
        wasDisconnected = true;
    }

    void close() {
        closed = true;
        connection.removeListener(this);
        for (CompletableFuture<AwsIotConnection.Subscription> s : subscriptions.values()) {
            s.thenAccept(handle -> handle.unsubscribe().exceptionally(e -> {
                LOG.debug("{}: unsubscribing failed: {}", owner, e.toString());
                return null;
            }));
        }
        subscriptions.clear();
    }
}
