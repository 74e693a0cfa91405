package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connection over mutual TLS to Mosquitto standing in for AWS IoT Core. */
class AwsIotConnectionIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    @TempDir
    static Path dir;
    private static TestCertificates certs;
    private static MosquittoBroker broker;

    @BeforeAll
    static void start() {
        certs = TestCertificates.generate(dir.resolve("certs"));
        broker = MosquittoBroker.builder().tls(certs).requireCertificate(true).start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    static AwsIotConnection.Builder connection(String clientId) {
        return AwsIotConnection.builder().endpoint("localhost").port(broker.tlsPort()).clientId(clientId)
                .certificate(certs.clientCertificate(), certs.clientKey()).caCertificate(certs.caCertificate());
    }

    @Test
    void publishesAndReceivesOverMutualTls() throws Exception {
        try (AwsIotConnection c = connection("thing-1").build()) {
            c.awaitReady(WAIT);
            List<Message> got = new CopyOnWriteArrayList<>();
            c.subscribe("sensor/#", Qos.AT_LEAST_ONCE, got::add).get(10, TimeUnit.SECONDS);
            c.publish("sensor/thing-1/bme280", "{\"temperature\":21.5}".getBytes(StandardCharsets.UTF_8),
                    Qos.AT_LEAST_ONCE).get(10, TimeUnit.SECONDS);
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> got.size() == 1);
            assertThat(got.get(0).payloadAsString()).isEqualTo("{\"temperature\":21.5}");
            assertThat(got.get(0).topic()).isEqualTo("sensor/thing-1/bme280");
        }
    }
}
