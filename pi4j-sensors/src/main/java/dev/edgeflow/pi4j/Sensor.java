package dev.edgeflow.pi4j;

/**
 * A sensor that a {@code SensorSource} polls: each {@link #read()} measures once.
 *
 * <p>Implementations read hardware (I2C, 1-Wire, the kernel's IIO drivers) or simulate it. A read
 * blocks for as long as the measurement takes (a BME280 in forced mode: about 10 ms; a DS18B20:
 * up to 750 ms) and is called from one thread at a time.
 *
 * @since 0.1.0
 */
public interface Sensor extends AutoCloseable {
    /**
     * Returns the sensor's name, unique within a source: the last level of its topic
     * ({@code sensor/<device_id>/<name>}).
     *
     * @return e.g. {@code bme280}, {@code ds18b20-0316a2795aff}, {@code dht22}
     */
    String name();

    /**
     * Measures once.
     *
     * @return the values measured, with the time of the measurement
     * @throws SensorException if the sensor cannot be read, naming the device and how to fix it;
     *     {@link SensorException#isRetryable()} tells whether a later read may succeed
     */
    Reading read();

    /**
     * Releases the sensor's device. Idempotent; the default does nothing.
     */
    @Override
    default void close() {
    }
}
