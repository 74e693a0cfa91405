package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.InvalidOptionException;
import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scheme awsiot through the SPI: URIs and options onto the builders, bad options named. Nothing listens. */
class AwsIotConnectorProviderTest {
    @TempDir
    static Path dir;
    private static TestCertificates certs;

    @BeforeAll
    static void certificates() {
        certs = TestCertificates.generate(dir.resolve("certs"));
    }

    private static String files() {
        return "certificate=" + certs.clientCertificate() + "&privateKey=" + certs.clientKey() + "&rootCa="
                + certs.caCertificate();
    }

    @Test
    void buildsABatchingSinkFromAUri() {
        int port = FreePorts.loopbackPort();
        try (Sink s = Connectors.sink(URI.create("awsiot://localhost:" + port + "?clientId=rpi-01&" + files()
                + "&batchBytes=64KiB&batchDelay=200ms&publishesPerSecond=50"))) {
            assertThat(s).isInstanceOf(AwsIotSink.class);
            AwsIotSink sink = (AwsIotSink) s;
            assertThat(sink.connection().clientId()).isEqualTo("rpi-01");
            assertThat(sink.connection().port()).isEqualTo(port);
            assertThat(sink.connection().limits().publishesPerSecond()).isEqualTo(50);
            assertThat(sink.toString()).contains("batching 65536 B / 200 ms");
        }
    }

    @Test
    void buildsASourceWithItsSubscriptions() {
        try (Source s = Connectors.source("awsiot", Map.of("host", "localhost", "port",
                String.valueOf(FreePorts.loopbackPort()), "clientId", "rpi-01-in", "certificate",
                certs.clientCertificate().toString(), "privateKey", certs.clientKey().toString(),
                "subscribe", "device/rpi-01/commands/#, device/rpi-01/config", "limits", "none"))) {
            assertThat(s).isInstanceOf(AwsIotSource.class);
            assertThat(s.redeliversOnNack()).isTrue();
            assertThat(((AwsIotSource) s).connection().limits()).isSameAs(AwsIotLimits.NONE);
        }
    }

    @Test
    void checkingFindsTheBadOptionsThatCreatingWouldWithoutReadingAFile() {
        Map<String, String> good = Map.of("host", "localhost", "clientId", "rpi-01",
                "certificate", "/not/yet/device.cert.pem", "privateKey", "/not/yet/device.private.key",
                "subscribe", "device/rpi-01/commands/#");

        Connectors.checkSource(ConnectorOptions.of("awsiot", good));
        Connectors.checkSink(ConnectorOptions.of("awsiot", Map.of("host", "localhost", "clientId", "rpi-01",
                "certificate", "/not/yet/device.cert.pem", "privateKey", "/not/yet/device.private.key")));

        assertThatThrownBy(() -> Connectors.checkSink(ConnectorOptions.of("awsiot", Map.of("clientId", "rpi-01",
                "certificate", "/not/yet/device.cert.pem", "privateKey", "/not/yet/device.private.key"))))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("option 'host'");
        assertThatThrownBy(() -> Connectors.checkSink(ConnectorOptions.of("awsiot", Map.of("host", "localhost",
                "clientId", "rpi-01", "certificate", "/not/yet/device.cert.pem", "privateKey",
                "/not/yet/device.private.key", "limits", "strict"))))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("limits");
        assertThatThrownBy(() -> Connectors.checkSource(ConnectorOptions.of("awsiot", Map.of("host", "localhost",
                "clientId", "rpi-01", "certificate", "/not/yet/device.cert.pem", "privateKey",
                "/not/yet/device.private.key"))))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("subscribe");
    }

    @Test
    void aMissingEndpointSaysHowToGiveIt() {
        assertThatThrownBy(() -> Connectors.sink("awsiot", Map.of("clientId", "rpi-01",
                "certificate", certs.clientCertificate().toString(), "privateKey", certs.clientKey().toString())))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("option 'host'")
                .hasMessageContaining("iot:Data-ATS");
    }

    @Test
    void aKeyThatDoesNotExistIsNamed() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("awsiot://localhost?clientId=rpi-01&certificate="
                + certs.clientCertificate() + "&privateKey=/no/such/device.private.key")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("option 'privateKey'")
                .hasMessageContaining("/no/such/device.private.key").hasMessageContaining("does not exist");
    }

    @Test
    void badValuesAndUnknownOptionsAreNamed() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("awsiot://localhost?clientId=a&" + files()
                + "&limits=strict"))).isInstanceOf(InvalidOptionException.class).hasMessageContaining("limits")
                .hasMessageContaining("iot-core or none");
        assertThatThrownBy(() -> Connectors.sink(URI.create("awsiot://localhost?clientId=a&" + files()
                + "&qos=2"))).isInstanceOf(InvalidOptionException.class).hasMessageContaining("qos");
        assertThatThrownBy(() -> Connectors.sink(URI.create("awsiot://localhost?clientId=a&" + files()
                + "&topicAlias=1"))).isInstanceOf(InvalidOptionException.class).hasMessageContaining("topicAlias");
        assertThatThrownBy(() -> Connectors.source(URI.create("awsiot://localhost?clientId=a&" + files())))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("subscribe");
    }

    @Test
    void takesEverythingFromADeviceConfig() {
        int port = FreePorts.loopbackPort();
        Path file = dir.resolve("edgeflow-aws.json");
        DeviceConfig.builder().endpoint("localhost").port(port).thingName("rpi-sensor-01")
                .certificateFile(certs.clientCertificate()).privateKeyFile(certs.clientKey())
                .rootCaFile(certs.caCertificate()).build().write(file);
        try (Sink s = Connectors.sink(URI.create("awsiot:?config=" + file))) {
            AwsIotSink sink = (AwsIotSink) s;
            assertThat(sink.connection().clientId()).isEqualTo("rpi-sensor-01");
            assertThat(sink.connection().endpoint()).isEqualTo("localhost");
            assertThat(sink.connection().port()).isEqualTo(port);
        }
        assertThatThrownBy(() -> Connectors.sink(URI.create("awsiot:?config=" + dir.resolve("missing.json"))))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("config")
                .hasMessageContaining("missing.json");
    }
}
