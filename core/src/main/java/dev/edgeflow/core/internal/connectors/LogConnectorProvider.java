package dev.edgeflow.core.internal.connectors;

import dev.edgeflow.core.Sink;
import dev.edgeflow.log.LogSink;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.ConnectorProvider;
import java.util.Set;
import org.slf4j.event.Level;

/**
 * Scheme {@code log}: a {@link LogSink}. Options {@code name} (the logger; the opaque part of
 * {@code log:edgeflow.audit}), {@code level} (TRACE, DEBUG, INFO, WARN, ERROR), {@code payload}
 * (true/false) and {@code maxPayloadChars}. Sink only: there is nothing to read from a log.
 */
public final class LogConnectorProvider implements ConnectorProvider {
    private static final Set<String> OPTIONS = Set.of("name", "level", "payload", "maxPayloadChars");

    @Override
    public Set<String> schemes() {
        return Set.of("log");
    }

    @Override
    public void checkSource(ConnectorOptions options) {
        createSource(options);
    }

    @Override
    public void checkSink(ConnectorOptions options) {
        // A LogSink holds a logger and nothing else: creating one is the check.
        createSink(options).close();
    }

    @Override
    public Sink createSink(ConnectorOptions options) {
        options.requireOnly(OPTIONS);
        LogSink.Builder builder = LogSink.builder()
                .level(options.enumValue("level", Level.class, Level.INFO))
                .payload(options.bool("payload", true))
                .maxPayloadChars(options.integer("maxPayloadChars", LogSink.DEFAULT_MAX_PAYLOAD_CHARS, 1, 1_000_000));
        String name = options.string("name").orElse(LogSink.DEFAULT_NAME);
        if (name.isBlank()) {
            throw options.bad("name", name, "a logger name such as edgeflow.audit");
        }
        return builder.name(name).build();
    }
}
