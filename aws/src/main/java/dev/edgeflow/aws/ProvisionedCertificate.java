package dev.edgeflow.aws;

import java.util.Objects;
import java.util.Optional;

/**
 * A certificate that fleet provisioning made for the device, not yet active: it becomes active
 * when {@link FleetProvisioning#registerThing(String, String, java.util.Map)} registers a thing
 * with its ownership token, which is valid for one hour.
 *
 * <p>{@link #toString()} shows the certificate id only: neither the private key nor the
 * ownership token ever appears in it.
 *
 * @since 0.1.0
 */
public final class ProvisionedCertificate {
    private final String certificateId;
    private final String certificatePem;
    private final String privateKey;
    private final String certificateOwnershipToken;

    ProvisionedCertificate(String certificateId, String certificatePem, String privateKey,
            String certificateOwnershipToken) {
        this.certificateId = Objects.requireNonNull(certificateId, "certificateId");
        this.certificatePem = Objects.requireNonNull(certificatePem, "certificatePem");
        this.privateKey = privateKey;
        this.certificateOwnershipToken = Objects.requireNonNull(certificateOwnershipToken,
                "certificateOwnershipToken");
    }

    /**
     * Returns the certificate's id in AWS IoT.
     *
     * @return a 64-character hex id
     */
    public String certificateId() {
        return certificateId;
    }

    /**
     * Returns the certificate.
     *
     * @return PEM text, {@code -----BEGIN CERTIFICATE-----...}
     */
    public String certificatePem() {
        return certificatePem;
    }

    /**
     * Returns the private key the service made with the certificate. The service hands it out
     * once: write it where only the device can read it, as
     * {@link FleetProvisioning#provision(String, java.util.Map, java.nio.file.Path)} does.
     *
     * @return PEM text; empty for a certificate made from a CSR, whose key never left the device
     */
    public Optional<String> privateKey() {
        return Optional.ofNullable(privateKey);
    }

    /**
     * Returns the token that proves to {@code RegisterThing} that the device holds this
     * certificate. Valid for one hour.
     *
     * @return the token; a credential, so never log it
     */
    public String certificateOwnershipToken() {
        return certificateOwnershipToken;
    }

    @Override
    public String toString() {
        return "ProvisionedCertificate{certificateId=" + certificateId + ", privateKey="
                + (privateKey == null ? "none (made from a CSR)" : "(hidden)") + "}";
    }
}
