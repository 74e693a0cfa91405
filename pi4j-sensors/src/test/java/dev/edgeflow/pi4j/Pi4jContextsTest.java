package dev.edgeflow.pi4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pi4j.context.Context;
import com.pi4j.io.IOType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Pi4jContextsTest {

    @Test
    void namesGpiodAndLinuxfsEvenWithTheMockPluginOnTheClassPath() {
        // This module's tests have pi4j-plugin-mock on the class path; an auto context would take it.
        Context pi4j = Pi4jContexts.raspberryPi();
        try {
            assertThat(pi4j.provider(IOType.DIGITAL_OUTPUT).id()).isEqualTo("gpiod-digital-output");
            assertThat(pi4j.provider(IOType.DIGITAL_INPUT).id()).isEqualTo("gpiod-digital-input");
            assertThat(pi4j.provider(IOType.I2C).id()).isEqualTo("linuxfs-i2c");
            assertThat(pi4j.provider(IOType.PWM).id()).isEqualTo("linuxfs-pwm");
            assertThat(pi4j.providers().all().keySet()).noneMatch(id -> id.startsWith("mock"));
        } finally {
            pi4j.shutdown();
        }
    }

    @Test
    void pwmChipIsThePropertyOrTheRp1sChipOrZero(@TempDir Path sys) throws Exception {
        Path pwm = Files.createDirectories(sys.resolve("class/pwm"));
        assertThat(Pi4jContexts.pwmChip(sys.resolve("missing"), null)).isZero();
        assertThat(Pi4jContexts.pwmChip(pwm, null)).isZero();

        Path devices = Files.createDirectories(sys.resolve("devices/platform/axi/1000120000.pcie"));
        Files.createDirectories(devices.resolve("1f00098000.pwm/pwm/pwmchip2"));
        Files.createDirectories(devices.resolve("1f0009c000.pwm/pwm/pwmchip1"));
        Files.createSymbolicLink(pwm.resolve("pwmchip1"), devices.resolve("1f0009c000.pwm/pwm/pwmchip1"));
        Files.createSymbolicLink(pwm.resolve("pwmchip2"), devices.resolve("1f00098000.pwm/pwm/pwmchip2"));
        assertThat(Pi4jContexts.pwmChip(pwm, null)).isEqualTo(2);
        assertThat(Pi4jContexts.pwmChip(pwm, "0")).isZero();
    }

    @Test
    void aBadPwmChipPropertySaysWhatItTakes() {
        assertThatThrownBy(() -> Pi4jContexts.pwmChip(Path.of("/nonexistent"), "two"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("linux.pwm.chip is 'two'").hasMessageContaining("pwmchipN");
    }
}
