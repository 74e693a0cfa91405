package dev.edgeflow.pi4j;

/**
 * Presets of {@link SimulatedSensor} shaped like the chips this module drives: the same values,
 * ranges and resolution, with an indoor room's typical noise and drift. Each returns a builder, so
 * that spikes, failures, a seed or a clock can be added.
 *
 * <pre>{@code
 * SensorSource source = SensorSource.builder("RaspberryPi-001")
 *         .sensor(SimulatedSensors.bme280("bme280").spikes(0.01, 35.5, 40).build(), Duration.ofSeconds(1))
 *         .sensor(SimulatedSensors.ds18b20("ds18b20-outdoor").build(), Duration.ofSeconds(5))
 *         .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class SimulatedSensors {
    private SimulatedSensors() {
    }

    /**
     * A BME280 in a room: temperature 18–34 °C around 22 °C, humidity 30–80 % around 50 %,
     * pressure 980–1040 hPa around 1013.25 hPa.
     *
     * @param name the sensor's name
     * @return a builder with the three channels
     */
    public static SimulatedSensor.Builder bme280(String name) {
        return SimulatedSensor.builder(name)
                .channel(Reading.TEMPERATURE, 22, 18, 34, 0.3, 0.05, 2)
                .channel(Reading.HUMIDITY, 50, 30, 80, 0.5, 0.2, 1)
                .channel(Reading.PRESSURE, 1013.25, 980, 1040, 0.05, 0.02, 2);
    }

    /**
     * A DS18B20 (temperature only, 1/16 °C resolution reported in thousandths): 18–34 °C around
     * 21 °C.
     *
     * @param name the sensor's name
     * @return a builder with a temperature channel
     */
    public static SimulatedSensor.Builder ds18b20(String name) {
        return SimulatedSensor.builder(name).channel(Reading.TEMPERATURE, 21, 18, 34, 0.1, 0.05, 3);
    }

    /**
     * A DHT22 (the tutorial's sensor): temperature 18–34 °C around 23 °C and humidity 30–80 %
     * around 45 %, to one decimal as the DHT22 reports them.
     *
     * @param name the sensor's name
     * @return a builder with temperature and humidity
     */
    public static SimulatedSensor.Builder dht22(String name) {
        return SimulatedSensor.builder(name)
                .channel(Reading.TEMPERATURE, 23, 18, 34, 0.3, 0.05, 1)
                .channel(Reading.HUMIDITY, 45, 30, 80, 0.5, 0.2, 1);
    }
}
