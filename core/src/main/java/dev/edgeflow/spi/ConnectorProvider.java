package dev.edgeflow.spi;

import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import java.util.Set;

/**
 * Makes sources and sinks for one or more URI schemes. Providers are found with
 * {@link java.util.ServiceLoader}: a provider module lists its implementation in
 * {@code META-INF/services/dev.edgeflow.spi.ConnectorProvider} (and, with a module descriptor,
 * {@code provides}). An implementation has a public no-argument constructor and is thread-safe.
 *
 * <p>Each factory checks its options with {@link ConnectorOptions#requireOnly(Set)} and the
 * typed getters, so that a bad option fails with its name, its value and what is allowed, and
 * maps them onto the provider's own builder.
 *
 * @since 0.1.0
 */
public interface ConnectorProvider {

    /**
     * Returns the schemes this provider serves.
     *
     * @return lower-case schemes, such as {@code mqtt} and {@code mqtts}
     */
    Set<String> schemes();

    /**
     * Creates a source.
     *
     * @param options the options, with one of {@link #schemes()} as scheme
     * @return a new source
     * @throws InvalidOptionException if an option is missing, unknown or bad
     * @throws UnsupportedOperationException if the scheme has no source
     */
    default Source createSource(ConnectorOptions options) {
        throw new UnsupportedOperationException("connector '" + options.scheme()
                + "' can only be a sink, not a source");
    }

    /**
     * Creates a sink.
     *
     * @param options the options, with one of {@link #schemes()} as scheme
     * @return a new sink
     * @throws InvalidOptionException if an option is missing, unknown or bad
     * @throws UnsupportedOperationException if the scheme has no sink
     */
    default Sink createSink(ConnectorOptions options) {
        throw new UnsupportedOperationException("connector '" + options.scheme()
                + "' can only be a source, not a sink");
    }
}
