package dev.edgeflow.core.spool;

import java.nio.file.Path;

/**
 * A spool could not do what was asked because of its directory or its files: the directory
 * cannot be created or written, the disk is full, a read or write failed. The message names
 * the directory and the cause.
 *
 * <p>Appends that fail with it were not stored, and nothing stored before is lost: the spool
 * cuts a partial write back to the last intact record, so later appends may succeed once
 * the cause is gone (space freed, device back).
 *
 * @since 0.1.0
 */
public class SpoolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Not serialized: a {@link Path} is not serializable; the message names the directory anyway. */
    private final transient Path directory;

    /**
     * Creates the exception.
     *
     * @param directory the spool directory concerned
     * @param message what failed, naming the directory, and how to fix it where that is known
     * @param cause the underlying failure, or {@code null}
     */
    public SpoolException(Path directory, String message, Throwable cause) {
        super(message, cause);
        this.directory = directory;
    }

    /**
     * Returns the spool directory concerned.
     *
     * @return the directory, or {@code null} after deserialization
     */
    public Path directory() {
        return directory;
    }
}
