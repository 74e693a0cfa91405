package dev.edgeflow.core.internal.connectors;

import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.ConnectorProvider;
import java.util.Set;

/**
 * Scheme {@code memory}: the named in-process sources and sinks of {@link MemorySource#named(String)}
 * and {@link MemorySink#named(String)}. Option {@code name} (the opaque part of {@code memory:orders}).
 */
public final class MemoryConnectorProvider implements ConnectorProvider {
    private static final Set<String> OPTIONS = Set.of("name");

    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public Source createSource(ConnectorOptions options) {
        return MemorySource.named(options.requireOnly(OPTIONS).requireString("name", "sensors"));
    }

    @Override
    public Sink createSink(ConnectorOptions options) {
        return MemorySink.named(options.requireOnly(OPTIONS).requireString("name", "out"));
    }

    // Checking must not touch the registry: creating and closing a named queue would remove one
    // that the application registered itself.
    @Override
    public void checkSource(ConnectorOptions options) {
        options.requireOnly(OPTIONS).requireString("name", "sensors");
    }

    @Override
    public void checkSink(ConnectorOptions options) {
        options.requireOnly(OPTIONS).requireString("name", "out");
    }
}
