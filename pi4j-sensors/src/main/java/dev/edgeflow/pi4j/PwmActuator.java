package dev.edgeflow.pi4j;

import com.pi4j.context.Context;
import com.pi4j.io.IOType;
import com.pi4j.io.pwm.Pwm;
import com.pi4j.io.pwm.PwmConfigBuilder;
import com.pi4j.io.pwm.PwmType;
import dev.edgeflow.pi4j.internal.GpioProviders;
import dev.edgeflow.pi4j.internal.OutputChecks;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hardware PWM output set to a duty cycle: a fan's speed, an LED's brightness.
 *
 * <pre>{@code
 * PwmActuator fan = PwmActuator.builder().name("fan").pin(18).channel(2).frequencyHz(25_000).open(pi4j);
 * fan.apply("40"); // 40 % duty cycle
 * }</pre>
 *
 * <p>States accepted: a duty cycle in percent from 0 to 100 ({@code "40"}, {@code "12.5"}), or
 * {@code on} (100) and {@code off} (0) in any case. {@link #state()} reports the duty cycle as a
 * number without a trailing {@code .0}, and {@code 0} while the output is off.
 *
 * <p><b>Pin and channel.</b> Commands address the output by its GPIO number. Pi4J's linuxfs
 * provider (the one for PWM on every Pi, and the only one on a Pi 5) addresses a channel of the
 * PWM chip instead, so set {@link Builder#channel(int)}: on a Pi 5 GPIO 12, 13, 18, 19 are
 * channels 0, 1, 2, 3 of the RP1's PWM0; on a Pi 4 and older GPIO 18 (or 12) is channel 0 and
 * GPIO 19 (or 13) channel 1, with {@code dtoverlay=pwm-2chan}. Without a channel the pin number is
 * given to the provider, as the mock expects.
 *
 * <p>The output is opened off, with the linuxfs PWM provider when the context has it, else with
 * the context's default PWM provider.
 *
 * @since 0.1.0
 */
public final class PwmActuator implements Actuator {
    private static final Logger LOG = LoggerFactory.getLogger(PwmActuator.class);
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
    private static final String OFF = "0";
    private static final String ALLOWED = "a duty cycle in percent from 0 to 100, or on (100) or off (0)";

    private final String name;
    private final int pin;
    private final int frequencyHz;
    private final Context pi4j;
    private final Pwm pwm;
    private String state = OFF;
    private boolean closed;

    private PwmActuator(Builder b, Context pi4j, Pwm pwm) {
        this.name = b.name;
        this.pin = b.pin;
        this.frequencyHz = b.frequencyHz;
        this.pi4j = pi4j;
        this.pwm = pwm;
    }

    /**
     * Starts a PWM actuator.
     *
     * @return a builder; {@link Builder#name(String)} and {@link Builder#pin(int)} are required
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int pin() {
        return pin;
    }

    /**
     * Returns the PWM frequency.
     *
     * @return the frequency in hertz that the output runs at
     */
    public int frequencyHz() {
        return frequencyHz;
    }

    @Override
    public String normalize(String requested) {
        String s = requested == null ? "" : requested.trim().toLowerCase(Locale.ROOT);
        if (s.equals("on")) {
            return "100";
        }
        if (s.equals("off")) {
            return OFF;
        }
        BigDecimal duty;
        try {
            duty = new BigDecimal(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("output '" + name + "' (pin " + pin + ") cannot be set to '"
                    + requested + "': allowed is " + ALLOWED, e);
        }
        if (duty.signum() < 0 || duty.compareTo(HUNDRED) > 0) {
            throw new IllegalArgumentException("output '" + name + "' (pin " + pin + ") cannot be set to '"
                    + requested + "': the duty cycle is out of range; allowed is " + ALLOWED);
        }
        return duty.signum() == 0 ? OFF : duty.stripTrailingZeros().toPlainString();
    }

    @Override
    public synchronized String apply(String requested) {
        String target = normalize(requested);
        if (closed) {
            throw new IllegalStateException("output '" + name + "' (pin " + pin + ") is closed");
        }
        float duty = Float.parseFloat(target);
        try {
            if (duty == 0f) {
                pwm.off();
            } else {
                pwm.on(duty, frequencyHz);
            }
        } catch (RuntimeException e) {
            throw new ActuatorException("output '" + name + "' (pin " + pin + ") could not be set to a duty cycle of "
                    + target + " % at " + frequencyHz + " Hz: " + e.getMessage(), e);
        }
        state = target;
        LOG.debug("output '{}' (pin {}) duty cycle {} % at {} Hz", name, pin, target, frequencyHz);
        return target;
    }

    @Override
    public synchronized String state() {
        return state;
    }

    @Override
    public String offState() {
        return OFF;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            pi4j.registry().remove(pwm.id());
        } catch (RuntimeException e) {
            // Pi4J already shut down the context, and the output with it: nothing left to release.
            LOG.debug("output '{}' (pin {}): releasing the PWM: {}", name, pin, e.toString());
        }
    }

    @Override
    public String toString() {
        return "PwmActuator{" + name + ", pin " + pin + ", " + frequencyHz + " Hz}";
    }

    /**
     * Builds a {@link PwmActuator}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String name;
        private int pin = -1;
        private Integer channel;
        private int frequencyHz = 1000;

        private Builder() {
        }

        /**
         * Names the output, as commands name it.
         *
         * @param name not empty, such as {@code fan}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Sets the pin that commands address.
         *
         * @param bcm the GPIO number (BCM), not the header's pin number; 0 or more
         * @return this builder
         */
        public Builder pin(int bcm) {
            this.pin = bcm;
            return this;
        }

        /**
         * Sets the PWM chip's channel that drives the pin, which the linuxfs provider addresses;
         * see the class description for the channel of each pin.
         *
         * @param channel 0 or more; by default the pin number is passed on instead
         * @return this builder
         */
        public Builder channel(int channel) {
            this.channel = channel;
            return this;
        }

        /**
         * Sets the PWM frequency.
         *
         * @param hertz more than 0; by default 1000
         * @return this builder
         */
        public Builder frequencyHz(int hertz) {
            this.frequencyHz = hertz;
            return this;
        }

        /**
         * Opens the output on a Pi4J context, off.
         *
         * @param pi4j the context
         * @return the open actuator
         * @throws IllegalArgumentException if the name is missing or empty, the pin is missing or
         *     negative, the channel negative, or the frequency not above 0
         * @throws ActuatorException if Pi4J cannot open the PWM: the channel does not exist (is the
         *     overlay loaded?), the context has no PWM provider, or the user may not write to
         *     {@code /sys/class/pwm}
         */
        public PwmActuator open(Context pi4j) {
            Objects.requireNonNull(pi4j, "pi4j");
            OutputChecks.requireName(name, "output", "fan");
            OutputChecks.requirePin(pin, "output", name);
            if (channel != null && channel < 0) {
                throw new IllegalArgumentException("output '" + name + "' has PWM channel " + channel
                        + ": use 0 or more, such as channel(0)");
            }
            if (frequencyHz <= 0) {
                throw new IllegalArgumentException("output '" + name + "' has frequency " + frequencyHz
                        + " Hz: use more than 0, such as frequencyHz(1000)");
            }
            int address = channel != null ? channel : pin;
            String provider = GpioProviders.preferred(pi4j, GpioProviders.LINUXFS_PWM);
            PwmConfigBuilder config = Pwm.newConfigBuilder(pi4j)
                    .id("edgeflow-pwm-" + name + "-gpio" + pin)
                    .name(name)
                    .address(address)
                    .pwmType(PwmType.HARDWARE)
                    .frequency(frequencyHz)
                    .dutyCycle(0)
                    .initial(0);
            if (provider != null) {
                config.provider(provider);
            }
            try {
                return new PwmActuator(this, pi4j, pi4j.create(config.build()));
            } catch (RuntimeException e) {
                throw new ActuatorException("cannot open PWM output '" + name + "' (GPIO " + pin + ", PWM address "
                        + address + ") with provider " + GpioProviders.describe(pi4j, provider, IOType.PWM) + ": "
                        + e.getMessage() + "; check that the PWM overlay is loaded (dtoverlay=pwm-2chan in "
                        + "config.txt), that the channel matches the pin, and that the user may write to "
                        + "/sys/class/pwm", e);
            }
        }
    }
}
