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

    /**
     * Checks source options as {@link #createSource(ConnectorOptions)} would, without creating
     * anything: no connection, no thread, no file created or opened, no hardware touched. A
     * configuration tool calls it to report every bad option before anything starts. Problems
     * that only the far side can tell (a broker that is down, a certificate file that is not
     * there) are left to {@code createSource} and to starting the source.
     *
     * <p>The default does nothing, so that providers written before this method still load;
     * their options are then checked only when the source is created.
     *
     * @param options the options, with one of {@link #schemes()} as scheme
     * @throws InvalidOptionException if an option is missing, unknown or bad
     * @throws UnsupportedOperationException if the scheme has no source
     * @since 0.1.0
     */
    default void checkSource(ConnectorOptions options) {
    }

    /**
     * Checks sink options as {@link #createSink(ConnectorOptions)} would, without creating
     * anything, as {@link #checkSource(ConnectorOptions)} does for sources.
     *
     * <p>The default does nothing; options are then checked only when the sink is created.
     *
     * @param options the options, with one of {@link #schemes()} as scheme
     * @throws InvalidOptionException if an option is missing, unknown or bad
     * @throws UnsupportedOperationException if the scheme has no sink
     * @since 0.1.0
     */
    default void checkSink(ConnectorOptions options) {
    }
}
