package dev.edgeflow.aws.emulator;

import dev.edgeflow.aws.AwsIotConnection;
import dev.edgeflow.testkit.aws.IotServicesEmulator;
import dev.edgeflow.testkit.aws.ProvisioningAuthority;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/**
 * AWS IoT Core as far as shadows and provisioning go: Mosquitto with a TLS listener that requires
 * client certificates (signed by the test CA, or by the emulated provisioning CA, which the
 * broker's CA file also holds), and the {@link IotServicesEmulator} on its plain listener.
 */
public final class EmulatedIotCore implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(15);

    private final TestCertificates certs;
    private final ProvisioningAuthority authority;
    private final MosquittoBroker broker;
    private IotServicesEmulator services;

    private EmulatedIotCore(TestCertificates certs, ProvisioningAuthority authority, MosquittoBroker broker) {
        this.certs = certs;
        this.authority = authority;
        this.broker = broker;
    }

    /** Skips the calling test, loudly, where Mosquitto is not installed. */
    public static EmulatedIotCore start(Path directory) {
        TestCertificates certs = TestCertificates.generate(directory.resolve("certs"));
        // The broker copies the CA file when it starts, so the provisioning CA must be in it by then.
        ProvisioningAuthority authority = ProvisioningAuthority.create().trustedBy(certs.caCertificate());
        MosquittoBroker broker = MosquittoBroker.builder().tls(certs).requireCertificate(true).start();
        EmulatedIotCore core = new EmulatedIotCore(certs, authority, broker);
        core.startServices();
        return core;
    }

    /** The emulated services now running; a new instance after {@link #startServices()}. */
    public IotServicesEmulator services() {
        return services;
    }

    /** Starts the services again (with empty state) after {@link #stopServices()}. */
    public IotServicesEmulator startServices() {
        services = IotServicesEmulator.start(broker.host(), broker.port(), authority);
        return services;
    }

    /** Stops answering shadow and provisioning requests; the broker keeps running. */
    public void stopServices() {
        if (services != null) {
            services.close();
            services = null;
        }
    }

    /**
     * Restarts the broker on the same ports without persistence, so that every session and
     * subscription is lost, and starts the services again (their client does not reconnect).
     */
    public IotServicesEmulator restartBroker() {
        stopServices();
        broker.restart();
        return startServices();
    }

    /** A device connection with the test client certificate, as a claim or device certificate. */
    public AwsIotConnection.Builder connection(String clientId) {
        return connection(clientId, certs.clientCertificate(), certs.clientKey());
    }

    /** A device connection with the given certificate and key. */
    public AwsIotConnection.Builder connection(String clientId, Path certificate, Path key) {
        return AwsIotConnection.builder().endpoint("localhost").port(broker.tlsPort()).clientId(clientId)
                .sessionExpiry(Duration.ZERO).certificate(certificate, key).caCertificate(certs.caCertificate());
    }

    /** A connected device connection with the test client certificate and a fresh client id. */
    public AwsIotConnection connect(String clientIdPrefix) throws InterruptedException {
        AwsIotConnection c = connection(clientIdPrefix + "-" + UUID.randomUUID().toString().substring(0, 8)).build();
        try {
            c.awaitReady(WAIT);
        } catch (RuntimeException | InterruptedException e) {
            c.close();
            throw e;
        }
        return c;
    }

    @Override
    public void close() {
        stopServices();
        broker.close();
    }
}
