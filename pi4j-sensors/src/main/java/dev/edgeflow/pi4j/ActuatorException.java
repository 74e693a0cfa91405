package dev.edgeflow.pi4j;

/**
 * An output could not be opened or set: the driver failed, the pin is in use, the user may not
 * open the device. The message names the output, its pin, and what to check. A failure to set a
 * valid state may pass; {@link ActuatorSink} completes the send with this exception so that the
 * pipeline retries it.
 *
 * @since 0.1.0
 */
public class ActuatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, on which output and pin, and how to fix it
     * @param cause the driver's error, or {@code null}
     */
    public ActuatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
