package dev.edgeflow.pi4j.i2c;

import com.pi4j.context.Context;
import com.pi4j.io.i2c.I2C;
import com.pi4j.io.i2c.I2CConfigBuilder;
import dev.edgeflow.pi4j.SensorException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * {@link I2cRegisters} over a Pi4J {@link I2C} device, by default on Pi4J's {@code linuxfs-i2c}
 * provider ({@code /dev/i2c-N}).
 *
 * <p>Before Pi4J opens the bus, {@link #open(Context, int, int)} checks its device file, so that
 * the two mistakes everyone makes first read as what they are:
 * <ul>
 *   <li>{@code /dev/i2c-1} does not exist: I2C is not enabled;</li>
 *   <li>it may not be read or written: the user is not in the {@code i2c} group.</li>
 * </ul>
 * Transfers that fail are reported by what the kernel said: {@code Remote I/O error} (no device
 * acknowledged the address: wiring or address, retryable), {@code Device or resource busy} (a
 * kernel driver is bound to the address).
 *
 * @since 0.1.0
 */
public final class Pi4jI2c implements I2cRegisters {
    private static final Path DEV = Path.of("/dev");
    private static final String I2C_PROVIDER = "linuxfs-i2c";

    private final I2C i2c;
    private final Context pi4j;
    private final String description;
    private final int bus;
    private final int address;
    private volatile boolean closed;

    /** Over a device already made; {@link #open(Context, int, int)} is the way in. */
    Pi4jI2c(Context pi4j, I2C i2c, int bus, int address) {
        this.pi4j = pi4j;
        this.i2c = i2c;
        this.bus = bus;
        this.address = address;
        this.description = describe(bus, address);
    }

    /**
     * Opens a device on a bus.
     *
     * @param pi4j the Pi4J context; its {@code linuxfs-i2c} provider is used when it has one, else
     *     its default I2C provider
     * @param bus the bus number, 1 for GPIO2/GPIO3 on a Raspberry Pi
     * @param address the 7-bit device address, 0x03 to 0x77
     * @return the device
     * @throws IllegalArgumentException if the bus or address is out of range
     * @throws SensorException if the bus device file is missing or may not be used, or Pi4J
     *     cannot open the device, saying how to fix it
     */
    public static Pi4jI2c open(Context pi4j, int bus, int address) {
        return open(pi4j, bus, address, DEV, p -> Files.isReadable(p) && Files.isWritable(p));
    }

    static Pi4jI2c open(Context pi4j, int bus, int address, Path dev, Predicate<Path> mayUse) {
        Objects.requireNonNull(pi4j, "pi4j");
        if (bus < 0 || bus > 255) {
            throw new IllegalArgumentException("I2C bus " + bus + " is not a bus number: use 0 to 255 (1 on a "
                    + "Raspberry Pi, /dev/i2c-1)");
        }
        if (address < 0x03 || address > 0x77) {
            throw new IllegalArgumentException(String.format("I2C address 0x%02x is not a 7-bit device address: use "
                    + "0x03 to 0x77", address));
        }
        checkBus(bus, dev, mayUse);
        I2CConfigBuilder config = I2C.newConfigBuilder(pi4j)
                .id(String.format("i2c-%d-0x%02x", bus, address))
                .bus(bus).device(address);
        if (pi4j.hasProvider(I2C_PROVIDER)) {
            config.provider(I2C_PROVIDER);
        }
        try {
            I2C i2c = pi4j.create(config.build());
            return new Pi4jI2c(pi4j, i2c, bus, address);
        } catch (RuntimeException e) {
            throw failure(describe(bus, address), "opening", e);
        }
    }

    /**
     * Checks a bus device file, {@code <dev>/i2c-<bus>}.
     *
     * @throws SensorException if it is missing or may not be used
     */
    static void checkBus(int bus, Path dev, Predicate<Path> mayUse) {
        Path file = dev.resolve("i2c-" + bus);
        if (!Files.exists(file)) {
            throw new SensorException("I2C bus " + bus + " is not available: " + file + " does not exist. Enable I2C "
                    + "(sudo raspi-config nonint do_i2c 0, or dtparam=i2c_arm=on in /boot/firmware/config.txt) and "
                    + "reboot", false, null);
        }
        if (!mayUse.test(file)) {
            throw new SensorException("permission denied on " + file + ": add the user to the i2c group (sudo "
                    + "usermod -aG i2c $USER, then log in again)", false, null);
        }
    }

    @Override
    public int readRegister(int register) {
        try {
            return i2c.readRegister(register) & 0xFF;
        } catch (RuntimeException e) {
            throw failure(description, String.format("reading register 0x%02x of", register), e);
        }
    }

    @Override
    public void readRegisters(int register, byte[] into, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, into.length);
        // Pi4J 2.8.0's linuxfs provider writes a burst read to the start of the buffer whatever
        // the offset, so read into a buffer of our own and copy.
        byte[] buffer = new byte[length];
        try {
            i2c.readRegister(register, buffer, 0, length);
        } catch (RuntimeException e) {
            throw failure(description, String.format("reading %d registers from 0x%02x of", length, register), e);
        }
        System.arraycopy(buffer, 0, into, offset, length);
    }

    @Override
    public void writeRegister(int register, int value) {
        try {
            i2c.writeRegister(register, (byte) value);
        } catch (RuntimeException e) {
            throw failure(description, String.format("writing register 0x%02x of", register), e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            pi4j.registry().remove(i2c.id());
        } catch (RuntimeException e) {
            // The context was shut down already, and the device with it.
        }
    }

    @Override
    public String toString() {
        return "Pi4jI2c[" + description + "]";
    }

    static String describe(int bus, int address) {
        return String.format("I2C bus %d address 0x%02x", bus, address);
    }

    /** Turns what Pi4J threw into an error that says what the kernel's answer means. */
    static SensorException failure(String device, String doing, Throwable e) {
        String chain = causes(e);
        String lower = chain.toLowerCase(Locale.ROOT);
        int bus = busOf(device);
        if (lower.contains("remote i/o") || lower.contains("no such device or address")) {
            return new SensorException("no device answers at " + device + " (" + doing.replace(" of", "")
                    + " failed: " + chain + "): check the wiring (SDA to GPIO2, SCL to GPIO3, 3.3 V and GND) and "
                    + "the address (a BME280 is at 0x76 when SDO is on GND, 0x77 when on 3.3 V); i2cdetect -y "
                    + bus + " lists the addresses that answer", true, e);
        }
        if (lower.contains("busy")) {
            return new SensorException(device + " is busy: a kernel driver is bound to it (i2cdetect -y " + bus
                    + " shows UU); remove the dtoverlay=i2c-sensor line for it from /boot/firmware/config.txt and "
                    + "reboot", false, e);
        }
        return new SensorException(doing + " " + device + " failed: " + chain, true, e);
    }

    private static int busOf(String device) {
        String[] words = device.split(" ");
        try {
            return Integer.parseInt(words[2]);
        } catch (RuntimeException e) {
            return 1;
        }
    }

    private static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
            if (t.getMessage() != null && sb.indexOf(t.getMessage()) < 0) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(t.getMessage());
            }
        }
        return sb.length() == 0 ? e.getClass().getSimpleName() : sb.toString();
    }
}
