package dev.edgeflow.aws;

import java.util.OptionalLong;

/**
 * An update that named the version it expected was refused with 409: someone else updated the
 * shadow first. Read the shadow again, apply the change to what is there now, and update with
 * the new version, as {@link DeviceShadow#updateWithRetry(java.util.function.Function)} does.
 *
 * @since 0.1.0
 */
public final class ShadowVersionConflictException extends ShadowRejectedException {
    private static final long serialVersionUID = 1L;

    /** The version the update expected. */
    private final long expectedVersion;
    /** The shadow's version when the conflict was found. */
    private final OptionalLong currentVersion;
    /** The document read back after the conflict, or {@code null}. */
    private final transient ShadowDocument current;

    ShadowVersionConflictException(String thingName, String shadowName, String serviceMessage, long expectedVersion,
            ShadowDocument current) {
        super(describe(thingName, shadowName) + ": update expected version " + expectedVersion + " but "
                + (current != null ? "the shadow is at version " + current.version()
                : "the shadow has another version (it could not be read back)")
                + ": read it again and apply the change to the current state", thingName, shadowName, "update", 409,
                serviceMessage);
        this.expectedVersion = expectedVersion;
        this.currentVersion = current == null ? OptionalLong.empty() : OptionalLong.of(current.version());
        this.current = current;
    }

    /**
     * Returns the version the update expected.
     *
     * @return the version the caller passed
     */
    public long expectedVersion() {
        return expectedVersion;
    }

    /**
     * Returns the shadow's version when the conflict was found. The service's 409 answer does not
     * carry it, so the shadow is read once more before this exception is raised.
     *
     * @return the current version; empty if reading it back failed too
     */
    public OptionalLong currentVersion() {
        return currentVersion;
    }

    /** The document read back after the conflict, or {@code null}; saves the retry a read. */
    ShadowDocument current() {
        return current;
    }
}
