package dev.edgeflow.gateway;

import java.nio.file.Path;
import java.util.List;

/**
 * A gateway file that cannot be run, with every problem found in it, not only the first.
 * The message lists them one a line as {@code file:line:column: message}.
 *
 * @since 0.1.0
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The problems, in the order of the file. */
    private final transient List<ConfigProblem> problems;

    /**
     * Creates the exception.
     *
     * @param file the gateway file
     * @param problems the problems, at least one
     * @throws IllegalArgumentException if {@code problems} is empty
     */
    public ConfigException(Path file, List<ConfigProblem> problems) {
        super(message(file, problems));
        this.problems = List.copyOf(problems);
    }

    private static String message(Path file, List<ConfigProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        StringBuilder sb = new StringBuilder("gateway file ").append(file).append(" has ").append(problems.size())
                .append(problems.size() == 1 ? " problem:" : " problems:");
        problems.forEach(p -> sb.append(System.lineSeparator()).append("  ").append(p));
        return sb.toString();
    }

    /**
     * Returns the problems.
     *
     * @return every problem found, in the order of the file; never empty
     */
    public List<ConfigProblem> problems() {
        return problems;
    }
}
