package dev.edgeflow.aws;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Source;
import dev.edgeflow.testkit.SourceContract;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source contract over mutual TLS to a Mosquitto process standing in for AWS IoT Core: the
 * cloud side publishes on the plain listener, the source receives over TLS.
 */
class AwsIotSourceContractIT extends SourceContract {
    @TempDir
    static Path dir;
    private static TestCertificates certs;
    private static MosquittoBroker broker;
    private FarSideClient cloud;

    @BeforeAll
    static void startBroker() {
        certs = TestCertificates.generate(dir.resolve("certs"));
        broker = MosquittoBroker.builder().tls(certs).requireCertificate(true).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Override
    protected Source createSource() throws Exception {
        AwsIotConnection connection = AwsIotConnection.builder().endpoint("localhost").port(broker.tlsPort())
                .clientId("source-contract-" + System.nanoTime()).sessionExpiry(java.time.Duration.ZERO)
                .certificate(certs.clientCertificate(), certs.clientKey()).caCertificate(certs.caCertificate())
                .build();
        connection.awaitReady(timeout());
        AwsIotSource source = AwsIotSource.builder().ownConnection(connection).subscribe(topic()).build();
        return source;
    }

    @Override
    protected void publish(List<Message> messages) {
        if (cloud == null) {
            cloud = FarSideClient.connect(broker.host(), broker.port());
        }
        cloud.publish(messages);
    }

    @Override
    protected OptionalLong acknowledgedCount(Source source) {
        return OptionalLong.of(((AwsIotSource) source).acknowledgedCount());
    }

    /** The broker process dies; the CRT reconnects forever, so nothing ends the subscriber. */
    @Override
    protected Optional<Runnable> breakFarSide(Source source) {
        return Optional.empty();
    }

    @Override
    protected boolean isSourceThread(Thread thread) {
        return !thread.getName().startsWith("far-side") && super.isSourceThread(thread);
    }

    @Override
    protected void cleanup() {
        if (cloud != null) {
            cloud.close();
            cloud = null;
        }
    }
}
