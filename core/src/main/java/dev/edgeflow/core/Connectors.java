package dev.edgeflow.core;

import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.ConnectorProvider;
import java.net.URI;
import java.util.Collections;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates sources and sinks by scheme, from whichever edgeflow provider jars are on the
 * class path or module path.
 *
 * <pre>{@code
 * Sink archive = Connectors.sink(URI.create("jsonl:///var/lib/edgeflow/readings.jsonl?maxBytes=10MB"));
 * Sink audit = Connectors.sink("log", Map.of("name", "edgeflow.audit"));
 * }</pre>
 *
 * <p>Core brings {@code memory}, {@code log} and {@code jsonl}. A scheme that no jar on the
 * path serves fails with the schemes that are there and the artifact that adds the missing
 * one. Providers are looked up once, on first use; the methods are thread-safe.
 *
 * @since 0.1.0
 */
public final class Connectors {
    private static final Logger LOG = LoggerFactory.getLogger(Connectors.class);
    private static final Map<String, String> ARTIFACTS = Map.of(
            "mqtt", "dev.edgeflow:edgeflow-mqtt",
            "mqtts", "dev.edgeflow:edgeflow-mqtt",
            "pubsub", "dev.edgeflow:edgeflow-gcp",
            "awsiot", "dev.edgeflow:edgeflow-aws",
            "pi4j", "dev.edgeflow:edgeflow-pi4j-sensors",
            "influxdb", "dev.edgeflow:edgeflow-timeseries",
            "postgres", "dev.edgeflow:edgeflow-timeseries",
            "h2", "dev.edgeflow:edgeflow-timeseries");

    private static volatile Map<String, ConnectorProvider> providers;

    private Connectors() {
    }

    /**
     * Creates a source.
     *
     * @param scheme the connector scheme, such as {@code memory}
     * @param options the connector's options
     * @return a new source
     * @throws IllegalArgumentException if no provider serves the scheme; the message lists the
     *     schemes available and the artifact to add
     * @throws dev.edgeflow.spi.InvalidOptionException if an option is missing, unknown or bad
     */
    public static Source source(String scheme, Map<String, ?> options) {
        return source(ConnectorOptions.of(scheme, options));
    }

    /**
     * Creates a source from a URI such as {@code memory:sensors}.
     *
     * @param uri the URI; its scheme picks the provider
     * @return a new source
     * @throws IllegalArgumentException if no provider serves the scheme
     * @throws dev.edgeflow.spi.InvalidOptionException if an option is missing, unknown or bad
     */
    public static Source source(URI uri) {
        return source(ConnectorOptions.fromUri(uri));
    }

    /**
     * Creates a source from options.
     *
     * @param options the options; their scheme picks the provider
     * @return a new source
     * @throws IllegalArgumentException if no provider serves the scheme
     * @throws dev.edgeflow.spi.InvalidOptionException if an option is missing, unknown or bad
     */
    public static Source source(ConnectorOptions options) {
        return provider(options.scheme()).createSource(options);
    }

    /**
     * Creates a sink.
     *
     * @param scheme the connector scheme, such as {@code jsonl}
     * @param options the connector's options
     * @return a new sink
     * @throws IllegalArgumentException if no provider serves the scheme
     * @throws dev.edgeflow.spi.InvalidOptionException if an option is missing, unknown or bad
     */
    public static Sink sink(String scheme, Map<String, ?> options) {
        return sink(ConnectorOptions.of(scheme, options));
    }

    /**
     * Creates a sink from a URI such as {@code jsonl:///tmp/out.jsonl?maxBytes=10MB}.
     *
     * @param uri the URI; its scheme picks the provider
     * @return a new sink
     * @throws IllegalArgumentException if no provider serves the scheme
     * @throws dev.edgeflow.spi.InvalidOptionException if an option is missing, unknown or bad
     */
    public static Sink sink(URI uri) {
        return sink(ConnectorOptions.fromUri(uri));
    }

    /**
     * Creates a sink from options.
     *
     * @param options the options; their scheme picks the provider
     * @return a new sink
     * @throws IllegalArgumentException if no provider serves the scheme
     * @throws dev.edgeflow.spi.InvalidOptionException if an option is missing, unknown or bad
     */
    public static Sink sink(ConnectorOptions options) {
        return provider(options.scheme()).createSink(options);
    }

