package dev.edgeflow.pi4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DHT driver against fake IIO trees; the driver's EIO and ETIMEDOUT come from a scripted reader. */
class DhtSensorTest {
    @TempDir
    Path iio;

    private final List<Duration> sleeps = new ArrayList<>();

    @Test
    void readsTemperatureAndHumidityFromTheIioFiles() throws Exception {
        Path dev = device("iio:device0", "dht11@0", "21300", "48250");
        DhtSensor dht = DhtSensor.builder().device(dev).build();

        Reading r = dht.read();
        assertThat(r.values()).containsExactly(Map.entry(Reading.TEMPERATURE, 21.3), Map.entry(Reading.HUMIDITY, 48.25));
        assertThat(dht.name()).isEqualTo("dht22");
        assertThat(dht.device()).isEqualTo(dev);
    }

    @Test
    void discoversTheDeviceByItsDriverName() throws Exception {
        device("iio:device0", "mcp3008", "0", "0");
        Path dht = device("iio:device1", "dht11@0", "-5500", "91000");
        DhtSensor sensor = DhtSensor.builder().discover(iio).name("greenhouse-dht").build();

        assertThat(sensor.device()).isEqualTo(dht);
        assertThat(sensor.read().value(Reading.TEMPERATURE)).hasValue(-5.5);
    }

    @Test
    void retriesAnEioThenReturnsTheGoodValue() throws Exception {
        Path dev = device("iio:device0", "dht11@0", "21300", "48250");
        Deque<Object> script = new ArrayDeque<>(List.of(new IOException("Input/output error"), "21300", "48250"));
        DhtSensor dht = scripted(dev, script).maxAttempts(3).retryDelay(Duration.ofSeconds(2)).build();

        assertThat(dht.read().value(Reading.HUMIDITY)).hasValue(48.25);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(2));
    }

    @Test
    void givesUpAfterMaxAttemptsNamingTheLastError() throws Exception {
        Path dev = device("iio:device0", "dht11@0", "21300", "48250");
        Deque<Object> script = new ArrayDeque<>();
        for (int i = 0; i < 10; i++) {
            script.add(new IOException("Connection timed out"));
        }
        DhtSensor dht = scripted(dev, script).maxAttempts(4).retryDelay(Duration.ofMillis(2100)).build();

        assertThatThrownBy(dht::read)
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isTrue())
                .hasMessageContaining(dev.toString()).hasMessageContaining("no good read after 4 attempts")
                .hasMessageContaining("ETIMEDOUT").hasMessageContaining("10 kΩ pull-up");
        assertThat(sleeps).hasSize(3).containsOnly(Duration.ofMillis(2100));
        assertThat(script).hasSize(6);
    }

    @Test
    void aValueOutOfRangeIsRetriedLikeABadRead() throws Exception {
        Path dev = device("iio:device0", "dht11@0", "21300", "48250");
        Deque<Object> script = new ArrayDeque<>(List.of("21300", "130000", "21400", "50000"));
        DhtSensor dht = scripted(dev, script).retryDelay(Duration.ZERO).build();

        assertThat(dht.read().values()).containsEntry(Reading.HUMIDITY, 50.0);
        assertThat(sleeps).hasSize(1);
    }

    @Test
    void aMissingDeviceSaysWhichOverlayToAdd() throws Exception {
        assertThatThrownBy(() -> DhtSensor.builder().device(iio.resolve("iio:device9")).build())
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isFalse())
                .hasMessageContaining("dtoverlay=dht11,gpiopin=<N>");
        assertThatThrownBy(() -> DhtSensor.builder().discover(iio.resolve("none")).build())
                .isInstanceOf(SensorException.class).hasMessageContaining("dtoverlay=dht11");
        device("iio:device0", "ads1015", "0", "0");
        assertThatThrownBy(() -> DhtSensor.builder().discover(iio).build())
                .isInstanceOf(SensorException.class).hasMessageContaining("no IIO device named dht11");
        device("iio:device1", "dht11@0", "0", "0");
        device("iio:device2", "dht11@1", "0", "0");
        assertThatThrownBy(() -> DhtSensor.builder().discover(iio).build())
                .isInstanceOf(SensorException.class).hasMessageContaining("found 2 DHT sensors")
                .hasMessageContaining("device(Path)");
    }

    @Test
    void aDeviceThatVanishedIsNotRetried() throws Exception {
        Path dev = device("iio:device0", "dht11@0", "21300", "48250");
        DhtSensor dht = DhtSensor.builder().device(dev).sleeper(sleeps::add).build();
        Files.delete(dev.resolve(DhtSensor.TEMPERATURE_FILE));
        assertThatThrownBy(dht::read)
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isFalse())
                .hasMessageContaining("does not exist");
        assertThat(sleeps).isEmpty();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> DhtSensor.builder().maxAttempts(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts is 0");
        assertThatThrownBy(() -> DhtSensor.builder().retryDelay(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retryDelay");
    }

    private DhtSensor.Builder scripted(Path dev, Deque<Object> script) {
        return DhtSensor.builder().device(dev).sleeper(sleeps::add).files(file -> {
            Object next = script.poll();
            if (next == null) {
                throw new AssertionError("read more often than scripted: " + file);
            }
            if (next instanceof IOException) {
                throw (IOException) next;
            }
            return (String) next;
        });
    }

    private Path device(String dir, String name, String milliCelsius, String milliPercent) throws Exception {
        Path dev = Files.createDirectories(iio.resolve(dir));
        Files.writeString(dev.resolve("name"), name + "\n");
        Files.writeString(dev.resolve(DhtSensor.TEMPERATURE_FILE), milliCelsius + "\n");
        Files.writeString(dev.resolve(DhtSensor.HUMIDITY_FILE), milliPercent + "\n");
        return dev;
    }
}
