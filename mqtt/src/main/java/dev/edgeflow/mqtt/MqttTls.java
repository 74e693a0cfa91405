package dev.edgeflow.mqtt;

import dev.edgeflow.core.internal.tls.PemFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS settings of an MQTT connection: which CAs to trust, the client certificate for mutual
 * TLS, and whether the broker's host name is checked. The files are PEM, the same files AWS IoT
 * and most brokers hand out; they are read and checked when {@link Builder#build()} runs, so a
 * missing, unreadable or mismatched file fails there with its path, not at connect time.
 *
 * <pre>{@code
 * MqttTls tls = MqttTls.builder()
 *         .caCertificate(Path.of("/etc/edgeflow/ca.pem"))
 *         .clientCertificate(Path.of("/etc/edgeflow/device.cert.pem"), Path.of("/etc/edgeflow/device.private.key"))
 *         .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class MqttTls {
    private final Path caCertificate;
    private final Path clientCertificate;
    private final Path clientKey;
    private final boolean hostnameVerification;
    private final Duration handshakeTimeout;
    private final TrustManagerFactory trustManagers;
    private final KeyManagerFactory keyManagers;

    private MqttTls(Builder b) {
        this.caCertificate = b.caCertificate;
        this.clientCertificate = b.clientCertificate;
        this.clientKey = b.clientKey;
        this.hostnameVerification = b.hostnameVerification;
        this.handshakeTimeout = b.handshakeTimeout;
        this.trustManagers = caCertificate == null ? null : PemFiles.trustManagers(caCertificate);
        this.keyManagers = clientCertificate == null ? null : PemFiles.keyManagers(clientCertificate, clientKey);
    }

    /**
     * Returns TLS that trusts the JVM's default CAs, with no client certificate.
     *
     * @return the default TLS settings
     */
    public static MqttTls systemDefault() {
        return builder().build();
    }

    /**
     * Starts TLS settings: by default the JVM's CAs, no client certificate, host name checked.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the PEM file of the trusted CAs.
     *
     * @return the file, or {@code null} when the JVM's default CAs are trusted
     */
    public Path caCertificate() {
        return caCertificate;
    }

    /**
     * Returns the PEM file of the client certificate.
     *
     * @return the file, or {@code null} without mutual TLS
     */
    public Path clientCertificate() {
        return clientCertificate;
    }

    /**
     * Returns the PEM file of the client's private key.
     *
     * @return the file, or {@code null} without mutual TLS
     */
    public Path clientKey() {
        return clientKey;
    }

    /**
     * Tells whether the broker's certificate must name the host connected to.
     *
     * @return {@code true} unless switched off
     */
    public boolean hostnameVerification() {
        return hostnameVerification;
    }

    /**
     * Returns how long the TLS handshake may take.
     *
     * @return the timeout
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    TrustManagerFactory trustManagers() {
        return trustManagers;
    }

    KeyManagerFactory keyManagers() {
        return keyManagers;
    }

    @Override
    public String toString() {
        return "MqttTls[ca=" + (caCertificate == null ? "JVM default" : caCertificate)
                + (clientCertificate == null ? "" : ", clientCertificate=" + clientCertificate + ", clientKey=" + clientKey)
                + (hostnameVerification ? "" : ", hostnameVerification=off") + "]";
    }

    /**
     * Builds {@link MqttTls}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private Path caCertificate;
        private Path clientCertificate;
        private Path clientKey;
        private boolean hostnameVerification = true;
        private Duration handshakeTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        /**
         * Trusts the CA certificates in a PEM file instead of the JVM's defaults (AWS IoT's
         * {@code AmazonRootCA1.pem}, a private CA).
         *
         * @param pemFile the file; read at {@link #build()}
         * @return this builder
         */
        public Builder caCertificate(Path pemFile) {
            this.caCertificate = Objects.requireNonNull(pemFile, "pemFile");
            return this;
        }

        /**
         * Presents a client certificate for mutual TLS.
         *
         * @param certificatePemFile the certificate, optionally followed by its chain
         * @param privateKeyPemFile its unencrypted private key: PKCS#8, PKCS#1 RSA or SEC1 EC PEM
         * @return this builder
         */
        public Builder clientCertificate(Path certificatePemFile, Path privateKeyPemFile) {
            this.clientCertificate = Objects.requireNonNull(certificatePemFile, "certificatePemFile");
            this.clientKey = Objects.requireNonNull(privateKeyPemFile, "privateKeyPemFile");
            return this;
        }

        /**
         * Switches the check that the broker's certificate names the host off or on. Off is for
         * a broker reached by an address its certificate does not list; the chain is still
         * verified.
         *
         * @param enabled {@code false} to skip the host name check; default {@code true}
         * @return this builder
         */
        public Builder hostnameVerification(boolean enabled) {
            this.hostnameVerification = enabled;
            return this;
        }

        /**
         * Sets how long the TLS handshake may take.
         *
         * @param timeout positive; default 10 seconds
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshakeTimeout must be positive, was " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * Reads and checks the files and returns the settings.
         *
         * @return the TLS settings
         * @throws IllegalArgumentException naming the file, if a file is missing, unreadable, not
         *     PEM, encrypted, or a key does not belong to its certificate
         */
        public MqttTls build() {
            return new MqttTls(this);
        }
    }
}
