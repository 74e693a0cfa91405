package dev.edgeflow.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mutual TLS against Mosquitto with certificates made for the test: what works, and
 * that every way it can fail says which file or which check.
 */
class MqttTlsIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    @TempDir
    static Path dir;
    private static TestCertificates certs;
    private static MosquittoBroker mutual;

    @BeforeAll
    static void start() {
        certs = TestCertificates.generate(dir.resolve("certs"));
        mutual = MosquittoBroker.builder().tls(certs).requireCertificate(true).start();
    }

    @AfterAll
    static void stop() {
        if (mutual != null) {
            mutual.close();
        }
    }

    private static MqttConnection.Builder tlsTo(MosquittoBroker broker, Consumer<MqttTls.Builder> tls) {
        MqttTls.Builder t = MqttTls.builder();
        tls.accept(t);
        return MqttConnection.builder().host("localhost").port(broker.tlsPort()).tls(t.build()).noReconnect()
                .connectTimeout(Duration.ofSeconds(5));
    }

    private static MqttConnectionException failureOf(MqttConnection connection) {
        MqttSink sink = MqttSink.builder().connection(connection).build();
        try {
            assertThatThrownBy(() -> sink.awaitReady(WAIT)).isInstanceOf(MqttConnectionException.class);
            try {
                sink.awaitReady(WAIT);
            } catch (MqttConnectionException e) {
                return e;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            throw new AssertionError("unreachable");
        } finally {
            sink.close();
        }
    }

    @Test
    void mutualTlsWithPemFilesCarriesMessagesBothWays() throws Exception {
        MqttConnection connection = tlsTo(mutual, t -> t.caCertificate(certs.caCertificate())
                .clientCertificate(certs.clientCertificate(), certs.clientKey())).build();
        MqttSource source = MqttSource.builder().connection(connection).subscribe("tls/#").build();
        var out = dev.edgeflow.memory.MemorySink.create("out", 100);
        var pipeline = dev.edgeflow.core.Pipeline.from(source).to(out).start();
        try (MqttSink sink = MqttSink.builder().connection(tlsTo(mutual, t -> t.caCertificate(certs.caCertificate())
                .clientCertificate(certs.clientCertificate(), certs.clientKeyPkcs1())).build()).build()) {
            source.awaitReady(WAIT);
            sink.send(Message.of("tls/a", "over mutual TLS")).toCompletableFuture().get();
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> out.messages().size() == 1);
            assertThat(out.messages().get(0).payloadAsString()).isEqualTo("over mutual TLS");
        } finally {
            pipeline.stop(Duration.ofSeconds(2));
            source.close();
        }
    }

    @Test
    void aBrokerThatWantsAClientCertificateSaysSo() {
        MqttConnectionException e = failureOf(tlsTo(mutual, t -> t.caCertificate(certs.caCertificate())).build());
        assertThat(e.isPermanent()).isTrue();
        assertThat(e.getMessage()).contains("over TLS").contains(mutual.tlsUri().replace("127.0.0.1", "localhost"));
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefusedAndNamed() {
        MqttConnectionException e = failureOf(tlsTo(mutual, t -> t.caCertificate(certs.caCertificate())
                .clientCertificate(certs.otherCaClientCertificate(), certs.otherCaClientKey())).build());
        assertThat(e.isPermanent()).isTrue();
        assertThat(e.getMessage()).contains("over TLS");
    }

    @Test
    void anUnknownCaIsReportedWithTheTrustedFile() {
        MqttConnectionException e = failureOf(tlsTo(mutual, t -> t.caCertificate(certs.otherCaCertificate())
                .clientCertificate(certs.clientCertificate(), certs.clientKey())).build());
        assertThat(e.getMessage()).contains("unknown CA").contains(certs.otherCaCertificate().toString());
        assertThat(e.isPermanent()).isTrue();
    }

    @Test
    void anExpiredBrokerCertificateIsReported() {
        try (MosquittoBroker expired = MosquittoBroker.builder().tls(certs)
                .serverCertificate(certs.expiredServerCertificate(), certs.expiredServerKey()).start()) {
            MqttConnectionException e = failureOf(tlsTo(expired, t -> t.caCertificate(certs.caCertificate())).build());
            assertThat(e.getMessage()).contains("expired");
        }
    }

    @Test
    void aHostnameMismatchIsReportedAndCanBeSwitchedOff() throws Exception {
        try (MosquittoBroker wrongHost = MosquittoBroker.builder().tls(certs)
                .serverCertificate(certs.wrongHostServerCertificate(), certs.wrongHostServerKey()).start()) {
            MqttConnectionException e = failureOf(tlsTo(wrongHost, t -> t.caCertificate(certs.caCertificate())).build());
            assertThat(e.getMessage()).contains("hostname mismatch").contains("'localhost'");

            try (MqttSink sink = MqttSink.builder().connection(tlsTo(wrongHost, t -> t.caCertificate(certs.caCertificate())
                    .hostnameVerification(false)).build()).build()) {
                sink.awaitReady(WAIT);
                assertThat(sink.isConnected()).isTrue();
            }
        }
    }

    @Test
    void keyFilesThatCannotBeUsedAreNamedBeforeConnecting() throws Exception {
        Path notAKey = Files.writeString(dir.resolve("not-a-key.pem"), "hello");
        assertThatThrownBy(() -> MqttTls.builder().clientCertificate(certs.clientCertificate(), notAKey).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(notAKey.toString()).hasMessageContaining("no PEM private key");
        Path missing = dir.resolve("missing.key");
        assertThatThrownBy(() -> MqttTls.builder().clientCertificate(certs.clientCertificate(), missing).build())
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> MqttTls.builder()
                .clientCertificate(certs.clientCertificate(), certs.otherCaClientKey()).build())
                .hasMessageContaining("does not belong to client certificate");
        assertThatThrownBy(() -> MqttTls.builder().caCertificate(certs.clientKey()).build())
                .hasMessageContaining(certs.clientKey().toString()).hasMessageContaining("no PEM certificate");
    }
}
