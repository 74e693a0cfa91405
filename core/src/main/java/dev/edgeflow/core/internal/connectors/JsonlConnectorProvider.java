package dev.edgeflow.core.internal.connectors;

import dev.edgeflow.core.Sink;
import dev.edgeflow.jsonl.JsonlSink;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.ConnectorProvider;
import dev.edgeflow.spi.InvalidOptionException;
import java.util.Set;

/**
 * Scheme {@code jsonl}: a {@link JsonlSink}. Options {@code path} (required; the path of
 * {@code jsonl:///var/lib/edgeflow/out.jsonl}), {@code maxBytes} (a size, default 64MB),
 * {@code maxFiles} (1 to 1000, default 5) and {@code fsync} (default false). Sink only.
 */
public final class JsonlConnectorProvider implements ConnectorProvider {
    private static final Set<String> OPTIONS = Set.of("path", "maxBytes", "maxFiles", "fsync");
    private static final String EXAMPLE = "/var/lib/edgeflow/readings.jsonl";

    @Override
    public Set<String> schemes() {
        return Set.of("jsonl");
    }

    @Override
    public void checkSource(ConnectorOptions options) {
        createSource(options);
    }

    @Override
    public void checkSink(ConnectorOptions options) {
        builder(options); // build() would create the directories and open the file
    }

    @Override
    public Sink createSink(ConnectorOptions options) {
        return builder(options).build();
    }

    private static JsonlSink.Builder builder(ConnectorOptions options) {
        // The two ways a file URI is commonly mistyped would otherwise read as unknown options.
        if (options.asMap().containsKey("name") && !options.asMap().containsKey("path")) {
            // jsonl:out.jsonl is an opaque URI, so ConnectorOptions reads the file as a "name".
            throw new InvalidOptionException("name", "connector 'jsonl' takes a file path, not a name ('"
                    + options.asMap().get("name") + "'): write the URI as jsonl://" + EXAMPLE
                    + " (three slashes, absolute path) or jsonl:?path=relative/out.jsonl");
        }
        if (options.asMap().containsKey("host")) {
            throw new InvalidOptionException("host", "connector 'jsonl' takes no host ('" + options.asMap().get("host")
                    + "'): a file URI needs three slashes, as in jsonl://" + EXAMPLE);
        }
        options.requireOnly(OPTIONS);
        return JsonlSink.builder(options.path("path", EXAMPLE))
                .maxBytes(options.size("maxBytes", JsonlSink.DEFAULT_MAX_BYTES))
                .maxFiles(options.integer("maxFiles", JsonlSink.DEFAULT_MAX_FILES, 1, JsonlSink.MAX_FILES_LIMIT))
                .fsync(options.bool("fsync", false));
    }
}
