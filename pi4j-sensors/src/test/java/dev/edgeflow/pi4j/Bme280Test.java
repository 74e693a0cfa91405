package dev.edgeflow.pi4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.edgeflow.pi4j.Bme280.Oversampling;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The BME280/BMP280 driver on a register-level fake, against the datasheet's worked values. */
class Bme280Test {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    // The datasheet's example: adc_T = 519888 gives 25.08 °C, adc_P = 415148 gives 100653.27 Pa.
    private static final int ADC_T = 519888;
    private static final int ADC_P = 415148;
    // Humidity trimming as a real BME280 carries it.
    private static final int[] H = {75, 362, 0, 324, 50, 30};

    private final List<Long> pauses = new ArrayList<>();

    @Test
    void compensatesTemperatureAndPressureToTheDatasheetsValues() {
        FakeBme280 chip = bme280().raw(ADC_P, ADC_T, 30000);
        Reading r = open(chip, Bme280.builder()).read();

        assertThat(r.value(Reading.TEMPERATURE)).hasValue(25.08);
        assertThat(r.value(Reading.PRESSURE)).hasValue(1006.53);
        assertThat(r.timestamp()).isEqualTo(CLOCK.instant());
    }

    @Test
    void compensatesHumidityAsBoschsIntegerFormulaDoes() {
        for (int adcH : new int[] {27000, 30000, 35000}) {
            FakeBme280 chip = bme280().raw(ADC_P, ADC_T, adcH);
            double humidity = open(chip, Bme280.builder()).read().value(Reading.HUMIDITY).orElseThrow();
            // The integer formula gives %RH in 1/1024 steps; the two formulas agree to 0.01 %RH.
            assertThat(humidity).as("adc_H %d", adcH).isCloseTo(integerHumidity(adcH, 128422), within(0.01));
        }
    }

    @Test
    void clampsHumidityToZeroAndAHundred() {
        assertThat(open(bme280().raw(ADC_P, ADC_T, 0), Bme280.builder()).read().value(Reading.HUMIDITY))
                .hasValue(0.0);
        assertThat(open(bme280().raw(ADC_P, ADC_T, 65000), Bme280.builder()).read().value(Reading.HUMIDITY))
                .hasValue(100.0);
    }

    @Test
    void decodesSignedAndPackedHumidityTrimming() {
        FakeBme280 chip = new FakeBme280(0x60).datasheetCalibration().humidityCalibration(75, -362, 0, -100, -30, -7);
        byte[] tp = new byte[26];
        byte[] h = new byte[7];
        chip.readRegisters(0x88, tp, 0, 26);
        chip.readRegisters(0xE1, h, 0, 7);
        Bme280Calibration c = new Bme280Calibration(tp, h);

        assertThat(new int[] {c.h1, c.h2, c.h3, c.h4, c.h5, c.h6}).containsExactly(75, -362, 0, -100, -30, -7);
        assertThat(new int[] {c.t1, c.t2, c.t3, c.p1, c.p2, c.p9}).containsExactly(27504, 26435, -1000, 36477,
                -10685, 6000);
    }

    @Test
    void aBmp280HasNoHumidity() {
        FakeBme280 chip = new FakeBme280(0x58).datasheetCalibration().raw(ADC_P, ADC_T, 30000);
        Bme280 sensor = open(chip, Bme280.builder());

        assertThat(sensor.hasHumidity()).isFalse();
        assertThat(sensor.read().values()).containsOnlyKeys(Reading.TEMPERATURE, Reading.PRESSURE);
        assertThat(chip.writes).noneMatch(w -> w[0] == Bme280.REG_CTRL_HUM);
    }

