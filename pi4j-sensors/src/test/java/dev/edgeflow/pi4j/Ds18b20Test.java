package dev.edgeflow.pi4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DS18B20 driver against fake 1-Wire trees laid out as the kernel's. */
class Ds18b20Test {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path w1;

    @Test
    void readsTheTemperatureOfAGoodScratchpad() throws Exception {
        // A capture from a real sensor: 0x0172 = 370 sixteenths = 23.125 °C, CRC 0x57.
        device("28-0316a2795aff", "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n");
        Ds18b20 sensor = Ds18b20.discover(w1, CLOCK).get(0);

        Reading r = sensor.read();
        assertThat(r.values()).containsExactly(java.util.Map.entry(Reading.TEMPERATURE, 23.125));
        assertThat(r.timestamp()).isEqualTo(CLOCK.instant());
        assertThat(sensor.id()).isEqualTo("28-0316a2795aff");
        assertThat(sensor.name()).isEqualTo("ds18b20-0316a2795aff");
        assertThat(sensor.directory()).isEqualTo(w1.resolve("28-0316a2795aff"));
    }

    @Test
    void readsNegativeTemperatures() throws Exception {
        // -10.125 °C = 0xFF5E as the datasheet's table gives it.
        String bytes = scratchpad("5e ff 4b 46 7f ff 0c 10");
        device("28-000000000001", bytes + " : crc=" + bytes.substring(24) + " YES\n" + bytes + " t=-10125\n");
        assertThat(Ds18b20.discover(w1).get(0).read().value(Reading.TEMPERATURE)).hasValue(-10.125);
    }

    @Test
    void discoversEverySensorSortedByIdAndIgnoresOtherFamilies() throws Exception {
        String good = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";
        device("28-00000b000002", good);
        device("28-00000a000001", good);
        Files.createDirectories(w1.resolve("w1_bus_master1"));
        Files.createDirectories(w1.resolve("10-000802b4c1d2")); // a DS18S20, another family

        List<Ds18b20> found = Ds18b20.discover(w1);
        assertThat(found).extracting(Ds18b20::id).containsExactly("28-00000a000001", "28-00000b000002");
    }

    @Test
    void aCrcTheKernelRejectsIsARetryableError() throws Exception {
        device("28-0316a2795aff", "72 01 4b 46 7f ff 0e 10 58 : crc=57 NO\n72 01 4b 46 7f ff 0e 10 58 t=23125\n");
        assertThatThrownBy(() -> Ds18b20.at(w1.resolve("28-0316a2795aff")).read())
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isTrue())
                .hasMessageContaining("28-0316a2795aff").hasMessageContaining("CRC check failed")
                .hasMessageContaining("pull-up");
    }

    @Test
    void aCrcThatDoesNotMatchIsCaughtEvenWhenTheKernelSaysYes() throws Exception {
        device("28-0316a2795aff", "72 01 4b 46 7f ff 0e 10 58 : crc=58 YES\n72 01 4b 46 7f ff 0e 10 58 t=23125\n");
        assertThatThrownBy(() -> Ds18b20.at(w1.resolve("28-0316a2795aff")).read())
                .isInstanceOf(SensorException.class).hasMessageContaining("CRC is 58, computed 57");
    }

    @Test
    void thePowerOnValueIsNotAReading() throws Exception {
        String bytes = scratchpad("50 05 4b 46 7f ff 0c 10");
        device("28-0316a2795aff", bytes + " : crc=" + bytes.substring(24) + " YES\n" + bytes + " t=85000\n");
        assertThatThrownBy(() -> Ds18b20.at(w1.resolve("28-0316a2795aff")).read())
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isTrue())
                .hasMessageContaining("85 °C, the power-on value");
    }

    @Test
    void anAllZeroScratchpadMeansTheSensorStoppedAnswering() throws Exception {
        device("28-0316a2795aff", "00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n");
        assertThatThrownBy(() -> Ds18b20.at(w1.resolve("28-0316a2795aff")).read())
                .isInstanceOf(SensorException.class).hasMessageContaining("all-zero scratchpad");
    }

    @Test
    void aValueOutOfRangeIsABadRead() throws Exception {
        String bytes = scratchpad("d0 07 4b 46 7f ff 0c 10");
        device("28-0316a2795aff", bytes + " : crc=" + bytes.substring(24) + " YES\n" + bytes + " t=125500\n");
        assertThatThrownBy(() -> Ds18b20.at(w1.resolve("28-0316a2795aff")).read())
                .isInstanceOf(SensorException.class).hasMessageContaining("outside its range");
    }

    @Test
    void aSensorThatVanishedAfterDiscoveryIsARetryableError() throws Exception {
        Path dir = device("28-0316a2795aff",
                "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n");
        Ds18b20 sensor = Ds18b20.discover(w1).get(0);
        Files.delete(dir.resolve("w1_slave"));
        Files.delete(dir);
        assertThatThrownBy(sensor::read)
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isTrue())
                .hasMessageContaining("28-0316a2795aff vanished").hasMessageContaining("disconnected");
    }

    @Test
    void garbledContentIsSummarised() throws Exception {
        device("28-0316a2795aff", "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n");
        assertThatThrownBy(() -> Ds18b20.at(w1.resolve("28-0316a2795aff")).read())
                .isInstanceOf(SensorException.class).hasMessageContaining("unexpected content in w1_slave")
                .hasMessageContaining("crc=57 YES");
        device("28-0316a2795aff", "");
        assertThatThrownBy(() -> Ds18b20.at(w1.resolve("28-0316a2795aff")).read())
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isTrue())
                .hasMessageContaining("w1_slave was empty");
    }

    @Test
    void discoveryExplainsA1WireBusThatIsNotEnabledOrEmpty() {
        assertThatThrownBy(() -> Ds18b20.discover(w1.resolve("missing")))
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isFalse())
                .hasMessageContaining("1-Wire is not enabled").hasMessageContaining("dtoverlay=w1-gpio");
        assertThatThrownBy(() -> Ds18b20.discover(w1))
                .isInstanceOf(SensorException.class).hasMessageContaining("no DS18B20 found under " + w1)
                .hasMessageContaining("4.7 kΩ pull-up");
    }

    @Test
    void crc8MatchesTheDallasCheckValue() {
        // The CRC-8/MAXIM check value over "123456789" is 0xA1.
        byte[] check = "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(Ds18b20.crc8(check, check.length)).isEqualTo(0xA1);
    }

    private Path device(String id, String w1Slave) throws Exception {
        Path dir = Files.createDirectories(w1.resolve(id));
        Files.writeString(dir.resolve("w1_slave"), w1Slave);
        return dir;
    }

    /** Appends the CRC of eight bytes, computed by an implementation of the test's own (bit by bit, MSB form). */
    private static String scratchpad(String eightBytes) {
        int crc = 0;
        for (String hex : eightBytes.split(" ")) {
            int b = Integer.parseInt(hex, 16);
            for (int i = 0; i < 8; i++) {
                int in = (b >> i) & 1;
                int fb = (crc & 1) ^ in;
                crc >>= 1;
                if (fb == 1) {
                    crc ^= 0x8C;
                }
            }
        }
        return eightBytes + String.format(" %02x", crc);
    }
}
