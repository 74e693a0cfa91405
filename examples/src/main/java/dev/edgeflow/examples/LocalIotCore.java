package dev.edgeflow.examples;

import dev.edgeflow.aws.AwsIotConnection;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.Sink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.testkit.aws.IotServicesEmulator;
import dev.edgeflow.testkit.aws.ProvisioningAuthority;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

/**
 * A stand-in for AWS IoT Core on this machine, for the AWS examples when no endpoint is given: the
 * embedded broker with a TLS listener that, like IoT Core, refuses every client without a
 * certificate signed by a CA it trusts (certificates generated into a temporary folder), and
 * "the cloud": a subscriber on the broker's plain port that prints and keeps what arrives, as an
 * IoT rule would see it.
 *
 * <p>{@link #startWithServices(PrintStream)} also runs the Device Shadow and fleet provisioning
 * services, emulated by an {@link IotServicesEmulator} on the plain port. The certificates its
 * identity service hands out are signed by a {@link ProvisioningAuthority} whose CA goes into the
 * broker's CA file before the broker starts, so that the broker accepts them as IoT Core accepts
 * its own. The cloud leaves out the services' requests and answers ({@code $aws/...}), as a
 * subscription to {@code #} at IoT Core would.
 */
final class LocalIotCore implements AutoCloseable {
    private final Path certificateDirectory;
    private final TestCertificates certificates;
    private final EmbeddedMqttBroker broker;
    private final MqttSource cloud;
    private final Pipeline cloudPipeline;
    private final List<Message> received;
    private IotServicesEmulator services;

    private LocalIotCore(Path certificateDirectory, TestCertificates certificates, EmbeddedMqttBroker broker,
            MqttSource cloud, Pipeline cloudPipeline, List<Message> received) {
        this.certificateDirectory = certificateDirectory;
        this.certificates = certificates;
        this.broker = broker;
        this.cloud = cloud;
        this.cloudPipeline = cloudPipeline;
        this.received = received;
    }

    /**
     * Generates the certificates, starts the broker and subscribes "the cloud" to every topic.
     *
     * @param out where the cloud prints what it receives
     * @return the running stand-in; close it to stop everything and delete the certificates
     * @throws InterruptedException if interrupted while the subscriber starts
     */
    static LocalIotCore start(PrintStream out) throws InterruptedException {
        return start(out, false);
    }

    /**
     * Like {@link #start(PrintStream)}, and also starts the emulated Device Shadow and fleet
     * provisioning services, whose {@link #services()} then act as the cloud side of a shadow.
     *
     * @param out where the cloud prints what it receives
     * @return the running stand-in; close it to stop everything and delete the certificates
     * @throws InterruptedException if interrupted while the subscriber starts
     */
    static LocalIotCore startWithServices(PrintStream out) throws InterruptedException {
        return start(out, true);
    }

    private static LocalIotCore start(PrintStream out, boolean withServices) throws InterruptedException {
        Path dir;
        try {
            dir = Files.createTempDirectory("edgeflow-local-iot-core");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the local IoT Core's certificates", e);
        }
        TestCertificates certificates = TestCertificates.generate(dir);
        // The broker builds its trust store from the CA file when it starts, so the CA goes in first.
        ProvisioningAuthority authority = withServices
                ? ProvisioningAuthority.create().trustedBy(certificates.caCertificate()) : null;
        EmbeddedMqttBroker broker = EmbeddedMqttBroker.builder().tls(certificates, true).start();
        List<Message> received = Collections.synchronizedList(new ArrayList<>());
        MqttSource cloud = MqttSource.builder().serverUri(broker.uri()).subscribe("#").build();
        Pipeline pipeline = Pipeline.from(cloud).name("cloud").to(new Sink() {
            @Override
            public String name() {
                return "cloud";
            }

            @Override
            public CompletionStage<Void> send(Message message) {
                if (message.topic().startsWith("$")) {
                    // MQTT keeps '$' topics out of '#'; the embedded broker does not.
                    return CompletableFuture.completedFuture(null);
                }
                out.println("[cloud] received " + message.topic() + ": " + message.payloadAsString());
                received.add(message);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void close() {
            }
        }).start();
        LocalIotCore local = new LocalIotCore(dir, certificates, broker, cloud, pipeline, received);
        try {
            cloud.awaitReady(Duration.ofSeconds(30));
            if (withServices) {
                local.services = IotServicesEmulator.start(broker.host(), broker.port(), authority);
            }
        } catch (InterruptedException | RuntimeException e) {
            local.close();
            throw e;
        }
        out.println("Local stand-in for AWS IoT Core: mqtts://localhost:" + broker.tlsPort()
                + " (client certificate required), the cloud subscribed on " + broker.uri());
        if (withServices) {
            out.println("Emulated Device Shadow and fleet provisioning services answer on " + broker.uri());
        }
        return local;
    }

    /**
     * Returns a connection to the TLS listener with the generated device certificate, key and CA,
     * and IoT Core's limits.
     *
     * @return a builder with endpoint, port and files set; the caller sets the client id
     */
    AwsIotConnection.Builder connection() {
        return connection(certificates.clientCertificate(), certificates.clientKeyPkcs1());
    }

    /**
     * Returns a connection to the TLS listener with other credentials, such as a certificate that
     * the emulated fleet provisioning service issued.
     *
     * @param certificate the client certificate, PEM
     * @param privateKey its private key, PEM
     * @return a builder with endpoint, port, files and CA set; the caller sets the client id
     */
    AwsIotConnection.Builder connection(Path certificate, Path privateKey) {
        return AwsIotConnection.builder()
                .endpoint("localhost")
                .port(broker.tlsPort())
                .certificate(certificate, privateKey)
                .caCertificate(certificates.caCertificate());
    }

    /**
     * Returns the port of the TLS listener, which requires a client certificate.
     *
     * @return the port on localhost
     */
    int tlsPort() {
        return broker.tlsPort();
    }

    /**
     * Returns the file of CAs the broker trusts and the devices verify it with.
     *
     * @return the PEM file in the stand-in's temporary folder
     */
    Path caCertificate() {
        return certificates.caCertificate();
    }

    /**
     * Returns the emulated Device Shadow and fleet provisioning services: the cloud side.
     *
     * @return the running emulator
     * @throws IllegalStateException if the stand-in was started without them
     */
    IotServicesEmulator services() {
        if (services == null) {
            throw new IllegalStateException("the local IoT Core was started without the emulated services: "
                    + "use LocalIotCore.startWithServices");
        }
        return services;
    }

    /**
     * Waits until the cloud has received at least {@code count} messages.
     *
     * @param count how many
     * @param timeout how long to wait
     * @return what it received, in order of arrival
     * @throws InterruptedException if interrupted
     */
    List<Message> awaitReceived(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    @Override
    public void close() {
        if (services != null) {
            services.close();
        }
        cloudPipeline.stop(Duration.ofSeconds(2));
        cloud.close();
        broker.close();
        try (Stream<Path> files = Files.walk(certificateDirectory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder; nothing secret in it
        }
    }
}
