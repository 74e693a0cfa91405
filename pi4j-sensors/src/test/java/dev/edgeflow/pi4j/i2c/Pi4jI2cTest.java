package dev.edgeflow.pi4j.i2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pi4j.context.Context;
import com.pi4j.exception.Pi4JException;
import com.pi4j.io.i2c.I2C;
import dev.edgeflow.pi4j.Pi4jContexts;
import dev.edgeflow.pi4j.SensorException;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks and error messages of I2C access; the bus itself needs a Raspberry Pi. */
class Pi4jI2cTest {
    @TempDir
    Path dev;

    @Test
    void aMissingBusSaysHowToEnableI2c() {
        assertThatThrownBy(() -> Pi4jI2c.checkBus(1, dev, p -> true))
                .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isFalse())
                .hasMessage("I2C bus 1 is not available: " + dev.resolve("i2c-1") + " does not exist. Enable I2C "
                        + "(sudo raspi-config nonint do_i2c 0, or dtparam=i2c_arm=on in /boot/firmware/config.txt) "
                        + "and reboot");
    }

    @Test
    void aBusTheUserMayNotUseSaysWhichGroupToJoin() throws IOException {
        Path bus = Files.createFile(dev.resolve("i2c-1"));
        // Tests may run as root, for whom file modes deny nothing; the check takes the answer as given.
        assertThatThrownBy(() -> Pi4jI2c.checkBus(1, dev, p -> !p.equals(bus)))
                .isInstanceOf(SensorException.class)
                .hasMessage("permission denied on " + bus + ": add the user to the i2c group (sudo usermod -aG i2c "
                        + "$USER, then log in again)");
        Pi4jI2c.checkBus(1, dev, p -> true);
    }

    @Test
    void theRealCheckRefusesThisMachinesMissingBusBeforePi4jTouchesIt() {
        Context pi4j = Pi4jContexts.raspberryPi();
        try {
            assertThatThrownBy(() -> Pi4jI2c.open(pi4j, 7, 0x76))
                    .isInstanceOf(SensorException.class).hasMessageContaining("/dev/i2c-7 does not exist");
        } finally {
            pi4j.shutdown();
        }
    }

    @Test
    void whatLinuxfsSaysWhenItCannotOpenTheBusIsPassedOnWithTheDevice() throws IOException {
        // Our check passes on a fake /dev; the linuxfs provider then checks the real sysfs, where bus 9 is not.
        Files.createFile(dev.resolve("i2c-9"));
        Context pi4j = Pi4jContexts.raspberryPi();
        try {
            assertThatThrownBy(() -> Pi4jI2c.open(pi4j, 9, 0x76, dev, p -> true))
                    .isInstanceOf(SensorException.class)
                    .hasMessageStartingWith("opening I2C bus 9 address 0x76 failed: ")
                    .hasMessageContaining("I2C bus 9: path '/sys/bus/i2c/devices/i2c-9' does not exist");
        } finally {
            pi4j.shutdown();
        }
    }

    @Test
    void aBurstReadLandsAtTheOffsetAskedForThoughLinuxfsIgnoresIt() {
        Context pi4j = Pi4jContexts.raspberryPi();
        try (Pi4jI2c device = new Pi4jI2c(pi4j, linuxfsLike(null), 1, 0x76)) {
            byte[] into = new byte[8];
            device.readRegisters(0xF7, into, 3, 4);

            assertThat(into).containsExactly(0, 0, 0, 0xF7, 0xF8, 0xF9, 0xFA, 0);
        } finally {
            pi4j.shutdown();
        }
    }

    @Test
    void aBurstReadNothingAnswersIsRetryableAndNamesBusAndAddress() {
        // What linuxfs throws when no device acknowledges: its LinuxFileException carries strerror(EREMOTEIO).
        RuntimeException nack = new Pi4JException("Failed to execute ioctl for device 118 on bus 1",
                new IOException("Remote I/O error"));
        Context pi4j = Pi4jContexts.raspberryPi();
        try (Pi4jI2c device = new Pi4jI2c(pi4j, linuxfsLike(nack), 1, 0x76)) {
            assertThatThrownBy(() -> device.readRegisters(0x88, new byte[26], 0, 26))
                    .isInstanceOfSatisfying(SensorException.class, e -> assertThat(e.isRetryable()).isTrue())
                    .hasMessageStartingWith("no device answers at I2C bus 1 address 0x76 (reading 26 registers from "
                            + "0x88 failed: Failed to execute ioctl for device 118 on bus 1: Remote I/O error)")
                    .hasMessageContaining("i2cdetect -y 1");
        } finally {
            pi4j.shutdown();
        }
    }

    /**
     * An I2C device whose burst read behaves as Pi4J 2.8.0's LinuxFsI2C.readRegister(byte[], byte[], int, int):
     * register r + i goes to {@code buffer[i]}, whatever the offset. Any other call fails the test.
     */
    private static I2C linuxfsLike(RuntimeException failure) {
        return (I2C) Proxy.newProxyInstance(I2C.class.getClassLoader(), new Class<?>[] {I2C.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("id")) {
                        return "linuxfs-like";
                    }
                    if (method.getName().equals("readRegister") && args != null && args.length == 4
                            && args[0] instanceof Integer && args[1] instanceof byte[]) {
                        if (failure != null) {
                            throw failure;
                        }
                        int register = (Integer) args[0];
                        byte[] buffer = (byte[]) args[1];
                        int length = (Integer) args[3];
                        for (int i = 0; i < length; i++) {
                            buffer[i] = (byte) (register + i);
                        }
                        return length;
                    }
                    throw new AssertionError("Pi4jI2c called " + method);
                });
    }

    @Test
    void kernelErrorsReadAsWhatTheyMean() {
        SensorException none = Pi4jI2c.failure("I2C bus 1 address 0x76", "reading register 0xd0 of",
                new RuntimeException("Failed to execute ioctl", new IOException("Remote I/O error")));
        assertThat(none.isRetryable()).isTrue();
        assertThat(none).hasMessageStartingWith("no device answers at I2C bus 1 address 0x76")
                .hasMessageContaining("Remote I/O error").hasMessageContaining("i2cdetect -y 1")
                .hasMessageContaining("0x77 when on 3.3 V");

        SensorException busy = Pi4jI2c.failure("I2C bus 1 address 0x77", "opening",
                new RuntimeException(new IOException("Device or resource busy")));
        assertThat(busy.isRetryable()).isFalse();
        assertThat(busy).hasMessageContaining("UU").hasMessageContaining("dtoverlay=i2c-sensor");

        SensorException other = Pi4jI2c.failure("I2C bus 1 address 0x76", "writing register 0xf4 of",
                new IllegalStateException("bus closed"));
        assertThat(other).hasMessage("writing register 0xf4 of I2C bus 1 address 0x76 failed: bus closed");
    }

    @Test
    void busAndAddressAreChecked() {
        Context pi4j = Pi4jContexts.raspberryPi();
        try {
            assertThatThrownBy(() -> Pi4jI2c.open(pi4j, 1, 0x80)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0x80 is not a 7-bit device address");
            assertThatThrownBy(() -> Pi4jI2c.open(pi4j, -1, 0x76)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("bus -1");
        } finally {
            pi4j.shutdown();
        }
    }
}
