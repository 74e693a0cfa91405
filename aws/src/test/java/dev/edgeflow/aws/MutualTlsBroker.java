package dev.edgeflow.aws;

import dev.edgeflow.testkit.internal.ReadableFiles;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Mosquitto standing in for AWS IoT Core for one test class: a TLS listener that requires a
 * client certificate, certificates made for the class, and a plain listener for the cloud's
 * side. Register it with {@code @RegisterExtension static final MutualTlsBroker BROKER = new
 * MutualTlsBroker();}; where Mosquitto is not installed, the class's tests are skipped loudly.
 */
final class MutualTlsBroker implements BeforeAllCallback, AfterAllCallback {
    private Path directory;
    private TestCertificates certs;
    private MosquittoBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        directory = ReadableFiles.createTempDirectory("edgeflow-aws-it");
        certs = TestCertificates.generate(directory.resolve("certs"));
        broker = MosquittoBroker.builder().tls(certs).requireCertificate(true).start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
        }
        if (directory != null) {
            ReadableFiles.deleteRecursively(directory);
        }
    }

    TestCertificates certs() {
        return certs;
    }

    MosquittoBroker broker() {
        return broker;
    }

    /** A connection over mutual TLS with the test client certificate. */
    AwsIotConnection.Builder connection(String clientId) {
        return AwsIotConnection.builder().endpoint("localhost").port(broker.tlsPort()).clientId(clientId)
                .certificate(certs.clientCertificate(), certs.clientKey()).caCertificate(certs.caCertificate());
    }

    /** The cloud's side, on the plain listener. */
    FarSideClient cloud() {
        return FarSideClient.connect(broker.host(), broker.port());
    }
}
