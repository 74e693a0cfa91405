package dev.edgeflow.aws;

import java.util.Optional;

/**
 * Fleet provisioning failed: the service answered on the operation's {@code /rejected} topic
 * (with its {@code statusCode}, {@code errorCode} and {@code errorMessage}), no answer came in
 * time, or the credentials could not be written. The message names the operation and the
 * template, and says what to check.
 *
 * @since 0.1.0
 */
public final class ProvisioningException extends AwsIotException {
    private static final long serialVersionUID = 1L;

    /** The operation, such as {@code get} or {@code RegisterThing}. */
    private final String operation;
    /** The template, or {@code null}. */
    private final String templateName;
    /** The service's status code, 0 without an answer. */
    private final int statusCode;
    /** The service's error code, or {@code null}. */
    private final String errorCode;

    ProvisioningException(String message, String operation, String templateName, int statusCode, String errorCode,
            boolean permanent, Throwable cause) {
        super(message, null, permanent, cause);
        this.operation = operation;
        this.templateName = templateName;
        this.statusCode = statusCode;
        this.errorCode = errorCode;
    }

    /**
     * Returns the operation that failed.
     *
     * @return {@code CreateKeysAndCertificate}, {@code CreateCertificateFromCsr}, {@code RegisterThing}
     *     or {@code WriteCredentials}
     */
    public String operation() {
        return operation;
    }

    /**
     * Returns the provisioning template of a failed registration.
     *
     * @return the template's name; empty for the certificate operations
     */
    public Optional<String> templateName() {
        return Optional.ofNullable(templateName);
    }

    /**
     * Returns the service's status code.
     *
     * @return an HTTP status such as 400 or 403; 0 if the service did not answer
     */
    public int statusCode() {
        return statusCode;
    }

    /**
     * Returns the service's error code.
     *
     * @return such as {@code InvalidCertificateOwnershipToken}; empty if the service did not answer
     */
    public Optional<String> errorCode() {
        return Optional.ofNullable(errorCode);
    }
}
