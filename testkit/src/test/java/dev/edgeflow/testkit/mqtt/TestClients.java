package dev.edgeflow.testkit.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** MQTT clients that tests point at the brokers, with TLS set up from the PEM files of {@link TestCertificates}. */
final class TestClients {
    static final int TIMEOUT_SECONDS = 10;

    private TestClients() {
    }

    /** A client builder for MQTT 5 with timeouts, so that a test against a silent broker fails instead of hanging. */
    static Mqtt5ClientBuilder client(int port) {
        return client(port, null);
    }

    /**
     * The same with TLS. The TLS settings go into the transport configuration with the timeouts: set on the client
     * builder after a transport configuration, they would be lost.
     */
    static Mqtt5ClientBuilder client(int port, MqttClientSslConfig tls) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier("edgeflow-testkit-" + UUID.randomUUID())
                .transportConfig()
                .serverHost("127.0.0.1")
                .serverPort(port)
                .sslConfig(tls)
                .socketConnectTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .mqttConnectTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .applyTransportConfig();
    }

    /** TLS that trusts one CA and presents no client certificate. */
    static MqttClientSslConfig trusting(Path caCertificate) {
        return MqttClientSslConfig.builder().trustManagerFactory(trustManagers(caCertificate)).build();
    }

    /** TLS that trusts one CA and presents a client certificate. */
    static MqttClientSslConfig trustingWithIdentity(Path caCertificate, Path certificate, Path key) {
        return MqttClientSslConfig.builder()
                .trustManagerFactory(trustManagers(caCertificate))
                .keyManagerFactory(keyManagers(certificate, key))
                .build();
    }

    /** Subscribes a connected client to a topic of its own, publishes to it at QoS 1 and waits for the message. */
    static void assertRoundTrip(Mqtt5BlockingClient connected) {
        String topic = "edgeflow/testkit/" + UUID.randomUUID();
        byte[] payload = ("{\"temperature\":21.5,\"topic\":\"" + topic + "\"}").getBytes(StandardCharsets.UTF_8);
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = connected.publishes(MqttGlobalPublishFilter.SUBSCRIBED)) {
            connected.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            connected.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
            Optional<Mqtt5Publish> received = publishes.receive(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(received).as("the message published to %s, back within %d s", topic, TIMEOUT_SECONDS)
                    .hasValueSatisfying(message -> {
                        assertThat(message.getTopic().toString()).isEqualTo(topic);
                        assertThat(message.getPayloadAsBytes()).isEqualTo(payload);
                    });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the message on " + topic, e);
        }
    }

    static TrustManagerFactory trustManagers(Path caCertificate) {
        try (InputStream in = Files.newInputStream(caCertificate)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        } catch (IOException | GeneralSecurityException e) {
            throw new AssertionError("cannot trust " + caCertificate + ": " + e, e);
        }
    }

    static KeyManagerFactory keyManagers(Path certificate, Path key) {
        try {
            char[] password = "test".toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", readPrivateKey(key), password, new Certificate[] {readCertificate(certificate)});
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory;
        } catch (IOException | GeneralSecurityException e) {
            throw new AssertionError("cannot use " + certificate + " with " + key + ": " + e, e);
        }
    }

    static X509Certificate readCertificate(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new AssertionError("cannot read the certificate " + pem + ": " + e, e);
        }
    }

    /** Reads a PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) key. */
    static PrivateKey readPrivateKey(Path pem) throws IOException {
        try (Reader reader = Files.newBufferedReader(pem, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PEMKeyPair) {
                return converter.getKeyPair((PEMKeyPair) object).getPrivate();
            }
            if (object instanceof PrivateKeyInfo) {
                return converter.getPrivateKey((PrivateKeyInfo) object);
            }
            throw new AssertionError(pem + " holds " + (object == null ? "no PEM object" : object.getClass().getName())
                    + ", not a private key");
        }
    }
}
