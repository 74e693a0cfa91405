package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.edgeflow.core.Message;
import dev.edgeflow.pi4j.SensorException;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sensor example end to end: readings reach a real broker in the tutorial's shape. */
class RaspberryPiSensorsIT {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @Test
    void simulatedSensorsPublishToTheEmbeddedBrokerWhichReceivesEveryAcknowledgedReading() throws Exception {
        RaspberryPiSensors.Result result = RaspberryPiSensors.run(
                new String[] {"--simulate", "--count", "6", "--interval", "0.1"}, out);

        assertThat(result.published()).hasSizeGreaterThanOrEqualTo(6);
        assertThat(result.published()).extracting(Message::topic).contains("sensor/pi-1/bme280",
                "sensor/pi-1/ds18b20");
        for (Message m : result.published()) {
            assertThat(m.payloadAsJson().path("device_id").asText()).isEqualTo("pi-1");
            assertThat(m.payloadAsJson().path("temperature").isNumber()).isTrue();
            assertThat(m.payloadAsJson().path("timestamp").isNumber()).isTrue();
        }
        Message bme = result.published().stream().filter(m -> m.topic().endsWith("/bme280")).findFirst().orElseThrow();
        assertThat(bme.payloadAsJson().path("humidity").isNumber()).isTrue();
        assertThat(bme.payloadAsJson().path("pressure").isNumber()).isTrue();
        // Every reading the broker acknowledged arrived at the subscriber, unchanged.
        assertThat(payloads(result.received())).containsAll(payloads(result.published()));
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("received sensor/pi-1/bme280",
                "published ");
    }

    @Test
    void ds18b20sOnA1WireBusArePublishedToAnExternalBroker(@TempDir Path w1) throws Exception {
        oneWire(w1, "28-0316a2795aff", "72 01 4b 46 7f ff 0e 10 57", "23125");
        oneWire(w1, "28-00000a1b2c3d", "50 05 4b 46 7f ff 0c 10 1c", "85000");
        try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.builder().start()) {
            RaspberryPiSensors.Result result = RaspberryPiSensors.run(new String[] {"--broker", broker.uri(),
                "--device", "shed", "--sensors", "ds18b20", "--w1-dir", w1.toString(), "--count", "2",
                "--interval", "0.1"}, out);

            Message reading = result.published().get(0);
            assertThat(reading.topic()).isEqualTo("sensor/shed/ds18b20-0316a2795aff");
            assertThat(reading.payloadAsJson().path("temperature").asDouble()).isEqualTo(23.125);
            assertThat(result.received()).as("no subscriber of its own with --broker").isEmpty();
            // The second sensor reports the 85 °C power-on value: an error event, never a reading.
            assertThat(result.published()).extracting(Message::topic).containsOnly("sensor/shed/ds18b20-0316a2795aff");
            assertThat(result.errors()).isNotEmpty().allSatisfy(e -> {
                assertThat(e.topic()).isEqualTo("sensor/shed/ds18b20-00000a1b2c3d/error");
                assertThat(e.payloadAsJson().path("error").asText()).contains("85");
            });
        }
    }

    @Test
    void aBme280WithoutAnI2cBusSaysHowToEnableIt() {
        assumeFalse(Files.exists(Path.of("/dev/i2c-1")), "this machine has /dev/i2c-1; the test is for one without");
        assertThatThrownBy(() -> RaspberryPiSensors.run(new String[] {"--sensors", "bme280", "--count", "1"}, out))
                .isInstanceOf(SensorException.class)
                .hasMessageContaining("/dev/i2c-1 does not exist").hasMessageContaining("raspi-config");
    }

    @Test
    void badArgumentsSayWhatTheyTake() {
        assertThatThrownBy(() -> RaspberryPiSensors.run(new String[] {"--interval", "often"}, out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--interval is 'often'");
        assertThatThrownBy(() -> RaspberryPiSensors.run(new String[] {"--sensors", "bme680"}, out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bme680");
        assertThatThrownBy(() -> RaspberryPiSensors.run(new String[] {"--bme280-address", "0x40"}, out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x76 (SDO to GND)");
    }

    private static void oneWire(Path w1, String id, String scratchpad, String milli) throws Exception {
        Path dir = Files.createDirectories(w1.resolve(id));
        String crc = scratchpad.substring(scratchpad.length() - 2);
        Files.writeString(dir.resolve("w1_slave"), scratchpad + " : crc=" + crc + " YES\n" + scratchpad + " t="
                + milli + "\n");
    }

    private static List<String> payloads(List<Message> messages) {
        return messages.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8))
                .collect(Collectors.toList());
    }
}
