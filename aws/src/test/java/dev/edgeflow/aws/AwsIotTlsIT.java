package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.internal.tls.PemFiles;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS against brokers that require a client certificate, Mosquitto and the embedded
 * broker, with certificates made for the test: what works, and that every way it fails names
 * the file and the reason.
 */
class AwsIotTlsIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @TempDir
    static Path dir;
    private static TestCertificates certs;
    private static MosquittoBroker mosquitto;
    private static EmbeddedMqttBroker embedded;

    @BeforeAll
    static void start() {
        certs = TestCertificates.generate(dir.resolve("certs"));
        embedded = EmbeddedMqttBroker.builder().tls(certs, true).start();
        mosquitto = MosquittoBroker.builder().tls(certs).requireCertificate(true).start();
    }

    @AfterAll
    static void stop() {
        if (mosquitto != null) {
            mosquitto.close();
        }
        if (embedded != null) {
            embedded.close();
        }
    }

    private static AwsIotConnection.Builder to(int port) {
        return AwsIotConnection.builder().endpoint("localhost").port(port).clientId("tls-" + System.nanoTime())
                .reconnectDelay(Duration.ofMillis(200), Duration.ofSeconds(1));
    }

    private static AwsIotException failureOf(AwsIotConnection.Builder builder) throws InterruptedException {
        try (AwsIotConnection c = builder.build()) {
            // The explanation arrives after the probe repeated the handshake; wait for it.
            long deadline = System.nanoTime() + WAIT.toNanos();
            AwsIotException last = null;
            while (System.nanoTime() < deadline) {
                try {
                    c.awaitReady(Duration.ofSeconds(2));
                    throw new AssertionError("connected, but should have failed");
                } catch (AwsIotException e) {
                    last = e;
                    if (e.getMessage().startsWith("cannot connect to ")) {
                        return e;
                    }
                }
            }
            return last;
        }
    }

    @Test
    void connectsWithPemFilesToBothBrokers() throws Exception {
        for (int port : List.of(mosquitto.tlsPort(), embedded.tlsPort())) {
            try (AwsIotConnection c = to(port).certificate(certs.clientCertificate(), certs.clientKeyPkcs1())
                    .caCertificate(certs.caCertificate()).build()) {
                c.awaitReady(WAIT);
                assertThat(c.isConnected()).isTrue();
            }
        }
    }

    @Test
    void connectsWithAPkcs12File() throws Exception {
        char[] password = "changeit".toCharArray();
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        var chain = PemFiles.certificates(certs.clientCertificate(), "client certificate");
        store.setKeyEntry("device", PemFiles.privateKey(certs.clientKey()), password,
                chain.toArray(new java.security.cert.X509Certificate[0]));
        Path p12 = dir.resolve("device.p12");
        try (var out = Files.newOutputStream(p12)) {
            store.store(out, password);
        }
        try (AwsIotConnection c = to(mosquitto.tlsPort()).pkcs12(p12, "changeit")
                .caCertificate(certs.caCertificate()).build()) {
            c.awaitReady(WAIT);
            assertThat(c.isConnected()).isTrue();
        }
    }

    @Test
    void aCaThatDoesNotVerifyTheServerIsNamed() throws Exception {
        AwsIotException e = failureOf(to(mosquitto.tlsPort())
                .certificate(certs.clientCertificate(), certs.clientKey()).caCertificate(certs.otherCaCertificate()));
        assertThat(e.getMessage()).contains("CA file " + certs.otherCaCertificate())
                .contains("does not verify the server's certificate").contains("edgeflow test CA");
        assertThat(e.isPermanent()).isTrue();
    }

    @Test
    void anExpiredServerCertificateIsNamed() throws Exception {
        try (MosquittoBroker expired = MosquittoBroker.builder().tls(certs)
                .serverCertificate(certs.expiredServerCertificate(), certs.expiredServerKey()).start()) {
            AwsIotException e = failureOf(to(expired.tlsPort())
                    .certificate(certs.clientCertificate(), certs.clientKey()).caCertificate(certs.caCertificate()));
            assertThat(e.getMessage()).contains("the server's certificate at localhost:" + expired.tlsPort())
                    .contains("has expired").contains("valid until");
        }
    }

    @Test
    void aClientCertificateTheServerDoesNotTrustIsNamed() throws Exception {
        for (int port : List.of(mosquitto.tlsPort(), embedded.tlsPort())) {
            AwsIotException e = failureOf(to(port)
                    .certificate(certs.otherCaClientCertificate(), certs.otherCaClientKey())
                    .caCertificate(certs.caCertificate()));
            assertThat(e.getMessage()).as("port " + port).contains("refused")
                    .contains("client certificate " + certs.otherCaClientCertificate());
        }
    }

    @Test
    void anExpiredClientCertificateFailsAtBuildWithItsDate() {
        assertThatThrownBy(() -> to(mosquitto.tlsPort())
                .certificate(certs.expiredClientCertificate(), certs.clientKey())
                .caCertificate(certs.caCertificate()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(certs.expiredClientCertificate().toString()).hasMessageContaining("expired on");
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateFailsAtBuild() {
        assertThatThrownBy(() -> to(mosquitto.tlsPort())
                .certificate(certs.clientCertificate(), certs.otherCaClientKey())
                .caCertificate(certs.caCertificate()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(certs.otherCaClientKey().toString())
                .hasMessageContaining("does not belong to client certificate");
    }

    @Test
    void unreadableAndNonPemFilesAreNamed() throws Exception {
        Path missing = dir.resolve("no-such.cert.pem");
        assertThatThrownBy(() -> to(1).certificate(missing, certs.clientKey()).build())
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
        Path notPem = Files.writeString(dir.resolve("not-pem.crt"), "this is not a certificate");
        assertThatThrownBy(() -> to(1).certificate(notPem, certs.clientKey()).build())
                .hasMessageContaining(notPem.toString()).hasMessageContaining("no PEM certificate");
        assertThatThrownBy(() -> to(1).certificate(certs.clientCertificate(), certs.clientKey())
                .caCertificate(notPem).build())
                .hasMessageContaining("CA certificate file " + notPem);
    }

    @Test
    void nothingListeningIsReportedAsSuch() throws Exception {
        int port = dev.edgeflow.testkit.FreePorts.loopbackPort();
        try (AwsIotConnection c = to(port).certificate(certs.clientCertificate(), certs.clientKey())
                .caCertificate(certs.caCertificate()).build()) {
            assertThatThrownBy(() -> c.awaitReady(Duration.ofSeconds(3))).isInstanceOf(AwsIotException.class)
                    .hasMessageContaining("localhost:" + port).hasMessageContaining("CONNECTION_REFUSED");
        }
    }

    /** IoT Core serves MQTT with a client certificate on 443 only to clients that offer ALPN x-amzn-mqtt-ca. */
    @Test
    void offersTheIotCoreAlpnProtocolWhenAsked() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(PemFiles.keyManagers(certs.serverCertificate(), certs.serverKey()).getKeyManagers(),
                PemFiles.trustManagers(certs.caCertificate()).getTrustManagers(), null);
        CompletableFuture<List<String>> offered = new CompletableFuture<>();
        try (SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            Thread accept = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    SSLParameters p = s.getSSLParameters();
                    s.setHandshakeApplicationProtocolSelector((socket, protocols) -> {
                        offered.complete(List.copyOf(protocols));
                        return protocols.isEmpty() ? null : protocols.get(0);
                    });
                    s.setSSLParameters(p);
                    s.startHandshake();
                } catch (Exception e) {
                    offered.completeExceptionally(e);
                }
            });
            accept.setDaemon(true);
            accept.start();
            try (AwsIotConnection c = AwsIotConnection.builder().endpoint("localhost").port(server.getLocalPort())
                    .clientId("alpn").alpn(AwsIotConnection.ALPN_MQTT_CA)
                    .certificate(certs.clientCertificate(), certs.clientKey())
                    .caCertificate(certs.caCertificate()).build()) {
                assertThat(offered.get(15, TimeUnit.SECONDS)).containsExactly("x-amzn-mqtt-ca");
            }
        }
    }
}
