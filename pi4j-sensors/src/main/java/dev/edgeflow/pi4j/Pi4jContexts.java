package dev.edgeflow.pi4j;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalInputProvider;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalOutputProvider;
import com.pi4j.plugin.linuxfs.LinuxFsPlugin;
import com.pi4j.plugin.linuxfs.provider.i2c.LinuxFsI2CProvider;
import com.pi4j.plugin.linuxfs.provider.pwm.LinuxFsPwmProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Pi4J contexts for a Raspberry Pi, with the providers named rather than found on the class path.
 *
 * <p>{@link Pi4J#newAutoContext()} takes every Pi4J plugin on the class path, and when
 * {@code pi4j-plugin-mock} is among them (a test dependency that slipped into the application,
 * or an example that can simulate) the mock takes every pin: relays never click and inputs never
 * change, without an error. {@link #raspberryPi()} adds the gpiod providers for digital I/O and
 * the linuxfs providers for I2C and PWM by name, so what is on the class path cannot change
 * which hardware is driven.
 *
 * <p>gpiod uses the GPIO character device ({@code /dev/gpiochip*}) and works on every Raspberry
 * Pi model including the 5; linuxfs uses {@code /dev/i2c-N} and {@code /sys/class/pwm}. pigpio
 * is not used: it does not run on a Pi 5. See {@code docs/raspberry-pi.md}.
 */
public final class Pi4jContexts {
    /** The system property that chooses the PWM chip, as Pi4J's own {@code linux.pwm.chip}. */
    public static final String PWM_CHIP_PROPERTY = "linux.pwm.chip";
    /** The RP1 I/O controller's PWM block (Raspberry Pi 5), as the kernel names its device. */
    private static final String RP1_PWM = "1f00098000";

    private Pi4jContexts() {
    }

    /**
     * Creates a context with gpiod digital input and output and linuxfs I2C and PWM. The PWM
     * chip is {@code pwmchip0}, or on a Raspberry Pi 5 the chip of the RP1's PWM block (usually
     * {@code pwmchip2}, read from {@code /sys/class/pwm}), unless the system property
     * {@value #PWM_CHIP_PROPERTY} names another. Shut it down with {@link Context#shutdown()}.
     *
     * @return the context; pins are claimed only when an input, output or bus is opened on it
     * @throws IllegalArgumentException if {@value #PWM_CHIP_PROPERTY} is not a whole number
     */
    public static Context raspberryPi() {
        Path pwmRoot = Path.of(LinuxFsPlugin.DEFAULT_PWM_FILESYSTEM_PATH);
        return Pi4J.newContextBuilder()
                .add(GpioDDigitalInputProvider.newInstance(), GpioDDigitalOutputProvider.newInstance(),
                        LinuxFsI2CProvider.newInstance(),
                        LinuxFsPwmProvider.newInstance(pwmRoot.toString(), pwmChip(pwmRoot,
                                System.getProperty(PWM_CHIP_PROPERTY))))
                .build();
    }

    /**
     * Chooses the PWM chip: the property when set, else the RP1's chip when there is one, else 0.
     *
     * @param pwmRoot where the kernel lists PWM chips, {@code /sys/class/pwm}
     * @param property the value of {@value #PWM_CHIP_PROPERTY}, or {@code null}
     * @return the chip number
     */
    static int pwmChip(Path pwmRoot, String property) {
        if (property != null) {
            try {
                int chip = Integer.parseInt(property.trim());
                if (chip >= 0) {
                    return chip;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("system property " + PWM_CHIP_PROPERTY + " is '" + property
                    + "': give the number N of /sys/class/pwm/pwmchipN, such as 0 (Pi 4 and older) or 2 (Pi 5)");
        }
        return rp1Chip(pwmRoot).orElse(0);
    }

    private static Optional<Integer> rp1Chip(Path pwmRoot) {
        if (!Files.isDirectory(pwmRoot)) {
            return Optional.empty();
        }
        try (Stream<Path> chips = Files.list(pwmRoot)) {
            return chips.filter(p -> p.getFileName().toString().matches("pwmchip\\d+"))
                    .filter(p -> linkTarget(p).contains(RP1_PWM))
                    .map(p -> Integer.parseInt(p.getFileName().toString().substring("pwmchip".length())))
                    .sorted().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String linkTarget(Path chip) {
        try {
            return Files.isSymbolicLink(chip) ? Files.readSymbolicLink(chip).toString() : chip.toRealPath().toString();
        } catch (IOException e) {
            return "";
        }
    }
}
