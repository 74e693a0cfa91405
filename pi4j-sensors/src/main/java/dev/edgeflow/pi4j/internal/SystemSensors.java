package dev.edgeflow.pi4j.internal;

import com.pi4j.context.Context;
import dev.edgeflow.pi4j.Bme280;
import dev.edgeflow.pi4j.DhtSensor;
import dev.edgeflow.pi4j.Ds18b20;
import dev.edgeflow.pi4j.Sensor;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.InvalidOptionException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The sensors of the real machine, named by options {@code bme280} (an I2C address, with
 * {@code i2cBus}), {@code ds18b20} and {@code dht} ({@code auto} or a directory).
 */
final class SystemSensors implements Pi4jConnectorProvider.HardwareSensors {
    private static final Path W1_DEVICES = Path.of("/sys/bus/w1/devices");
    private static final Path IIO_DEVICES = Path.of("/sys/bus/iio/devices");

    @Override
    public List<Sensor> open(ConnectorOptions options, Context pi4j) {
        List<Sensor> sensors = new ArrayList<>();
        try {
            Optional<String> bme = options.string("bme280");
            if (bme.isPresent()) {
                int bus = options.integer("i2cBus", 1, 0, 255);
                sensors.add(Bme280.builder().bus(bus).address(address(options, bme.get())).open(pi4j));
            }
            Optional<String> w1 = options.string("ds18b20");
            if (w1.isPresent()) {
                sensors.addAll(Ds18b20.discover(directory(w1.get(), W1_DEVICES)));
            }
            Optional<String> dht = options.string("dht");
            if (dht.isPresent()) {
                DhtSensor.Builder b = DhtSensor.builder();
                if (dht.get().equalsIgnoreCase("auto")) {
                    b.discover(IIO_DEVICES);
                } else {
                    b.device(Path.of(dht.get()));
                }
                sensors.add(b.build());
            }
            return sensors;
        } catch (RuntimeException e) {
            sensors.forEach(Sensor::close);
            throw e;
        }
    }

    private static Path directory(String value, Path auto) {
        return value.equalsIgnoreCase("auto") ? auto : Path.of(value);
    }

    private static int address(ConnectorOptions options, String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "0x76":
            case "118":
            case "true":
                return 0x76;
            case "0x77":
            case "119":
                return 0x77;
            default:
                throw new InvalidOptionException("bme280", "option 'bme280' of connector '" + options.scheme()
                        + "' is '" + value + "': give the BME280's I2C address, 0x76 (SDO to GND) or 0x77 (SDO to "
                        + "3.3 V)");
        }
    }
}
