package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.internal.tls.PemFiles;
import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.testkit.internal.ReadableFiles;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MQTT over websockets with SigV4, as AWS IoT Core takes it on port 443 without a client certificate. */
class AwsIotWebsocketIT {
    @TempDir
    Path dir;

    @Test
    void signsTheWebsocketUpgradeWithSigV4() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir.resolve("certs"));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(PemFiles.keyManagers(certs.serverCertificate(), certs.serverKey()).getKeyManagers(), null, null);
        CompletableFuture<String> requestLine = new CompletableFuture<>();
        try (SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            Thread accept = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.US_ASCII));
                    requestLine.complete(in.readLine());
                } catch (Exception e) {
                    requestLine.completeExceptionally(e);
                }
            });
            accept.setDaemon(true);
            accept.start();
            try (AwsIotConnection c = AwsIotConnection.builder().endpoint("localhost").port(server.getLocalPort())
                    .clientId("ws-1").websocketsSigV4("eu-west-1", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG")
                    .caCertificate(certs.caCertificate()).build()) {
                String line = URLDecoder.decode(requestLine.get(15, TimeUnit.SECONDS), StandardCharsets.UTF_8);
                assertThat(line).startsWith("GET /mqtt?").contains("X-Amz-Algorithm=AWS4-HMAC-SHA256")
                        .containsPattern("X-Amz-Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/iotdevicegateway/aws4_request")
                        .contains("X-Amz-Signature=").doesNotContain("wJalrXUtnFEMI");
            }
        }
    }

    @Test
    void carriesMessagesOverWebsocketsToMosquitto() throws Exception {
        // in a folder Mosquitto can read after it drops root for its own user
        Path shared = ReadableFiles.createTempDirectory("edgeflow-ws-certs");
        TestCertificates certs = TestCertificates.generate(shared);
        int wsPort = FreePorts.loopbackPort();
        try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs).extraConfig("listener " + wsPort
                + " 127.0.0.1\nprotocol websockets\ncafile " + certs.caCertificate() + "\ncertfile "
                + certs.serverCertificate() + "\nkeyfile " + certs.serverKey()).start();
             FarSideClient cloud = FarSideClient.connect(broker.host(), broker.port()).subscribe("ws/#");
             AwsIotConnection c = AwsIotConnection.builder().endpoint("localhost").port(wsPort).clientId("ws-2")
                     .websocketsSigV4("eu-west-1", "AKIDEXAMPLE", "secret").caCertificate(certs.caCertificate())
                     .build();
             AwsIotSink sink = AwsIotSink.builder().connection(c).build()) {
            c.awaitReady(Duration.ofSeconds(15));
            sink.send(Message.of("ws/rpi-01", "{\"temperature\":21.5}")).toCompletableFuture().get(15,
                    TimeUnit.SECONDS);
            assertThat(cloud.awaitReceived(1, Duration.ofSeconds(15))).extracting(Message::payloadAsString)
                    .isEqualTo(List.of("{\"temperature\":21.5}"));
        } finally {
            ReadableFiles.deleteRecursively(shared);
        }
    }
}
