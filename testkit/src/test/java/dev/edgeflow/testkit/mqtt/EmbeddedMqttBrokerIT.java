package dev.edgeflow.testkit.mqtt;

import static dev.edgeflow.testkit.mqtt.TestClients.assertRoundTrip;
import static dev.edgeflow.testkit.mqtt.TestClients.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.edgeflow.testkit.internal.PortProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each broker start costs about half a second and each stop two, so the tests share what they can. */
@Timeout(60)
class EmbeddedMqttBrokerIT {
    @TempDir
    static Path dir;
    static TestCertificates certs;
    static EmbeddedMqttBroker plain;
    static EmbeddedMqttBroker mutualTls;

    @BeforeAll
    static void startBrokers() {
        certs = TestCertificates.generate(dir.resolve("certs"));
        plain = EmbeddedMqttBroker.builder().start();
        mutualTls = EmbeddedMqttBroker.builder().tls(certs, true).start();
    }

    @AfterAll
    static void closeBrokers() {
        // Side by side: each close waits about two seconds for HiveMQ's network threads to go quiet.
        CompletableFuture.allOf(Stream.of(plain, mutualTls).filter(Objects::nonNull)
                .map(broker -> CompletableFuture.runAsync(broker::close)).toArray(CompletableFuture[]::new)).join();
    }

    @Test
    void deliversAMessageOnThePlainListenerOfLoopback() {
        assertThat(plain.host()).isEqualTo("127.0.0.1");
        assertThat(plain.uri()).isEqualTo("mqtt://127.0.0.1:" + plain.port());
        assertThat(plain.isRunning()).isTrue();
        Mqtt5BlockingClient client = client(plain.port()).buildBlocking();
        client.connect();
        assertRoundTrip(client);
        client.disconnect();
    }

    @Test
    void takesPublishesOnAwsReservedTopicsAsMosquittoAndIotCoreDo() throws InterruptedException {
        // The emulated shadow and identity services and their devices talk on $aws/... topics.
        Mqtt5BlockingClient client = client(plain.port()).buildBlocking();
        client.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = client.publishes(MqttGlobalPublishFilter.ALL)) {
            client.subscribeWith().topicFilter("$aws/things/rpi/shadow/get/accepted").qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            client.publishWith().topic("$aws/things/rpi/shadow/get/accepted").qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{}".getBytes(StandardCharsets.UTF_8)).send();
            assertThat(publishes.receive(TestClients.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                    .hasValueSatisfying(p -> assertThat(p.getTopic().toString())
                            .isEqualTo("$aws/things/rpi/shadow/get/accepted"));
        }
        assertThat(client.getState().isConnected()).isTrue();
        client.disconnect();
    }

    @Test
    void withoutTlsTheTlsPortIsAnErrorThatSaysHowToAskForIt() {
        assertThatThrownBy(plain::tlsPort)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no TLS listener")
                .hasMessageContaining(".tls(certificates, requireClientCertificate)");
        assertThatThrownBy(plain::tlsUri).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tlsListenerWithRequiredClientCertificateAcceptsTheCaSignedClient() {
        assertThat(mutualTls.tlsUri()).isEqualTo("mqtts://127.0.0.1:" + mutualTls.tlsPort());
        assertThat(mutualTls.tlsPort()).isNotEqualTo(mutualTls.port());
        Mqtt5BlockingClient client = client(mutualTls.tlsPort(), TestClients.trustingWithIdentity(
                certs.caCertificate(), certs.clientCertificate(), certs.clientKey())).buildBlocking();
        client.connect();
        assertRoundTrip(client);
        client.disconnect();
    }

    @Test
    void tlsListenerWithRequiredClientCertificateRefusesAClientWithoutOne() {
        Mqtt5BlockingClient client = client(mutualTls.tlsPort(), TestClients.trusting(certs.caCertificate()))
                .buildBlocking();
        assertThatThrownBy(client::connect)
                .as("connecting without a client certificate where one is required")
                .isInstanceOfAny(ConnectionFailedException.class, ConnectionClosedException.class);
        assertThat(client.getState().isConnected()).isFalse();
    }

    @Test
    void restartsOnTheSamePortThenClosesForGood() {
        EmbeddedMqttBroker broker = EmbeddedMqttBroker.builder().start();
        try {
            int port = broker.port();
            broker.stop();
            assertThat(broker.isRunning()).isFalse();
            assertThat(PortProbe.accepts("127.0.0.1", port)).as("port %d accepts after stop", port).isFalse();

            broker.restart();
            assertThat(broker.isRunning()).isTrue();
            assertThat(broker.port()).isEqualTo(port);
            Mqtt5BlockingClient client = client(port).buildBlocking();
            client.connect();
            assertRoundTrip(client);
            client.disconnect();
        } finally {
            broker.close();
        }
        broker.close();

        assertThat(broker.isRunning()).isFalse();
        assertThat(PortProbe.accepts("127.0.0.1", broker.port())).as("port accepts after close").isFalse();
        assertThatThrownBy(broker::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void announcesTheServerReceiveMaximumItWasGivenAndCountsPublishes() {
        try (EmbeddedMqttBroker slow = EmbeddedMqttBroker.builder().serverReceiveMaximum(1).maxQueuedMessages(50_000).start()) {
            Mqtt5BlockingClient c = client(slow.port()).buildBlocking();
            int granted = c.connect().getRestrictions().getReceiveMaximum();
            assertThat(granted).isEqualTo(1);
            long before = slow.publishesReceived();
            assertRoundTrip(c);
            assertThat(slow.publishesReceived()).isGreaterThan(before);
            c.disconnect();
        }
        assertThatThrownBy(() -> EmbeddedMqttBroker.builder().serverReceiveMaximum(0))
                .hasMessageContaining("serverReceiveMaximum must be 1 to 65535, was 0");
        assertThatThrownBy(() -> EmbeddedMqttBroker.builder().maxQueuedMessages(0))
                .hasMessageContaining("maxQueuedMessages must be at least 1");
    }
}
