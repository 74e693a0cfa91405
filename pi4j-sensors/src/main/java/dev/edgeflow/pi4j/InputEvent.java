package dev.edgeflow.pi4j;

import java.time.Instant;
import java.util.Objects;

/**
 * One accepted change of a digital input, as a {@link DigitalInputWatcher} reports it: the input
 * went active (a button pressed, a PIR saw motion) or inactive, and its new level stayed for the
 * debounce time. Immutable.
 *
 * @since 0.1.0
 */
public final class InputEvent {
    private final String name;
    private final int pin;
    private final boolean active;
    private final boolean high;
    private final Instant timestamp;

    private InputEvent(String name, int pin, boolean active, boolean high, Instant timestamp) {
        this.name = name;
        this.pin = pin;
        this.active = active;
        this.high = high;
        this.timestamp = timestamp;
    }

    /**
     * Creates an event.
     *
     * @param name the input's name, such as {@code button}
     * @param pin the input's GPIO number (BCM)
     * @param active whether the input is now active, after active-low inversion
     * @param high whether the pin's level is now high
     * @param timestamp when the level changed (the edge that started the new, stable level)
     * @return the event
     * @throws NullPointerException if {@code name} or {@code timestamp} is null
     */
    public static InputEvent of(String name, int pin, boolean active, boolean high, Instant timestamp) {
        return new InputEvent(Objects.requireNonNull(name, "name"), pin, active, high,
                Objects.requireNonNull(timestamp, "timestamp"));
    }

    /**
     * Returns the input's name.
     *
     * @return the name given to the watcher, such as {@code pir}
     */
    public String name() {
        return name;
    }

    /**
     * Returns the input's pin.
     *
     * @return the GPIO number (BCM)
     */
    public int pin() {
        return pin;
    }

    /**
     * Tells whether the input is now active: pressed, motion seen. For an active-low input this
     * is the inverse of {@link #high()}.
     *
     * @return {@code true} if the input went active, {@code false} if it went inactive
     */
    public boolean active() {
        return active;
    }

    /**
     * Tells the pin's electrical level after the change.
     *
     * @return {@code true} for high, {@code false} for low
     */
    public boolean high() {
        return high;
    }

    /**
     * Returns when the level changed: the time of the edge that began the new level, not the
     * later moment the debounce time had passed.
     *
     * @return the time, from the watcher's clock
     */
    public Instant timestamp() {
        return timestamp;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof InputEvent)) {
            return false;
        }
        InputEvent e = (InputEvent) o;
        return pin == e.pin && active == e.active && high == e.high && name.equals(e.name)
                && timestamp.equals(e.timestamp);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, pin, active, high, timestamp);
    }

    @Override
    public String toString() {
        return "InputEvent{" + name + " (pin " + pin + ") " + (active ? "active" : "inactive") + ", level "
                + (high ? "high" : "low") + ", at " + timestamp + "}";
    }
}
