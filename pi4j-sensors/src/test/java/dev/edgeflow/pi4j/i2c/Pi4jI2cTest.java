package dev.edgeflow.pi4j.i2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pi4j.context.Context;
import dev.edgeflow.pi4j.Pi4jContexts;
import dev.edgeflow.pi4j.SensorException;
import java.io.IOException;
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
