package dev.edgeflow.pi4j;

import com.pi4j.context.Context;
import com.pi4j.io.IOType;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalOutputConfigBuilder;
import com.pi4j.io.gpio.digital.DigitalState;
import dev.edgeflow.pi4j.internal.GpioProviders;
import dev.edgeflow.pi4j.internal.OutputChecks;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A digital output switched on and off: a relay, an LED, a buzzer.
 *
 * <pre>{@code
 * DigitalActuator relay = DigitalActuator.builder().name("relay").pin(17).activeLow(true).open(pi4j);
 * relay.apply("on");
 * }</pre>
 *
 * <p>States accepted, in any case: {@code on}, {@code true}, {@code 1}, {@code high} switch the
 * output on; {@code off}, {@code false}, {@code 0}, {@code low} switch it off. They name the
 * logical state: on an active-low output (many relay boards switch on when their input is low)
 * {@code on} and {@code high} drive the pin low. {@link #state()} reports {@code on} or
 * {@code off}.
 *
 * <p>The output is opened off (unless {@link Builder#initiallyOn(boolean)}), with the gpiod
 * provider when the context has it, else with the context's default digital output provider.
 *
 * @since 0.1.0
 */
public final class DigitalActuator implements Actuator {
    private static final Logger LOG = LoggerFactory.getLogger(DigitalActuator.class);
    private static final String ON = "on";
    private static final String OFF = "off";
    private static final String ALLOWED = "on, off, true, false, 1, 0, high, low (in any case)";

    private final String name;
    private final int pin;
    private final boolean activeLow;
    private final Context pi4j;
    private final DigitalOutput output;
    private boolean closed;

    private DigitalActuator(Builder b, Context pi4j, DigitalOutput output) {
        this.name = b.name;
        this.pin = b.pin;
        this.activeLow = b.activeLow;
        this.pi4j = pi4j;
        this.output = output;
    }

    /**
     * Starts a digital actuator.
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
     * Tells whether the output switches on when its pin is low.
     *
     * @return {@code true} for an active-low output
     */
    public boolean activeLow() {
        return activeLow;
    }

    @Override
    public String normalize(String requested) {
        String s = requested == null ? "" : requested.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "on":
            case "true":
            case "1":
            case "high":
                return ON;
            case "off":
            case "false":
            case "0":
            case "low":
                return OFF;
            default:
                throw new IllegalArgumentException("output '" + name + "' (pin " + pin + ") cannot be set to '"
                        + requested + "': allowed states are " + ALLOWED);
        }
    }

    @Override
    public synchronized String apply(String requested) {
        String target = normalize(requested);
        if (closed) {
            throw new IllegalStateException("output '" + name + "' (pin " + pin + ") is closed");
        }
        DigitalState level = levelFor(ON.equals(target));
        try {
            output.state(level);
        } catch (RuntimeException e) {
            throw new ActuatorException("output '" + name + "' (pin " + pin + ") could not be switched " + target
                    + ": " + e.getMessage(), e);
        }
        LOG.debug("output '{}' (pin {}) {} (pin {})", name, pin, target, level);
        return target;
    }

    private DigitalState levelFor(boolean on) {
        return on != activeLow ? DigitalState.HIGH : DigitalState.LOW;
    }

    @Override
    public synchronized String state() {
        return output.state() == levelFor(true) ? ON : OFF;
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
            pi4j.registry().remove(output.id());
        } catch (RuntimeException e) {
            // Pi4J already shut down the context, and the pin with it: nothing left to release.
            LOG.debug("output '{}' (pin {}): releasing the pin: {}", name, pin, e.toString());
        }
    }

    @Override
    public String toString() {
        return "DigitalActuator{" + name + ", pin " + pin + (activeLow ? ", active low" : "") + "}";
    }

    /**
     * Builds a {@link DigitalActuator}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String name;
        private int pin = -1;
        private boolean activeLow;
        private boolean initiallyOn;

        private Builder() {
        }

        /**
         * Names the output, as commands name it.
         *
         * @param name not empty, such as {@code relay}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Sets the pin.
         *
         * @param bcm the GPIO number (BCM), not the header's pin number; 0 or more
         * @return this builder
         */
        public Builder pin(int bcm) {
            this.pin = bcm;
            return this;
        }

        /**
         * Says the output is on when its pin is low, as on many relay boards.
         *
         * @param activeLow by default {@code false}: high is on
         * @return this builder
         */
        public Builder activeLow(boolean activeLow) {
            this.activeLow = activeLow;
            return this;
        }

        /**
         * Sets the state the output is opened in.
         *
         * @param on by default {@code false}: opened off
         * @return this builder
         */
        public Builder initiallyOn(boolean on) {
            this.initiallyOn = on;
            return this;
        }

        /**
         * Opens the output on a Pi4J context and sets its initial state.
         *
         * @param pi4j the context
         * @return the open actuator
         * @throws IllegalArgumentException if the name is missing or empty, or the pin is missing
         *     or negative
         * @throws ActuatorException if Pi4J cannot open the pin: it is in use, the context has no
         *     digital output provider, or the user may not open {@code /dev/gpiochip*}
         */
        public DigitalActuator open(Context pi4j) {
            Objects.requireNonNull(pi4j, "pi4j");
            OutputChecks.requireName(name, "output", "relay");
            OutputChecks.requirePin(pin, "output", name);
            String provider = GpioProviders.preferred(pi4j, GpioProviders.GPIOD_DIGITAL_OUTPUT);
            DigitalState off = activeLow ? DigitalState.HIGH : DigitalState.LOW;
            DigitalState on = activeLow ? DigitalState.LOW : DigitalState.HIGH;
            DigitalOutputConfigBuilder config = DigitalOutput.newConfigBuilder(pi4j)
                    .id("edgeflow-output-" + name + "-gpio" + pin)
                    .name(name)
                    .address(pin)
                    .onState(on)
                    .initial(initiallyOn ? on : off);
            if (provider != null) {
                config.provider(provider);
            }
            try {
                return new DigitalActuator(this, pi4j, pi4j.create(config.build()));
            } catch (RuntimeException e) {
                throw new ActuatorException("cannot open output '" + name + "' on GPIO " + pin + " with provider "
                        + GpioProviders.describe(pi4j, provider, IOType.DIGITAL_OUTPUT) + ": " + e.getMessage()
                        + "; check that no other program, input or output uses the pin and that the user is in "
                        + "the gpio group (read and write on /dev/gpiochip*)", e);
            }
        }
    }
}
