package dev.edgeflow.aws;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.testkit.SinkContract;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink contract over mutual TLS to the embedded broker, which counts every PUBLISH as it
 * arrives, standing in for AWS IoT Core; the far side reads back on the plain listener.
 */
class AwsIotSinkContractIT extends SinkContract {
    @TempDir
    static Path dir;
    private static TestCertificates certs;
    private static EmbeddedMqttBroker broker;
    private FarSideClient consumer;
    private long publishesBefore;

    @BeforeAll
    static void startBroker() {
        certs = TestCertificates.generate(dir.resolve("certs"));
        broker = EmbeddedMqttBroker.builder().tls(certs, true).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Override
    protected Sink createSink() throws Exception {
        if (consumer != null) {
            consumer.close();
        }
        consumer = FarSideClient.connect(broker.host(), broker.port()).subscribe(topic());
        publishesBefore = broker.publishesReceived();
        AwsIotConnection connection = AwsIotConnection.builder().endpoint("localhost").port(broker.tlsPort())
                .clientId("sink-contract-" + System.nanoTime())
                // the rate limiter would stretch the contract's 1000 concurrent sends past its timeout;
                // AwsIotLimitsIT covers the limits
                .limits(AwsIotLimits.NONE)
                .certificate(certs.clientCertificate(), certs.clientKey()).caCertificate(certs.caCertificate())
                .build();
        connection.awaitReady(timeout());
        return AwsIotSink.builder().ownConnection(connection).build();
    }

    @Override
    protected List<Message> readBack(int expected, Duration timeout) {
        return consumer.awaitReceived(expected, timeout);
    }

    @Override
    protected OptionalLong farSideCount() {
        return OptionalLong.of(broker.publishesReceived() - publishesBefore);
    }

    /** Nothing listens on the port: the connection never comes up and close fails what waits. */
    @Override
    protected Optional<Sink> createBrokenSink() {
        AwsIotConnection connection = AwsIotConnection.builder().endpoint("localhost")
                .port(FreePorts.loopbackPort()).clientId("broken-" + System.nanoTime())
                .certificate(certs.clientCertificate(), certs.clientKey()).caCertificate(certs.caCertificate())
                .build();
        return Optional.of(AwsIotSink.builder().ownConnection(connection).closeTimeout(Duration.ofSeconds(1))
                .offlineTimeout(Duration.ofSeconds(2))
                .build());
    }

    @Override
    protected boolean isSinkThread(Thread thread) {
        return !thread.getName().startsWith("hivemq-") && !thread.getName().startsWith("far-side")
                && super.isSinkThread(thread);
    }

    @Override
    protected void cleanup() {
        if (consumer != null) {
            consumer.close();
            consumer = null;
        }
    }
}
