package dev.edgeflow.gateway;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One thing wrong with a gateway file, where it is and how to fix it.
 *
 * @param file the gateway file
 * @param line the line, from 1; 0 when the problem has no place in the file (the file cannot be read)
 * @param column the column, from 1; 0 as for {@code line}
 * @param message what is wrong, the allowed values and the fix; never a secret's value
 * @since 0.1.0
 */
public record ConfigProblem(Path file, int line, int column, String message) {

    /**
     * Checks the components.
     *
     * @param file the gateway file
     * @param line the line, from 1, or 0
     * @param column the column, from 1, or 0
     * @param message what is wrong and how to fix it
     * @throws NullPointerException if {@code file} or {@code message} is null
     */
    public ConfigProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    /**
     * Returns the problem as compilers print one, so that editors can jump to it.
     *
     * @return {@code file:line:column: message}
     */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