    @Test
    void aWrongChipIdIsAClearErrorAndReleasesTheDevice() {
        FakeBme280 chip = new FakeBme280(0x55);
        assertThatThrownBy(() -> Bme280.builder().open(chip))
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isFalse())
                .hasMessage("found chip id 0x55 at I2C bus 1 address 0x76, expected 0x60 (BME280) or 0x58 (BMP280): "
                        + "is another device at this address?");
        assertThat(chip.closed).isTrue();
        assertThatThrownBy(() -> Bme280.builder().open(new FakeBme280(0x61))).hasMessageContaining("BME680");
    }

    @Test
    void opensWithAResetAndTheOversamplingInTheControlRegisters() {
        FakeBme280 chip = bme280().raw(ADC_P, ADC_T, 30000);
        chip.statusPollsWhileUpdating = 3;
        Bme280 sensor = open(chip, Bme280.builder().temperatureOversampling(Oversampling.X2)
                .pressureOversampling(Oversampling.X16).humidityOversampling(Oversampling.X4));

        assertThat(chip.writes.get(0)).containsExactly(Bme280.REG_RESET, 0xB6);
        assertThat(chip.lastWrite(Bme280.REG_CTRL_HUM)).isEqualTo(0b011);
        assertThat(chip.lastWrite(Bme280.REG_CTRL_MEAS)).as("osrs_t x2, osrs_p x16, sleep").isEqualTo(0b010_101_00);
        assertThat(chip.forcedMeasurements).isZero();

        sensor.read();
        sensor.read();
        assertThat(chip.forcedMeasurements).isEqualTo(2);
        assertThat(chip.lastWrite(Bme280.REG_CTRL_MEAS)).as("forced mode").isEqualTo(0b010_101_01);
        // ctrl_hum is written before ctrl_meas each time, since it takes effect with ctrl_meas.
        int hum = indexOfLast(chip, Bme280.REG_CTRL_HUM);
        assertThat(hum).isEqualTo(indexOfLast(chip, Bme280.REG_CTRL_MEAS) - 1);
    }

    @Test
    void waitsTheDatasheetsMaximumMeasurementTime() {
        assertThat(Bme280.maxMeasurementMicros(Oversampling.X1, Oversampling.X1, Oversampling.X1)).isEqualTo(9300);
        assertThat(Bme280.maxMeasurementMicros(Oversampling.X16, Oversampling.X16, Oversampling.X16))
                .isEqualTo(112800);
        assertThat(Bme280.maxMeasurementMicros(Oversampling.X1, Oversampling.SKIPPED, Oversampling.SKIPPED))
                .isEqualTo(3550);

        FakeBme280 chip = bme280().raw(ADC_P, ADC_T, 30000);
        Bme280 sensor = open(chip, Bme280.builder());
        pauses.clear();
        sensor.read();
        assertThat(pauses.get(0)).isEqualTo(10L);
    }

    @Test
    void aMeasurementThatNeverFinishesIsARetryableError() {
        FakeBme280 chip = bme280().raw(ADC_P, ADC_T, 30000);
        Bme280 sensor = open(chip, Bme280.builder());
        chip.measuringForever = true;
        assertThatThrownBy(sensor::read)
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isTrue())
                .hasMessageContaining("did not finish within").hasMessageContaining("I2C bus 1 address 0x76");
    }

    @Test
    void quantitiesConfiguredAsSkippedAreNotMeasuredAndLeftOut() {
        FakeBme280 chip = bme280().raw(0x80000, ADC_T, 0x8000);
        Bme280 sensor = open(chip, Bme280.builder().pressureOversampling(Oversampling.SKIPPED)
                .humidityOversampling(Oversampling.SKIPPED));

        Reading r = sensor.read();
        assertThat(chip.lastWrite(Bme280.REG_CTRL_MEAS)).as("osrs_t x1, osrs_p skipped, forced")
                .isEqualTo(0b001_000_01);
        assertThat(chip.lastWrite(Bme280.REG_CTRL_HUM)).as("osrs_h skipped").isZero();
        assertThat(r.values()).containsOnlyKeys(Reading.TEMPERATURE);
        assertThat(r.value(Reading.TEMPERATURE)).hasValue(25.08);
    }

    @Test
    void aSkippedTemperatureIsStillMeasuredForTheOthersButNotReported() {
        FakeBme280 chip = bme280().raw(ADC_P, ADC_T, 30000);
        Reading r = open(chip, Bme280.builder().temperatureOversampling(Oversampling.SKIPPED)).read();

        assertThat(chip.lastWrite(Bme280.REG_CTRL_MEAS) >> 5).as("osrs_t x1").isEqualTo(1);
        assertThat(r.values()).containsOnlyKeys(Reading.PRESSURE, Reading.HUMIDITY);
        assertThat(r.value(Reading.PRESSURE)).hasValue(1006.53);
    }

    @Test
    void valuesTheChipReturnsAsNotMeasuredAreLeftOut() {
        FakeBme280 chip = bme280().raw(0x80000, ADC_T, 0x8000);
        Reading r = open(chip, Bme280.builder()).read();

        assertThat(r.values()).containsOnlyKeys(Reading.TEMPERATURE);
        assertThat(r.value(Reading.TEMPERATURE)).hasValue(25.08);
    }

    @Test
    void aReadingWithNothingReportedLeftIsARetryableError() {
        FakeBme280 chip = bme280().raw(0x80000, ADC_T, 0x8000);
        Bme280 sensor = open(chip, Bme280.builder().temperatureOversampling(Oversampling.SKIPPED));

        assertThatThrownBy(sensor::read)
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isTrue())
                .hasMessage("bme280 (I2C bus 1 address 0x76) returned every reported quantity as not measured "
                        + "(pressure 0x80000, humidity 0x8000): the chip may have been reset; the next read sets its "
                        + "oversampling again");
    }

    @Test
    void skippingEverythingIsRefusedBeforeTheChipIsTouched() {
        FakeBme280 chip = bme280();
        // A read would fail with this instead of the configuration error.
        chip.failReads = new SensorException("no device answers at I2C bus 1 address 0x76", true, null);
        Bme280.Builder builder = Bme280.builder().temperatureOversampling(Oversampling.SKIPPED)
                .pressureOversampling(Oversampling.SKIPPED).humidityOversampling(Oversampling.SKIPPED);

        assertThatThrownBy(() -> open(chip, builder)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("temperatureOversampling, pressureOversampling and humidityOversampling are all SKIPPED: "
                        + "a reading would be empty; set one of them to X1 or more");
        assertThat(chip.writes).isEmpty();
        assertThat(chip.closed).isTrue();
    }

    @Test
    void aBmp280WithTemperatureAndPressureSkippedIsRefused() {
        FakeBme280 chip = new FakeBme280(0x58).datasheetCalibration();
        Bme280.Builder builder = Bme280.builder().temperatureOversampling(Oversampling.SKIPPED)
                .pressureOversampling(Oversampling.SKIPPED);

        assertThatThrownBy(() -> open(chip, builder)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("I2C bus 1 address 0x76 is a BMP280, which has no humidity, and temperatureOversampling "
                        + "and pressureOversampling are SKIPPED: a reading would be empty; set one of them to X1 or "
                        + "more");
        assertThat(chip.writes).isEmpty();
        assertThat(chip.closed).isTrue();
    }

    @Test
    void aFailedTransferIsPassedOnAndTheSensorKeepsWorkingAfterIt() {
        FakeBme280 chip = bme280().raw(ADC_P, ADC_T, 30000);
        Bme280 sensor = open(chip, Bme280.builder());
        chip.failReads = new SensorException("no device answers at I2C bus 1 address 0x76", true, null);
        assertThatThrownBy(sensor::read).isSameAs(chip.failReads);
        chip.failReads = null;
        assertThat(sensor.read().value(Reading.TEMPERATURE)).hasValue(25.08);
    }

    @Test
    void aFailedTransferWhileOpeningIsPassedOnAndReleasesTheDevice() {
        FakeBme280 chip = bme280();
        chip.failReads = new SensorException("no device answers at I2C bus 1 address 0x76", true, null);

        assertThatThrownBy(() -> open(chip, Bme280.builder())).isSameAs(chip.failReads);
        assertThat(chip.closed).isTrue();
    }

    @Test
    void closePutsTheChipToSleepAndReleasesIt() {
        FakeBme280 chip = bme280().raw(ADC_P, ADC_T, 30000);
        Bme280 sensor = open(chip, Bme280.builder());
        sensor.close();
        sensor.close();
        assertThat(chip.lastWrite(Bme280.REG_CTRL_MEAS)).isZero();
        assertThat(chip.closed).isTrue();
        assertThatThrownBy(sensor::read).isInstanceOf(SensorException.class).hasMessageContaining("closed");
    }

    @Test
    void onlyTheTwoBme280AddressesAreAccepted() {
        assertThatThrownBy(() -> Bme280.builder().address(0x40)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a BME280 has address 0x76 (SDO to GND) or 0x77 (SDO to 3.3 V), not 0x40");
        assertThat(Bme280.builder().address(0x77)).isNotNull();
    }

    private FakeBme280 bme280() {
        return new FakeBme280(0x60).datasheetCalibration().humidityCalibration(H[0], H[1], H[2], H[3], H[4], H[5]);
    }

    private Bme280 open(FakeBme280 chip, Bme280.Builder builder) {
        return builder.clock(CLOCK).pause(pauses::add).open(chip);
    }

    private static int indexOfLast(FakeBme280 chip, int register) {
        for (int i = chip.writes.size() - 1; i >= 0; i--) {
            if (chip.writes.get(i)[0] == register) {
                return i;
            }
        }
        return -1;
    }

    /** Bosch's 32-bit integer humidity formula (BST-BME280-DS002, section 4.2.3), written out independently. */
    private static double integerHumidity(int adcH, int tFine) {
        int h1 = H[0];
        int h2 = H[1];
        int h3 = H[2];
        int h4 = H[3];
        int h5 = H[4];
        int h6 = H[5];
        int v = tFine - 76800;
        v = (((((adcH << 14) - (h4 << 20) - (h5 * v)) + 16384) >> 15)
                * (((((((v * h6) >> 10) * (((v * h3) >> 11) + 32768)) >> 10) + 2097152) * h2 + 8192) >> 14));
        v = v - (((((v >> 15) * (v >> 15)) >> 7) * h1) >> 4);
        v = Math.max(0, Math.min(v, 419430400));
        return (v >> 12) / 1024.0;
    }
}
