package dev.edgeflow.pi4j.internal;

import com.pi4j.context.Context;
import com.pi4j.io.IOType;
import com.pi4j.provider.Provider;

/**
 * Which Pi4J 2.8.0 provider opens a pin. The provider ids are the plugins' own constants, written
 * out so that the plugins stay optional at run time.
 */
public final class GpioProviders {
    /** The gpiod plugin's digital input: the character device, works on every Pi including the 5. */
    public static final String GPIOD_DIGITAL_INPUT = "gpiod-digital-input";
    /** The gpiod plugin's digital output. */
    public static final String GPIOD_DIGITAL_OUTPUT = "gpiod-digital-output";
    /** The linuxfs plugin's PWM: {@code /sys/class/pwm}, hardware PWM on every Pi including the 5. */
    public static final String LINUXFS_PWM = "linuxfs-pwm";

    private GpioProviders() {
    }

    /**
     * Returns the preferred provider id if the context has that provider, else {@code null}, so
     * that the context's default provider for the I/O type is used (the mock in tests).
     */
    public static String preferred(Context pi4j, String providerId) {
        return pi4j.hasProvider(providerId) ? providerId : null;
    }

    /** Names the provider that will open an I/O of this type, for error messages. */
    public static String describe(Context pi4j, String providerId, IOType type) {
        if (providerId != null) {
            return providerId;
        }
        try {
            Provider<?, ?, ?> p = pi4j.provider(type);
            return p.id();
        } catch (RuntimeException e) {
            return "none: the Pi4J context has no " + type + " provider; add pi4j-plugin-gpiod (digital I/O) or "
                    + "pi4j-plugin-linuxfs (PWM) to the classpath";
        }
    }
}
