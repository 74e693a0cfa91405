package dev.edgeflow.core.spool;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A spool directory is already open, by another process or by another {@link Spool} in this
 * one. Two spools on one directory would corrupt each other, so the second open fails with
 * this exception, whose message names the directory and the holder's process id.
 *
 * @since 0.1.0
 */
public final class SpoolLockedException extends SpoolException {
    private static final long serialVersionUID = 1L;

    /** The holder's process id, negative if it is not known. */
    private final long holderPid;

    /**
     * Creates the exception.
     *
     * @param directory the locked directory
     * @param holderPid the process id of the holder, or a negative number if it is not known
     * @param message the message, naming the directory and the holder
     */
    public SpoolLockedException(Path directory, long holderPid, String message) {
        super(directory, message, null);
        this.holderPid = holderPid;
    }

    /**
     * Returns the process id of the process that holds the directory.
     *
     * @return the holder's process id (this process's own when another spool of this process
     *     holds it), or empty if the holder did not record it
     */
    public OptionalLong holderPid() {
        return holderPid < 0 ? OptionalLong.empty() : OptionalLong.of(holderPid);
    }
}
