package dev.edgeflow.testkit.mqtt;

import static dev.edgeflow.testkit.mqtt.TestClients.TIMEOUT_SECONDS;
import static dev.edgeflow.testkit.mqtt.TestClients.assertRoundTrip;
import static dev.edgeflow.testkit.mqtt.TestClients.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.edgeflow.testkit.internal.MosquittoPasswords;
import dev.edgeflow.testkit.internal.PortProbe;
import dev.edgeflow.testkit.internal.ReadableFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Mosquitto starts in a few milliseconds, so every test has a broker of its own. */
@Timeout(60)
class MosquittoBrokerIT {
    @TempDir
    static Path dir;
    static TestCertificates certs;

    @BeforeAll
    static void generateCertificates() {
        // A @TempDir is 0700: the broker must cope by copying what it needs to a folder it can read.
        certs = TestCertificates.generate(dir.resolve("certs"));
    }

    @Test
    void deliversAMessageOnThePlainListenerOfLoopback() {
        try (MosquittoBroker broker = MosquittoBroker.builder().start()) {
            assertThat(broker.uri()).isEqualTo("mqtt://127.0.0.1:" + broker.port());
            assertThat(broker.isRunning()).isTrue();
            Mqtt5BlockingClient client = client(broker.port()).buildBlocking();
            client.connect();
            assertRoundTrip(client);
            client.disconnect();
            assertThat(broker.log()).as("the broker's log")
                    .contains("Opening ipv4 listen socket on port " + broker.port())
                    .contains("New client connected from 127.0.0.1");
            assertThatThrownBy(broker::tlsPort).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("has no TLS listener");
        }
    }

