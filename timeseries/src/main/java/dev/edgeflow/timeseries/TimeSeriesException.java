package dev.edgeflow.timeseries;

/**
 * A store could not write or read. {@link #isRetryable()} tells whether the same call may succeed
 * later (the database is restarting, the network is down) or never will (bad credentials, a
 * table the user may not write to, a value the store refuses).
 *
 * @since 0.1.0
 */
public class TimeSeriesException extends Exception {
    /** Serialization version. */
    private static final long serialVersionUID = 1L;

    /** Whether the same call may succeed later. */
    private final boolean retryable;

    /**
     * Makes the exception.
     *
     * @param message what failed, naming the store and, where it helps, the fix
     * @param cause the underlying failure, or {@code null}
     * @param retryable whether the same call may succeed later
     */
    public TimeSeriesException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /**
     * Tells whether the same call may succeed later.
     *
     * @return {@code true} for a passing failure, {@code false} for one that will repeat
     */
    public boolean isRetryable() {
        return retryable;
    }
}
