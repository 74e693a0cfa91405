package dev.edgeflow.pi4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.pi4j.Reading;
import dev.edgeflow.pi4j.Sensor;
import dev.edgeflow.pi4j.SensorException;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.InvalidOptionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connector's hardware options opening the real drivers, on fake sysfs trees. */
class SystemSensorsTest {
    private final SystemSensors sensors = new SystemSensors();

    @Test
    void ds18b20AndDhtDirectoriesOpenTheirDrivers(@TempDir Path sys) throws Exception {
        Path w1 = Files.createDirectories(sys.resolve("w1/28-0316a2795aff"));
        Files.writeString(w1.resolve("w1_slave"),
                "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n");
        Path dht = Files.createDirectories(sys.resolve("iio/iio:device0"));
        Files.writeString(dht.resolve("in_temp_input"), "21300\n");
        Files.writeString(dht.resolve("in_humidityrelative_input"), "48250\n");

        List<Sensor> opened = sensors.open(ConnectorOptions.of("pi4j", Map.of("ds18b20", sys.resolve("w1"),
                "dht", dht)), null);

        assertThat(opened).extracting(Sensor::name).containsExactly("ds18b20-0316a2795aff", "dht22");
        assertThat(opened.get(0).read().value(Reading.TEMPERATURE)).hasValue(23.125);
        assertThat(opened.get(1).read().value(Reading.HUMIDITY)).hasValue(48.25);
    }

    @Test
    void noHardwareOptionsOpenNothing() {
        assertThat(sensors.open(ConnectorOptions.of("pi4j", Map.of("simulate", "bme280")), null)).isEmpty();
    }

    @Test
    void aBadBme280AddressNamesTheOption() {
        assertThatThrownBy(() -> sensors.open(ConnectorOptions.of("pi4j", Map.of("bme280", "0x40")), null))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("option 'bme280'")
                .hasMessageContaining("0x76 (SDO to GND) or 0x77");
    }

    @Test
    void aMissing1WireBusIsTheDriversClearError(@TempDir Path sys) {
        assertThatThrownBy(() -> sensors.open(ConnectorOptions.of("pi4j", Map.of("ds18b20", sys.resolve("none"))),
                null)).isInstanceOf(SensorException.class).hasMessageContaining("dtoverlay=w1-gpio");
    }
}
