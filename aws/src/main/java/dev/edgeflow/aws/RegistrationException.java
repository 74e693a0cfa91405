package dev.edgeflow.aws;

import java.util.Objects;
import java.util.Optional;

/**
 * A thing registration that failed at one step: AWS refused a call (missing IAM permission,
 * throttling, an invalid request), could not be reached, or a local file was in the way. The
 * message names the step, the AWS error code and message, and what to do. Every step is
 * idempotent, so {@link ThingRegistration#register()} can simply run again once the cause is fixed.
 *
 * @since 0.1.0
 */
public final class RegistrationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The step that failed. */
    private final RegistrationReport.StepName step;
    /** The AWS API call that failed, or {@code null} for a local failure. */
    private final String operation;
    /** AWS's error code, or {@code null}. */
    private final String errorCode;

    /**
     * Creates the exception.
     *
     * @param step the step that failed
     * @param operation the AWS API call that failed (e.g. {@code CreateKeysAndCertificate}), or {@code null}
     * @param errorCode AWS's error code (e.g. {@code AccessDeniedException}), or {@code null}
     * @param message what went wrong and how to fix it
     * @param cause the underlying error, or {@code null}
     */
    public RegistrationException(RegistrationReport.StepName step, String operation, String errorCode, String message,
            Throwable cause) {
        super(message, cause);
        this.step = Objects.requireNonNull(step, "step");
        this.operation = operation;
        this.errorCode = errorCode;
    }

    /**
     * Returns the step that failed.
     *
     * @return the step
     */
    public RegistrationReport.StepName step() {
        return step;
    }

    /**
     * Returns the AWS API call that failed, whose IAM action is {@code iot:} followed by its name.
     *
     * @return e.g. {@code CreateKeysAndCertificate}, or empty if the failure was local (a file)
     */
    public Optional<String> operation() {
        return Optional.ofNullable(operation);
    }

    /**
     * Returns AWS's error code.
     *
     * @return e.g. {@code AccessDeniedException}, {@code ThrottlingException}, or empty if AWS gave none
     *     (a local failure, an unreachable network)
     */
    public Optional<String> errorCode() {
        return Optional.ofNullable(errorCode);
    }
}
