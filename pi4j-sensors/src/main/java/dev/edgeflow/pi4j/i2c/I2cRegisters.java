package dev.edgeflow.pi4j.i2c;

/**
 * One I2C device seen as registers: what a register-mapped chip such as the BME280 needs, and
 * small enough that a test can give a chip's register map as a byte array.
 *
 * <p>Implementations report a failed transfer as a {@link dev.edgeflow.pi4j.SensorException}
 * that names the bus and address ({@link #describe()}) and says whether trying again may help.
 *
 * @since 0.1.0
 */
public interface I2cRegisters extends AutoCloseable {

    /**
     * Reads one register.
     *
     * @param register the register address, 0 to 255
     * @return its value, 0 to 255
     */
    int readRegister(int register);

    /**
     * Reads consecutive registers in one transfer (a burst read, with a repeated start), as a
     * chip whose readings span several registers needs so that they come from one measurement.
     *
     * @param register the first register address
     * @param into where the values go
     * @param offset the index in {@code into} of the first value
     * @param length how many registers
     */
    void readRegisters(int register, byte[] into, int offset, int length);

    /**
     * Writes one register.
     *
     * @param register the register address, 0 to 255
     * @param value the value, 0 to 255
     */
    void writeRegister(int register, int value);

    /**
     * Names the device for messages: {@code I2C bus 1 address 0x76}.
     *
     * @return the description
     */
    String describe();

    /** Releases the device. Idempotent. */
    @Override
    void close();
}
