package dev.edgeflow.pi4j;

import com.pi4j.context.Context;
import dev.edgeflow.pi4j.i2c.I2cRegisters;
import dev.edgeflow.pi4j.i2c.Pi4jI2c;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A Bosch BME280 (temperature, pressure, humidity) or BMP280 (temperature, pressure) on I2C.
 *
 * <pre>{@code
 * Bme280 bme = Bme280.builder().bus(1).address(0x76).open(pi4j);
 * Reading r = bme.read();   // {temperature=21.83, pressure=1009.7, humidity=48.12}
 * }</pre>
 *
 * <p>Opening checks the chip id (0x60 is a BME280, 0x58 a BMP280; 0x56 and 0x57 are BMP280
 * samples), resets the chip, waits for it to copy its calibration, reads the calibration and sets
 * the oversampling. Each {@link #read()} starts one measurement in forced mode, waits for it (at
 * most the datasheet's maximum measurement time for the oversampling, plus a margin), reads the
 * raw values in one burst so that they belong to one measurement, and compensates them with
 * Bosch's formulas (datasheet BST-BME280-DS002, section 8.1). Between reads the chip sleeps:
 * Bosch's recommended mode for weather monitoring, with no self-heating.
 *
 * <p>Units: temperature °C, pressure hPa, humidity %RH. A quantity whose oversampling is
 * {@link Oversampling#SKIPPED} is left out of the reading. A BMP280's readings have no humidity.
 *
 * <p>Reads are serialized. Errors name the bus and address and say how to fix what they can: see
 * {@link Pi4jI2c} for the bus, and {@link Builder#open(I2cRegisters)} for the chip.
 *
 * @since 0.1.0
 */
public final class Bme280 implements Sensor {
    static final int REG_CALIB_TP = 0x88;
    static final int REG_CHIP_ID = 0xD0;
    static final int REG_RESET = 0xE0;
    static final int REG_CALIB_H = 0xE1;
    static final int REG_CTRL_HUM = 0xF2;
    static final int REG_STATUS = 0xF3;
    static final int REG_CTRL_MEAS = 0xF4;
    static final int REG_CONFIG = 0xF5;
    static final int REG_DATA = 0xF7;
    static final int CHIP_BME280 = 0x60;
    static final int CHIP_BMP280 = 0x58;
    static final int RESET_WORD = 0xB6;
    private static final int STATUS_MEASURING = 0x08;
    private static final int STATUS_IM_UPDATE = 0x01;
    private static final int MODE_FORCED = 0x01;
    private static final int SKIPPED_20_BIT = 0x80000;
    private static final int SKIPPED_16_BIT = 0x8000;
    /** Polls of the status register after the maximum measurement time has passed. */
    private static final int EXTRA_POLLS = 10;
    private static final long POLL_MILLIS = 2;

    /** Oversampling of one quantity: more samples, less noise, longer measurement. */
    public enum Oversampling {
        /** Not measured: the quantity is left out of readings. */
        SKIPPED(0, 0),
        /** One sample. */
        X1(1, 1),
        /** Two samples. */
        X2(2, 2),
        /** Four samples. */
        X4(3, 4),
        /** Eight samples. */
        X8(4, 8),
        /** Sixteen samples. */
        X16(5, 16);

        final int bits;
        final int samples;

        Oversampling(int bits, int samples) {
            this.bits = bits;
            this.samples = samples;
        }
    }

    /** Waits; tests pass one that does not sleep. */
    interface Pause {
        void millis(long millis) throws InterruptedException;
    }

    private final String name;
    private final I2cRegisters chip;
    private final boolean humiditySensor;
    private final Bme280Calibration calibration;
    private final Oversampling temperature;
    private final Oversampling pressure;
    private final Oversampling humidity;
    private final Clock clock;
    private final Pause pause;
    private final long maxMeasurementMicros;
    private boolean closed;

    private Bme280(Builder b, I2cRegisters chip, boolean humiditySensor, Bme280Calibration calibration) {
        this.name = b.name;
        this.chip = chip;
        this.humiditySensor = humiditySensor;
        this.calibration = calibration;
        this.temperature = b.temperature;
        this.pressure = b.pressure;
        this.humidity = humiditySensor ? b.humidity : Oversampling.SKIPPED;
        this.clock = b.clock;
        this.pause = b.pause;
        this.maxMeasurementMicros = maxMeasurementMicros(temperature, pressure, this.humidity);
    }

    /**
     * Starts a BME280 or BMP280.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Tells whether the chip measures humidity: a BME280 does, a BMP280 does not.
     *
     * @return {@code true} for a BME280
     */
    public boolean hasHumidity() {
        return humiditySensor;
    }

    /**
     * Returns the device the sensor reads.
     *
     * @return such as {@code I2C bus 1 address 0x76}
     */
    public String device() {
        return chip.describe();
    }

    /**
     * Measures once in forced mode.
     *
     * @return temperature (°C), pressure (hPa) and, on a BME280, humidity (%RH), each unless skipped
     * @throws SensorException (retryable) if a transfer fails, the measurement does not finish, or
     *     the chip returns none of the quantities reported; (not retryable) once closed
     */
    @Override
    public synchronized Reading read() {
        if (closed) {
            throw new SensorException(name + " (" + chip.describe() + ") is closed", false, null);
        }
        if (humiditySensor) {
            chip.writeRegister(REG_CTRL_HUM, humidity.bits); // takes effect with the next ctrl_meas write
        }
        chip.writeRegister(REG_CTRL_MEAS, ctrlMeas(MODE_FORCED));
        awaitMeasurement();
        byte[] raw = new byte[8];
        chip.readRegisters(REG_DATA, raw, 0, humiditySensor ? 8 : 6);
        int adcP = (raw[0] & 0xFF) << 12 | (raw[1] & 0xFF) << 4 | (raw[2] & 0xFF) >> 4;
        int adcT = (raw[3] & 0xFF) << 12 | (raw[4] & 0xFF) << 4 | (raw[5] & 0xFF) >> 4;
        int adcH = (raw[6] & 0xFF) << 8 | (raw[7] & 0xFF);
        if (adcT == SKIPPED_20_BIT) {
            // Pressure and humidity compensation need the temperature.
            throw new SensorException(name + " (" + chip.describe() + ") returned no temperature (0x80000): the chip "
                    + "did not measure; it may have been reset", true, null);
        }
        double fine = calibration.fineTemperature(adcT);
        Map<String, Double> values = new LinkedHashMap<>();
        if (temperature != Oversampling.SKIPPED) {
            values.put(Reading.TEMPERATURE, round(Bme280Calibration.celsius(fine), 100));
        }
        if (pressure != Oversampling.SKIPPED && adcP != SKIPPED_20_BIT) {
            double pa = calibration.pascal(adcP, fine);
            if (Double.isNaN(pa)) {
                throw new SensorException(name + " (" + chip.describe() + ") has pressure calibration dig_P1 = 0: "
                        + "the calibration read as zeros; check the wiring", true, null);
            }
            values.put(Reading.PRESSURE, round(pa / 100.0, 100));
        }
        if (humidity != Oversampling.SKIPPED && adcH != SKIPPED_16_BIT) {
            values.put(Reading.HUMIDITY, round(calibration.humidity(adcH, fine), 100));
        }
        if (values.isEmpty()) {
            // Only when temperature is not reported and the chip skipped everything else.
            throw new SensorException(name + " (" + chip.describe() + ") returned every reported quantity as not "
                    + "measured (pressure 0x80000, humidity 0x8000): the chip may have been reset; the next read "
                    + "sets its oversampling again", true, null);
        }
        return Reading.of(values, clock.instant());
    }

    private void awaitMeasurement() {
        try {
            pause.millis((maxMeasurementMicros + 999) / 1000);
            for (int poll = 0; poll <= EXTRA_POLLS; poll++) {
                if ((chip.readRegister(REG_STATUS) & STATUS_MEASURING) == 0) {
                    return;
                }
                pause.millis(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SensorException(name + " (" + chip.describe() + "): interrupted while measuring", true, e);
        }
        throw new SensorException(String.format("%s (%s): the measurement did not finish within %.1f ms (status "
                + "register still says measuring): the chip may be resetting or its supply unstable", name,
                chip.describe(), maxMeasurementMicros / 1000.0 + EXTRA_POLLS * POLL_MILLIS), true, null);
    }

    private int ctrlMeas(int mode) {
        return measured(temperature).bits << 5 | pressure.bits << 2 | mode;
    }

    /** Temperature is measured even when it is not reported: the other two are compensated with it. */
    private static Oversampling measured(Oversampling temperature) {
        return temperature == Oversampling.SKIPPED ? Oversampling.X1 : temperature;
    }

    /**
     * The datasheet's maximum measurement time (section 9.1): 1.25 ms, plus 2.3 ms per
     * temperature sample, plus 2.3 ms per pressure or humidity sample and 0.575 ms for each of
     * those measured.
     */
    static long maxMeasurementMicros(Oversampling t, Oversampling p, Oversampling h) {
        long micros = 1250 + 2300L * measured(t).samples;
        if (p != Oversampling.SKIPPED) {
            micros += 2300L * p.samples + 575;
        }
        if (h != Oversampling.SKIPPED) {
            micros += 2300L * h.samples + 575;
        }
        return micros;
    }

    private static double round(double value, int scale) {
        return Math.round(value * scale) / (double) scale;
    }

    /** Puts the chip to sleep and releases the device. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            chip.writeRegister(REG_CTRL_MEAS, 0); // sleep mode
        } catch (RuntimeException e) {
            // Closing anyway: a chip that cannot be reached sleeps or is gone.
        } finally {
            chip.close();
        }
    }

    @Override
    public String toString() {
        return (humiditySensor ? "Bme280[" : "Bmp280[") + name + " " + chip.describe() + "]";
    }

    /** Configures a {@link Bme280}. */
    public static final class Builder {
        private String name = "bme280";
        private int bus = 1;
        private int address = 0x76;
        private Oversampling temperature = Oversampling.X1;
        private Oversampling pressure = Oversampling.X1;
        private Oversampling humidity = Oversampling.X1;
        private Clock clock = Clock.systemUTC();
        private Pause pause = Thread::sleep;

        private Builder() {
        }

        /**
         * Sets the sensor's name, which becomes its topic's last level.
         *
         * @param name by default {@code bme280}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the I2C bus.
         *
         * @param bus by default 1 ({@code /dev/i2c-1}, GPIO2 and GPIO3)
         * @return this builder
         */
        public Builder bus(int bus) {
            this.bus = bus;
            return this;
        }

        /**
         * Sets the I2C address.
         *
         * @param address 0x76 (SDO to GND, the default) or 0x77 (SDO to 3.3 V)
         * @return this builder
         * @throws IllegalArgumentException for any other address
         */
        public Builder address(int address) {
            if (address != 0x76 && address != 0x77) {
                throw new IllegalArgumentException(String.format("a BME280 has address 0x76 (SDO to GND) or 0x77 (SDO "
                        + "to 3.3 V), not 0x%02x", address));
            }
            this.address = address;
            return this;
        }

        /**
         * Sets the temperature oversampling. Skipping it leaves temperature out of readings;
         * it is still measured, since pressure and humidity need it.
         *
         * @param oversampling by default {@link Oversampling#X1}
         * @return this builder
         */
        public Builder temperatureOversampling(Oversampling oversampling) {
            this.temperature = Objects.requireNonNull(oversampling, "oversampling");
            return this;
        }

        /**
         * Sets the pressure oversampling.
         *
         * @param oversampling by default {@link Oversampling#X1}; {@link Oversampling#SKIPPED}
         *     leaves pressure out
         * @return this builder
         */
        public Builder pressureOversampling(Oversampling oversampling) {
            this.pressure = Objects.requireNonNull(oversampling, "oversampling");
            return this;
        }

        /**
         * Sets the humidity oversampling (BME280 only).
         *
         * @param oversampling by default {@link Oversampling#X1}; {@link Oversampling#SKIPPED}
         *     leaves humidity out
         * @return this builder
         */
        public Builder humidityOversampling(Oversampling oversampling) {
            this.humidity = Objects.requireNonNull(oversampling, "oversampling");
            return this;
        }

        /**
         * Sets the clock that gives the readings' time.
         *
         * @param clock by default the system clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        Builder pause(Pause pause) {
            this.pause = pause;
            return this;
        }

        /**
         * Opens the chip on the bus and address set, through Pi4J's {@code linuxfs-i2c}.
         *
         * @param pi4j the Pi4J context, such as {@link Pi4jContexts#raspberryPi()}
         * @return the open sensor
         * @throws SensorException if the bus is not enabled or may not be used, nothing answers at
         *     the address, or the chip is not a BME280 or BMP280, saying how to fix it
         * @throws IllegalArgumentException if all three quantities are {@link Oversampling#SKIPPED}
         *     (checked before the bus is opened), or temperature and pressure are and the chip is a
         *     BMP280
         */
        public Bme280 open(Context pi4j) {
            requireAReportedQuantity();
            return open(Pi4jI2c.open(pi4j, bus, address));
        }

        /**
         * Opens the chip through any register-level I2C access; the sensor owns it from now on
         * and closes it when it is closed or when opening fails.
         *
         * @param chip the device
         * @return the open sensor
         * @throws SensorException if the chip id is not a BME280's or BMP280's (not retryable,
         *     naming the id found), or a transfer fails
         * @throws IllegalArgumentException if every quantity the chip measures is
         *     {@link Oversampling#SKIPPED}: all three, or temperature and pressure on a BMP280
         */
        public Bme280 open(I2cRegisters chip) {
            Objects.requireNonNull(chip, "chip");
            try {
                requireAReportedQuantity();
                int id = chip.readRegister(REG_CHIP_ID);
                boolean bme = id == CHIP_BME280;
                if (!bme && id != CHIP_BMP280 && id != 0x56 && id != 0x57) {
                    throw new SensorException(String.format("found chip id 0x%02x at %s, expected 0x60 (BME280) or "
                            + "0x58 (BMP280): is another device at this address?%s", id, chip.describe(),
                            id == 0x61 ? " 0x61 is a BME680, which this driver does not read" : ""), false, null);
                }
                if (!bme && temperature == Oversampling.SKIPPED && pressure == Oversampling.SKIPPED) {
                    throw new IllegalArgumentException(chip.describe() + " is a BMP280, which has no humidity, and "
                            + "temperatureOversampling and pressureOversampling are SKIPPED: a reading would be "
                            + "empty; set one of them to X1 or more");
                }
                chip.writeRegister(REG_RESET, RESET_WORD);
                awaitNvmCopy(chip);
                byte[] tp = new byte[26];
                chip.readRegisters(REG_CALIB_TP, tp, 0, tp.length);
                byte[] h = null;
                if (bme) {
                    h = new byte[7];
                    chip.readRegisters(REG_CALIB_H, h, 0, h.length);
                }
                Bme280Calibration calibration = new Bme280Calibration(tp, h);
                chip.writeRegister(REG_CONFIG, 0); // no IIR filter: each forced reading stands alone
                Bme280 sensor = new Bme280(this, chip, bme, calibration);
                if (bme) {
                    chip.writeRegister(REG_CTRL_HUM, sensor.humidity.bits);
                }
                chip.writeRegister(REG_CTRL_MEAS, sensor.ctrlMeas(0)); // sleep until the first read
                return sensor;
            } catch (RuntimeException e) {
                chip.close();
                throw e;
            }
        }

        /** Refuses, before any transfer, a configuration whose readings would always be empty. */
        private void requireAReportedQuantity() {
            if (temperature == Oversampling.SKIPPED && pressure == Oversampling.SKIPPED
                    && humidity == Oversampling.SKIPPED) {
                throw new IllegalArgumentException("temperatureOversampling, pressureOversampling and "
                        + "humidityOversampling are all SKIPPED: a reading would be empty; set one of them to X1 or "
                        + "more");
            }
        }

        private void awaitNvmCopy(I2cRegisters chip) {
            try {
                pause.millis(2); // the datasheet's start-up time after a reset
                for (int poll = 0; poll < EXTRA_POLLS; poll++) {
                    if ((chip.readRegister(REG_STATUS) & STATUS_IM_UPDATE) == 0) {
                        return;
                    }
                    pause.millis(POLL_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SensorException("interrupted while " + chip.describe() + " was resetting", true, e);
            }
            throw new SensorException(chip.describe() + " is still copying its calibration 20 ms after a reset: "
                    + "check its supply (3.3 V)", true, null);
        }
    }
}
