package dev.edgeflow.pi4j;

/**
 * A sensor could not be read. The message names the device (the I2C bus and address, the sysfs
 * path) and says how to fix the problem ("enable I2C with raspi-config", "add the user to the
 * i2c group").
 *
 * @since 0.1.0
 */
public class SensorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whether a later read may succeed. */
    private final boolean retryable;

    /**
     * Creates the exception.
     *
     * @param message what failed, on which device, and how to fix it
     * @param retryable whether a later read may succeed (a bad checksum, a timeout) or not until
     *     something is fixed (no such device, permission denied, a wrong chip)
     * @param cause the underlying error, or {@code null}
     */
    public SensorException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /**
     * Returns whether a later read may succeed.
     *
     * @return true for transient failures
     */
    public boolean isRetryable() {
        return retryable;
    }
}
