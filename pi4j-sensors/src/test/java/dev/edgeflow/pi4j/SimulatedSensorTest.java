package dev.edgeflow.pi4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedSensorTest {

    @Test
    void givesTheSameReadingsForTheSameSeed() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        SimulatedSensor one = SimulatedSensors.bme280("bme280").seed(7).clock(clock).build();
        SimulatedSensor two = SimulatedSensors.bme280("bme280").seed(7).clock(clock).build();
        for (int i = 0; i < 100; i++) {
            assertThat(one.read()).isEqualTo(two.read());
        }
    }

    @Test
    void staysWithinEachChannelsRangeAndDriftsAroundItsBase() {
        SimulatedSensor sensor = SimulatedSensors.bme280("bme280").seed(1).build();
        double sum = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            Reading r = sensor.read();
            assertThat(r.values().keySet()).containsExactly(Reading.TEMPERATURE, Reading.HUMIDITY, Reading.PRESSURE);
            assertThat(r.value(Reading.TEMPERATURE).getAsDouble()).isBetween(18.0, 34.0);
            assertThat(r.value(Reading.HUMIDITY).getAsDouble()).isBetween(30.0, 80.0);
            assertThat(r.value(Reading.PRESSURE).getAsDouble()).isBetween(980.0, 1040.0);
            sum += r.value(Reading.TEMPERATURE).getAsDouble();
        }
        assertThat(sum / n).as("mean temperature over %d reads", n).isBetween(21.0, 23.0);
    }

    @Test
    void changesSlowlyFromOneReadToTheNext() {
        SimulatedSensor sensor = SimulatedSensors.ds18b20("ds18b20").seed(3).build();
        double previous = sensor.read().value(Reading.TEMPERATURE).getAsDouble();
        double largestStep = 0;
        for (int i = 0; i < 1000; i++) {
            double t = sensor.read().value(Reading.TEMPERATURE).getAsDouble();
            largestStep = Math.max(largestStep, Math.abs(t - previous));
            previous = t;
        }
        assertThat(largestStep).as("largest change between two reads, no spikes configured").isLessThan(1.5);
    }

    @Test
    void spikesFallInTheirRangeAboveEveryNormalReadingAndAreCounted() {
        SimulatedSensor sensor = SimulatedSensors.dht22("dht22").seed(5).spikes(0.05, 35.5, 40).build();
        List<Double> temperatures = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            temperatures.add(sensor.read().value(Reading.TEMPERATURE).getAsDouble());
        }
        long above = temperatures.stream().filter(t -> t > 35).count();
        assertThat(above).isEqualTo(sensor.spikeCount()).isBetween(50L, 150L);
        assertThat(temperatures).allSatisfy(t -> assertThat(t).satisfiesAnyOf(
                v -> assertThat(v).isBetween(35.5, 40.0), v -> assertThat(v).isLessThanOrEqualTo(34.0)));
    }

    @Test
    void failsSomeReadsWithARetryableErrorWhenAskedTo() {
        SimulatedSensor sensor = SimulatedSensors.bme280("flaky").seed(9).failureProbability(1).build();
        assertThatThrownBy(sensor::read).isInstanceOfSatisfying(SensorException.class,
                e -> assertThat(e.isRetryable()).isTrue()).hasMessageContaining("simulated sensor 'flaky'");
        assertThat(sensor.failureCount()).isEqualTo(1);
        assertThat(sensor.readingCount()).isZero();
    }

    @Test
    void rejectsSettingsThatMakeNoSense() {
        assertThatThrownBy(() -> SimulatedSensor.builder("x").build()).hasMessageContaining("has no channel");
        assertThatThrownBy(() -> SimulatedSensor.builder("x").channel("t", 50, 0, 40, 0.1, 0.1, 1))
                .hasMessageContaining("base 50.0 must lie within min 0.0 and max 40.0");
        assertThatThrownBy(() -> SimulatedSensors.bme280("x").spikes(1.5, 35, 40))
                .hasMessageContaining("spike probability is 1.5");
        assertThatThrownBy(() -> SimulatedSensor.builder("a/b")).hasMessageContaining("contains '/'");
    }
}
