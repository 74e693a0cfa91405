package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.aws.DeviceConfig;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tutorial's AWS IoT client (section 2.3): what reaches "the cloud", in what form, and what is printed. */
class AwsPublishReadingsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void withNoConnectionOptionsTheLocalStandInReceivesExactlyTheTenReadings() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        long before = Instant.now().getEpochSecond();

        AwsPublishReadings.Result r = AwsPublishReadings.run(new String[] {"--interval", "0"},
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(r.rejected()).isEmpty();
        assertThat(r.confirmed()).hasSize(10);
        assertThat(r.cloudReceived()).hasSize(10).allSatisfy(m -> assertThat(m.topic()).isEqualTo("sensor/data"));
        assertSeedReadings(r.cloudReceived(), "RaspberryPi-001", before);
        assertThat(r.stats().forwarded()).isEqualTo(10);
        String out = printed.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("Connected successfully!").contains("Disconnected")
                .contains("Published: sensor/data = {\"device_id\":\"RaspberryPi-001\",\"temperature\":25.5,"
                        + "\"humidity\":60,\"timestamp\":")
                .contains("The cloud received 10 of 10 readings");
        assertThat(out.lines().filter(l -> l.startsWith("Published: sensor/data = "))).hasSize(10);
        assertThat(out.lines().filter(l -> l.startsWith("[cloud] received sensor/data: "))).hasSize(10);
    }

    @Test
    void withAConfigItConnectsToTheBrokerItNamesWithMutualTls() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir.resolve("certs"));
        try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs).requireCertificate(true).start()) {
            Path config = dir.resolve("edgeflow-aws.json");
            DeviceConfig.builder().endpoint("localhost").port(broker.tlsPort()).thingName("RaspberryPi-002")
                    .certificateFile(certs.clientCertificate()).privateKeyFile(certs.clientKeyPkcs1())
                    .rootCaFile(certs.caCertificate()).build().write(config);
            MqttSource cloud = MqttSource.builder().serverUri(broker.uri()).subscribe("sensor/#").build();
            MemorySink arrived = MemorySink.create("arrived", 100);
            Pipeline reader = Pipeline.from(cloud).to(arrived).start();
            try {
                cloud.awaitReady(WAIT);
                long before = Instant.now().getEpochSecond();

                AwsPublishReadings.Result r = AwsPublishReadings.run(new String[] {"--config", config.toString(),
                    "--topic", "sensor/RaspberryPi-002/data", "--interval", "0"}, new PrintStream(
                        new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

                assertThat(r.confirmed()).hasSize(10);
                assertThat(r.cloudReceived()).as("nothing of its own to subscribe to against a broker").isEmpty();
                Awaitility.await().atMost(WAIT).until(() -> arrived.messages().size() >= 10);
                List<Message> got = arrived.messages();
                assertThat(got).hasSize(10).allSatisfy(m -> assertThat(m.topic())
                        .isEqualTo("sensor/RaspberryPi-002/data"));
                assertSeedReadings(got, "RaspberryPi-002", before);
            } finally {
                reader.stop(Duration.ofSeconds(2));
                cloud.close();
            }
        }
    }

    /** The tutorial's fields and values: temperature 25.5 + i * 0.1, humidity 60 + i, a timestamp in seconds. */
    private static void assertSeedReadings(List<Message> readings, String deviceId, long notBefore) {
        List<JsonNode> json = readings.stream().map(Message::payloadAsJson).toList();
        assertThat(json).allSatisfy(j -> {
            assertThat(j.fieldNames()).toIterable().containsExactly("device_id", "temperature", "humidity",
                    "timestamp");
            assertThat(j.get("device_id").asText()).isEqualTo(deviceId);
            assertThat(j.get("timestamp").asLong()).isBetween(notBefore, Instant.now().getEpochSecond());
        });
        assertThat(json.stream().map(j -> j.get("temperature").asDouble()).toList()).containsExactlyInAnyOrder(
                25.5, 25.6, 25.7, 25.8, 25.9, 26.0, 26.1, 26.2, 26.3, 26.4);
        assertThat(json.stream().map(j -> j.get("humidity").asInt()).toList()).containsExactlyInAnyOrder(
                60, 61, 62, 63, 64, 65, 66, 67, 68, 69);
    }
}