    @Test
    void servesTlsThatAClientTrustingTheCaAccepts() {
        try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs).start()) {
            assertThat(broker.tlsUri()).isEqualTo("mqtts://127.0.0.1:" + broker.tlsPort());
            Mqtt5BlockingClient client = client(broker.tlsPort(), TestClients.trusting(certs.caCertificate()))
                    .buildBlocking();
            client.connect();
            assertRoundTrip(client);
            client.disconnect();
        }
    }

    @Test
    void requiredClientCertificateAcceptsTheCaSignedClientWithEitherKeyForm() {
        try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs).requireCertificate(true).start()) {
            for (Path key : List.of(certs.clientKey(), certs.clientKeyPkcs1())) {
                Mqtt5BlockingClient client = client(broker.tlsPort(), TestClients.trustingWithIdentity(
                        certs.caCertificate(), certs.clientCertificate(), key)).buildBlocking();
                client.connect();
                assertRoundTrip(client);
                client.disconnect();
            }
            assertThat(broker.log()).contains("u'edgeflow-test-client'");
        }
    }

    @Test
    void requiredClientCertificateRefusesAClientOfAnotherCaAndOneWithout() {
        try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs).requireCertificate(true).start()) {
            Mqtt5BlockingClient otherCa = client(broker.tlsPort(), TestClients.trustingWithIdentity(
                    certs.caCertificate(), certs.otherCaClientCertificate(), certs.otherCaClientKey())).buildBlocking();
            assertRefused(otherCa::connect, "a client certificate signed by another CA");
            Mqtt5BlockingClient without = client(broker.tlsPort(), TestClients.trusting(certs.caCertificate()))
                    .buildBlocking();
            assertRefused(without::connect, "no client certificate");
            assertThat(otherCa.getState().isConnected()).isFalse();
            assertThat(without.getState().isConnected()).isFalse();
        }
    }

    @Test
    void anExpiredServerCertificateIsRefusedByAClientThatTrustsTheCa() {
        try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs)
                .serverCertificate(certs.expiredServerCertificate(), certs.expiredServerKey()).start()) {
            Mqtt5BlockingClient client = client(broker.tlsPort(), TestClients.trusting(certs.caCertificate()))
                    .buildBlocking();
            assertThatThrownBy(client::connect)
                    .isInstanceOf(ConnectionFailedException.class)
                    .hasCauseInstanceOf(SSLHandshakeException.class)
                    .hasRootCauseInstanceOf(CertificateExpiredException.class);
        }
    }

    @Test
    void aServerCertificateForAnotherHostIsRefusedByAClientThatTrustsTheCa() {
        try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs)
                .serverCertificate(certs.wrongHostServerCertificate(), certs.wrongHostServerKey()).start()) {
            Mqtt5BlockingClient client = client(broker.tlsPort(), TestClients.trusting(certs.caCertificate()))
                    .buildBlocking();
            assertThatThrownBy(client::connect)
                    .isInstanceOf(ConnectionFailedException.class)
                    .hasCauseInstanceOf(SSLHandshakeException.class)
                    .hasRootCauseMessage("No subject alternative names matching IP address 127.0.0.1 found");
        }
    }

    @Test
    void aUserWithThePasswordIsAcceptedAndAWrongPasswordOrNoneRefused() {
        try (MosquittoBroker broker = MosquittoBroker.builder().user("sensor", "s3cret:with spaces").start()) {
            Mqtt5BlockingClient wrong = client(broker.port()).simpleAuth()
                    .username("sensor").password("wrong".getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                    .buildBlocking();
            assertThatThrownBy(wrong::connect)
                    .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage()
                            .getReasonCode()).isIn(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD,
                                    Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
            Mqtt5BlockingClient anonymous = client(broker.port()).buildBlocking();
            assertThatThrownBy(anonymous::connect).isInstanceOf(Mqtt5ConnAckException.class);

            Mqtt5BlockingClient right = client(broker.port()).simpleAuth()
                    .username("sensor").password("s3cret:with spaces".getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().buildBlocking();
            right.connect();
            assertRoundTrip(right);
            right.disconnect();
        }
    }

    @Test
    void aPasswordFileHashedWithoutMosquittoPasswdIsAccepted() {
        Path folder = ReadableFiles.createTempDirectory("edgeflow-passwd-test-");
        try {
            Path file = MosquittoPasswords.write(folder.resolve("passwd"), Map.of("carol", "pässwörd"),
                    Optional.empty());
            try (MosquittoBroker broker = MosquittoBroker.builder()
                    .extraConfig("allow_anonymous false\npassword_file " + file).start()) {
                Mqtt5BlockingClient wrong = client(broker.port()).simpleAuth()
                        .username("carol").password("passwort".getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                        .buildBlocking();
                assertThatThrownBy(wrong::connect).isInstanceOf(Mqtt5ConnAckException.class);
                Mqtt5BlockingClient right = client(broker.port()).simpleAuth()
                        .username("carol").password("pässwörd".getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                        .buildBlocking();
                right.connect();
                right.disconnect();
            }
        } finally {
            ReadableFiles.deleteRecursively(folder);
        }
    }

    @Test
    void restartKeepsThePortsAndAcceptsClientsAgain() {
        try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs).start()) {
            int port = broker.port();
            int tlsPort = broker.tlsPort();
            Mqtt5BlockingClient before = client(port).buildBlocking();
            before.connect();

            broker.restart();

            assertThat(broker.isRunning()).isTrue();
            assertThat(broker.port()).isEqualTo(port);
            assertThat(broker.tlsPort()).isEqualTo(tlsPort);
            await().atMost(Duration.ofSeconds(TIMEOUT_SECONDS)).until(() -> !before.getState().isConnected());
            Mqtt5BlockingClient after = client(port).buildBlocking();
            after.connect();
            assertRoundTrip(after);
            after.disconnect();
            Mqtt5BlockingClient tls = client(tlsPort, TestClients.trusting(certs.caCertificate())).buildBlocking();
            tls.connect();
            tls.disconnect();
        }
    }

    @Test
    void persistenceKeepsAnOfflineSessionsMessagesAcrossARestart() throws InterruptedException {
        try (MosquittoBroker broker = MosquittoBroker.builder().persistence(true).start()) {
            String topic = "edgeflow/testkit/persistent";
            Mqtt5BlockingClient subscriber = client(broker.port()).identifier("edgeflow-persistent-subscriber")
                    .buildBlocking();
            // Clean start false from the first connect: Mosquitto 2.0.11 does not persist a session begun with true.
            subscriber.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
            subscriber.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            subscriber.disconnect();
            Mqtt5BlockingClient publisher = client(broker.port()).buildBlocking();
            publisher.connect();
            publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload("kept".getBytes(StandardCharsets.UTF_8)).send();
            publisher.disconnect();

            broker.restart();

            Mqtt5BlockingClient again = client(broker.port()).identifier("edgeflow-persistent-subscriber")
                    .buildBlocking();
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
                boolean sessionPresent = again.connectWith().cleanStart(false).sessionExpiryInterval(3600).send()
                        .isSessionPresent();
                assertThat(sessionPresent).as("session present after restart, log:%n%s", broker.log()).isTrue();
                Optional<Mqtt5Publish> kept = publishes.receive(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                assertThat(kept).as("the message queued before the restart, log:%n%s", broker.log())
                        .hasValueSatisfying(m -> assertThat(m.getPayloadAsBytes())
                                .isEqualTo("kept".getBytes(StandardCharsets.UTF_8)));
            }
            again.disconnect();
        }
    }

    @Test
    void maxQueuedMessagesDropsWhatAnOfflineSessionCannotHold() throws InterruptedException {
        try (MosquittoBroker broker = MosquittoBroker.builder().maxQueuedMessages(2).start()) {
            String topic = "edgeflow/testkit/queue";
            Mqtt5BlockingClient subscriber = client(broker.port()).identifier("edgeflow-queue-subscriber")
                    .buildBlocking();
            subscriber.connectWith().sessionExpiryInterval(3600).send();
            subscriber.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            subscriber.disconnect();
            Mqtt5BlockingClient publisher = client(broker.port()).buildBlocking();
            publisher.connect();
            for (int i = 1; i <= 5; i++) {
                publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("reading-" + i).getBytes(StandardCharsets.UTF_8)).send();
            }

            Mqtt5BlockingClient again = client(broker.port()).identifier("edgeflow-queue-subscriber").buildBlocking();
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
                again.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
                // Published after the reconnect, so it comes after whatever was queued: no wait for an absence.
                publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                        .payload("marker".getBytes(StandardCharsets.UTF_8)).send();
                List<String> received = new ArrayList<>();
                while (!received.contains("marker")) {
                    Optional<Mqtt5Publish> next = publishes.receive(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    assertThat(next).as("a message after %s", received).isPresent();
                    received.add(new String(next.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
                }
                assertThat(received).containsExactly("reading-1", "reading-2", "marker");
            }
            again.disconnect();
            publisher.disconnect();
        }
    }

    @Test
    void killEndsTheBrokerAtOnceAndItsClientsNotice() {
        try (MosquittoBroker broker = MosquittoBroker.builder().start()) {
            Mqtt5BlockingClient client = client(broker.port()).buildBlocking();
            client.connect();

            broker.kill();

            assertThat(broker.isRunning()).isFalse();
            assertThat(PortProbe.accepts("127.0.0.1", broker.port())).isFalse();
            await().atMost(Duration.ofSeconds(TIMEOUT_SECONDS)).until(() -> !client.getState().isConnected());
            broker.restart();
            assertThat(broker.isRunning()).isTrue();
        }
    }

    @Test
    void closeEndsTheBrokerDeletesItsFilesAndMayBeCalledAgain() {
        MosquittoBroker broker = MosquittoBroker.builder().start();
        int port = broker.port();

        broker.close();
        broker.close();

        assertThat(broker.isRunning()).isFalse();
        assertThat(PortProbe.accepts("127.0.0.1", port)).isFalse();
        assertThat(broker.log()).as("log of a closed broker, whose files are gone").isEmpty();
        assertThatThrownBy(broker::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aConfigurationMosquittoRejectsFailsTheStartWithItsError() {
        assertThatThrownBy(() -> MosquittoBroker.builder().extraConfig("no_such_option true").start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("mosquitto does not accept connections")
                .hasMessageContaining("no_such_option");
    }

    private static void assertRefused(ThrowingCallable connect, String what) {
        assertThatThrownBy(connect).as("connecting with %s", what)
                .isInstanceOfAny(ConnectionFailedException.class, ConnectionClosedException.class);
    }
}
