package dev.edgeflow.spi;

/**
 * A connector option that is missing, unknown or has a value that is not allowed. The message
 * names the connector, the option, the bad value and what is allowed.
 *
 * @since 0.1.0
 */
public final class InvalidOptionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The name of the option at fault. */
    private final String option;

    /**
     * Creates the exception.
     *
     * @param option the option's name
     * @param message what is wrong and what is allowed
     */
    public InvalidOptionException(String option, String message) {
        super(message);
        this.option = option;
    }

    /**
     * Returns the option's name.
     *
     * @return the name of the option at fault
     */
    public String option() {
        return option;
    }
}
