package dev.edgeflow.pi4j;

import dev.edgeflow.pi4j.i2c.I2cRegisters;
import java.util.ArrayList;
import java.util.List;

/**
 * A BME280 at register level: a byte array of 256 registers, burst reads from consecutive
 * addresses, writes recorded, and the behaviour a driver depends on: the reset (status
 * {@code im_update} for a few polls), forced mode (status {@code measuring} for a few polls, then
 * back to sleep with the raw values in 0xF7..0xFE). Pi4J's MockI2C is a FIFO per register and
 * cannot model this.
 */
final class FakeBme280 implements I2cRegisters {
    final byte[] registers = new byte[256];
    final List<int[]> writes = new ArrayList<>();
    int statusPollsWhileUpdating = 1;
    int statusPollsWhileMeasuring = 1;
    boolean measuringForever;
    RuntimeException failReads;
    int forcedMeasurements;
    boolean closed;
    private int updatingLeft;
    private int measuringLeft;

    FakeBme280(int chipId) {
        registers[Bme280.REG_CHIP_ID] = (byte) chipId;
    }

    /** The BMP280 datasheet's example trimming parameters (BST-BMP280-DS001, section 3.12). */
    FakeBme280 datasheetCalibration() {
        return calibration(27504, 26435, -1000, 36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000);
    }

    FakeBme280 calibration(int... tp) {
        for (int i = 0; i < tp.length; i++) {
            le16(Bme280.REG_CALIB_TP + 2 * i, tp[i]);
        }
        return this;
    }

    /** Humidity trimming, packed as the chip packs it: dig_H4 and dig_H5 share 0xE5. */
    FakeBme280 humidityCalibration(int h1, int h2, int h3, int h4, int h5, int h6) {
        registers[0xA1] = (byte) h1;
        le16(0xE1, h2);
        registers[0xE3] = (byte) h3;
        registers[0xE4] = (byte) (h4 >> 4);
        registers[0xE5] = (byte) ((h4 & 0x0F) | (h5 & 0x0F) << 4);
        registers[0xE6] = (byte) (h5 >> 4);
        registers[0xE7] = (byte) h6;
        return this;
    }

    /** What the next forced measurement leaves in the data registers. */
    FakeBme280 raw(int adcP, int adcT, int adcH) {
        int[] data = {adcP >> 12, adcP >> 4, (adcP & 0x0F) << 4, adcT >> 12, adcT >> 4, (adcT & 0x0F) << 4,
            adcH >> 8, adcH};
        pendingData = data;
        return this;
    }

    private int[] pendingData;

    int lastWrite(int register) {
        for (int i = writes.size() - 1; i >= 0; i--) {
            if (writes.get(i)[0] == register) {
                return writes.get(i)[1];
            }
        }
        return -1;
    }

    @Override
    public int readRegister(int register) {
        if (failReads != null) {
            throw failReads;
        }
        if (register == Bme280.REG_STATUS) {
            int status = 0;
            if (updatingLeft > 0) {
                updatingLeft--;
                status |= 0x01;
            }
            if (measuringForever || measuringLeft > 0) {
                measuringLeft--;
                status |= 0x08;
            } else if (pendingData != null && (lastWrite(Bme280.REG_CTRL_MEAS) & 0x03) == 0x01) {
                finishMeasurement();
            }
            return status;
        }
        return registers[register] & 0xFF;
    }

    @Override
    public void readRegisters(int register, byte[] into, int offset, int length) {
        if (failReads != null) {
            throw failReads;
        }
        System.arraycopy(registers, register, into, offset, length);
    }

    @Override
    public void writeRegister(int register, int value) {
        writes.add(new int[] {register, value & 0xFF});
        if (register == Bme280.REG_RESET && value == Bme280.RESET_WORD) {
            updatingLeft = statusPollsWhileUpdating;
        } else if (register == Bme280.REG_CTRL_MEAS && (value & 0x03) == 0x01) {
            forcedMeasurements++;
            measuringLeft = statusPollsWhileMeasuring;
            if (measuringLeft == 0) {
                finishMeasurement();
            }
        }
        registers[register] = (byte) value;
    }

    private void finishMeasurement() {
        if (pendingData == null) {
            return;
        }
        for (int i = 0; i < pendingData.length; i++) {
            registers[Bme280.REG_DATA + i] = (byte) pendingData[i];
        }
        registers[Bme280.REG_CTRL_MEAS] &= (byte) 0xFC; // back to sleep
    }

    @Override
    public String describe() {
        return "I2C bus 1 address 0x76";
    }

    @Override
    public void close() {
        closed = true;
    }

    private void le16(int register, int value) {
        registers[register] = (byte) value;
        registers[register + 1] = (byte) (value >> 8);
    }
}
