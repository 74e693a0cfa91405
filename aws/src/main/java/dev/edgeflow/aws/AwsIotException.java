package dev.edgeflow.aws;

/**
 * A failure to connect to or talk with AWS IoT Core (or the broker standing in for it), in words
 * that say what to fix: a TLS file and its problem, a refused connection and its reason code, a
 * CRT error code turned into a sentence.
 *
 * @since 0.1.0
 */
public class AwsIotException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The CRT's error name, or {@code null}. */
    private final String errorName;
    /** Whether retrying cannot help until something is fixed. */
    private final boolean permanent;

    /**
     * Creates the exception.
     *
     * @param message what went wrong and how to fix it
     * @param errorName the CRT's error name (e.g. {@code AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE}), or {@code null}
     * @param permanent whether retrying cannot help until something is fixed (a certificate, a policy)
     * @param cause the underlying error, or {@code null}
     */
    public AwsIotException(String message, String errorName, boolean permanent, Throwable cause) {
        super(message, cause);
        this.errorName = errorName;
        this.permanent = permanent;
    }

    /**
     * Returns the CRT's name for the error.
     *
     * @return e.g. {@code AWS_IO_SOCKET_CONNECTION_REFUSED}, or {@code null} if the CRT gave none
     */
    public String errorName() {
        return errorName;
    }

    /**
     * Returns whether retrying cannot help until something is fixed.
     *
     * @return true for a bad certificate, an untrusted server, a refused client id or policy
     */
    public boolean isPermanent() {
        return permanent;
    }
}
