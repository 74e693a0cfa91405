package dev.edgeflow.aws.emulator;

import dev.edgeflow.aws.AwsIotConnection;
import dev.edgeflow.testkit.aws.IotServicesEmulator;
import dev.edgeflow.testkit.aws.ProvisioningAuthority;
import dev.edgeflow.testkit.internal.ReadableFiles;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * AWS IoT Core as far as shadows and provisioning go: Mosquitto with a TLS listener that requires
 * client certificates (signed by the test CA, or by the emulated provisioning CA, which the
 * broker's CA file also holds), and the {@link IotServicesEmulator} on its plain listener.
 */
public final class EmulatedIotCore implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    public static final Duration WAIT = Duration.ofSeconds(15);

    private Path directory;
    private TestCertificates certs;
    private ProvisioningAuthority authority;
    private MosquittoBroker broker;
    private IotServicesEmulator services;

    /**
     * Starts before the test class's tests and stops after them, when registered with
     * {@code @RegisterExtension static final EmulatedIotCore iot = new EmulatedIotCore();}. Skips
     * the class's tests, loudly, where Mosquitto is not installed.
     */
    public EmulatedIotCore() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        directory = ReadableFiles.createTempDirectory("edgeflow-iot-core");
        certs = TestCertificates.generate(directory.resolve("certs"));
        // The broker copies the CA file when it starts, so the provisioning CA must be in it by then.
        authority = ProvisioningAuthority.create().trustedBy(certs.caCertificate());
        broker = MosquittoBroker.builder().tls(certs).requireCertificate(true).start();
        startServices();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
        if (directory != null) {
            ReadableFiles.deleteRecursively(directory);
        }
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
        if (broker != null) {
            broker.close();
        }
    }
}
