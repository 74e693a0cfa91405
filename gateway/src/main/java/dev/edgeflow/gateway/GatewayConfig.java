package dev.edgeflow.gateway;

import dev.edgeflow.gateway.internal.ConfigReader;
import dev.edgeflow.gateway.internal.ResolvedConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A gateway file that has been read and checked: sources, sinks and the routes between them.
 *
 * <pre>{@code
 * GatewayConfig config = GatewayConfig.load(Path.of("/etc/edgeflow/gateway.yaml"));
 * log.info("effective configuration:\n{}", config.show());
 * }</pre>
 *
 * <p>Loading checks everything that can be checked without the network: unknown keys, values of
 * the wrong type, names that are declared twice or not at all, topic filters, provider types and
 * each provider's options (through {@link dev.edgeflow.spi.ConnectorProvider#checkSource}, which
 * creates nothing). A broker that is down is found only by {@link Gateway#start(GatewayConfig)}.
 *
 * <p>Immutable and thread-safe. Secrets never appear in {@link #show()}, {@link #toString()} or
 * any problem message. The file format is described in {@code docs/gateway.md}.
 *
 * @since 0.1.0
 */
public final class GatewayConfig {
    private final ResolvedConfig resolved;

    private GatewayConfig(ResolvedConfig resolved) {
        this.resolved = resolved;
    }

    /**
     * Reads and checks a gateway file, taking {@code ${NAME}} from the process environment.
     * Blocks while it reads the file and any {@code ${file:...}} it names.
     *
     * @param file the YAML file
     * @return the checked configuration
     * @throws ConfigException listing every problem found, each with file, line and column
     */
    public static GatewayConfig load(Path file) {
        return load(file, System.getenv());
    }

    /**
     * Reads and checks a gateway file, taking {@code ${NAME}} from the given variables instead of
     * the process environment (for an env file, or for tests).
     *
     * @param file the YAML file
     * @param environment the variables {@code ${NAME}} may name
     * @return the checked configuration
     * @throws ConfigException listing every problem found, each with file, line and column
     */
    public static GatewayConfig load(Path file, Map<String, String> environment) {
        Objects.requireNonNull(file, "file");
        Map<String, String> env = Map.copyOf(Objects.requireNonNull(environment, "environment"));
        return new GatewayConfig(ConfigReader.read(file, env::get));
    }

    /**
     * Returns the file the configuration was read from.
     *
     * @return the path as given to {@link #load(Path)}
     */
    public Path file() {
        return resolved.file();
    }

    /**
     * Returns the gateway's name, used in logs and the status line.
     *
     * @return the file's {@code name:}, or the file name without its extension
     */
    public String name() {
        return resolved.name();
    }

    /**
     * Returns the names of the routes.
     *
     * @return the route names in file order
     */
    public List<String> routeNames() {
        return resolved.routeNames();
    }

    /**
     * Renders the effective configuration: after substitution, with every default filled in, and
     * every secret shown as {@code ****}. Does not block.
     *
     * @return YAML text in the file's own format
     */
    public String show() {
        return resolved.show();
    }

    ResolvedConfig resolved() {
        return resolved;
    }

    /**
     * Returns the file, name and routes.
     *
     * @return a short description without any option value
     */
    @Override
    public String toString() {
        return resolved.toString();
    }
}
