package dev.edgeflow.gateway;

import dev.edgeflow.core.ConnectionAware;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.ConnectorProvider;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Scheme {@code switch}, for tests: a named memory queue whose connection a test turns up and
 * down, and a sink that fails every send while its switch is on, like a cloud that is away.
 */
public final class SwitchConnectorProvider implements ConnectorProvider {
    private static final Map<String, AtomicBoolean> FAILING = new ConcurrentHashMap<>();
    private static final Map<String, AtomicBoolean> CONNECTED = new ConcurrentHashMap<>();

    static AtomicBoolean failing(String name) {
        return FAILING.computeIfAbsent(name, n -> new AtomicBoolean());
    }

    static AtomicBoolean connected(String name) {
        return CONNECTED.computeIfAbsent(name, n -> new AtomicBoolean(true));
    }

    @Override
    public Set<String> schemes() {
        return Set.of("switch");
    }

    @Override
    public Source createSource(ConnectorOptions options) {
        return new SwitchSource(options.requireOnly(Set.of("name")).requireString("name", "in"));
    }

    @Override
    public Sink createSink(ConnectorOptions options) {
        return new SwitchSink(options.requireOnly(Set.of("name")).requireString("name", "out"));
    }

    /** A memory source that says whether it is connected. */
    public static final class SwitchSource implements Source, ConnectionAware {
        private final MemorySource queue;
        private final AtomicBoolean connected;

        SwitchSource(String name) {
            this.queue = MemorySource.named(name);
            this.connected = connected(name);
        }

        /** @return the test's switch */
        @Override
        public boolean isConnected() {
            return connected.get();
        }

        @Override
        public String name() {
            return "switch:" + queue.name();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super Delivery> subscriber) {
            queue.subscribe(subscriber);
        }

        @Override
        public void close() {
            queue.close();
        }
    }

    /** A memory sink that fails every send while its switch is on. */
    public static final class SwitchSink implements Sink, ConnectionAware {
        private final MemorySink out;
        private final AtomicBoolean failing;
        private final AtomicBoolean connected;

        SwitchSink(String name) {
            this.out = MemorySink.named(name);
            this.failing = failing(name);
            this.connected = connected(name);
        }

        /** @return the test's switch */
        @Override
        public boolean isConnected() {
            return connected.get();
        }

        @Override
        public String name() {
            return "switch:" + out.name();
        }

        @Override
        public CompletionStage<Void> send(Message message) {
            if (failing.get()) {
                return CompletableFuture.failedFuture(new IOException("the far side is away"));
            }
            return out.send(message);
        }

        @Override
        public void close() {
            out.close();
        }
    }
}