    /**
     * Checks source options as {@link #source(ConnectorOptions)} would, without creating the
     * source: see {@link ConnectorProvider#checkSource(ConnectorOptions)}. Does no I/O.
     *
     * @param options the options; their scheme picks the provider
     * @throws IllegalArgumentException if no provider serves the scheme; the message lists the
     *     schemes available and the artifact to add
     * @throws dev.edgeflow.spi.InvalidOptionException if an option is missing, unknown or bad
     * @throws UnsupportedOperationException if the scheme has no source
     * @since 0.1.0
     */
    public static void checkSource(ConnectorOptions options) {
        provider(options.scheme()).checkSource(options);
    }

    /**
     * Checks sink options as {@link #sink(ConnectorOptions)} would, without creating the sink:
     * see {@link ConnectorProvider#checkSink(ConnectorOptions)}. Does no I/O.
     *
     * @param options the options; their scheme picks the provider
     * @throws IllegalArgumentException if no provider serves the scheme; the message lists the
     *     schemes available and the artifact to add
     * @throws dev.edgeflow.spi.InvalidOptionException if an option is missing, unknown or bad
     * @throws UnsupportedOperationException if the scheme has no sink
     * @since 0.1.0
     */
    public static void checkSink(ConnectorOptions options) {
        provider(options.scheme()).checkSink(options);
    }

    /**
     * Returns the schemes the providers on the path serve.
     *
     * @return the schemes, sorted
     */
    public static Set<String> schemes() {
        return Collections.unmodifiableSet(new TreeSet<>(providers().keySet()));
    }

    private static ConnectorProvider provider(String scheme) {
        ConnectorProvider provider = providers().get(scheme);
        if (provider == null) {
            String artifact = ARTIFACTS.get(scheme);
            throw new IllegalArgumentException("no edgeflow connector for scheme '" + scheme + "'; available: "
                    + String.join(", ", schemes()) + ". "
                    + (artifact != null
                            ? "Add " + artifact + " to your dependencies to get it."
                            : suggestion(scheme)));
        }
        return provider;
    }

    private static String suggestion(String scheme) {
        Set<String> known = new TreeSet<>(providers().keySet());
        known.addAll(ARTIFACTS.keySet());
        for (String candidate : known) {
            if (withinOneEdit(scheme, candidate)) {
                return "Did you mean '" + candidate + "'?";
            }
        }
        return "Check the spelling, or add the jar of the provider that serves it.";
    }

    private static boolean withinOneEdit(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 1) {
            return false;
        }
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        int j = 0;
        while (j < a.length() - i && j < b.length() - i
                && a.charAt(a.length() - 1 - j) == b.charAt(b.length() - 1 - j)) {
            j++;
        }
        int restA = a.length() - i - j;
        int restB = b.length() - i - j;
        boolean swapped = restA == 2 && restB == 2 && a.charAt(i) == b.charAt(i + 1) && a.charAt(i + 1) == b.charAt(i);
        return restA <= 1 && restB <= 1 || swapped;
    }

    private static Map<String, ConnectorProvider> providers() {
        Map<String, ConnectorProvider> p = providers;
        if (p == null) {
            synchronized (Connectors.class) {
                p = providers;
                if (p == null) {
                    providers = p = load();
                }
            }
        }
        return p;
    }

    private static Map<String, ConnectorProvider> load() {
        Map<String, ConnectorProvider> found = new TreeMap<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ServiceLoader<ConnectorProvider> services = ServiceLoader.load(ConnectorProvider.class,
                loader != null ? loader : Connectors.class.getClassLoader());
        var it = services.iterator();
        while (true) {
            ConnectorProvider provider;
            try {
                if (!it.hasNext()) {
                    break;
                }
                provider = it.next();
            } catch (ServiceConfigurationError e) {
                LOG.error("an edgeflow connector provider could not be loaded and is skipped", e);
                continue;
            }
            for (String scheme : provider.schemes()) {
                ConnectorProvider previous = found.putIfAbsent(scheme, provider);
                if (previous != null && previous.getClass() != provider.getClass()) {
                    LOG.warn("scheme '{}' is served by both {} and {}; using the first", scheme,
                            previous.getClass().getName(), provider.getClass().getName());
                }
            }
        }
        return Collections.unmodifiableMap(found);
    }
}
