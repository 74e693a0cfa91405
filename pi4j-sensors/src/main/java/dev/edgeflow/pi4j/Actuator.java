package dev.edgeflow.pi4j;

/**
 * An output that commands set: a relay, an LED, a fan on PWM. {@link ActuatorSink} applies
 * command messages to actuators by name or pin.
 *
 * <p>States are strings, as they come in a JSON command ({@code "on"}, {@code "40"}); each kind of
 * actuator says which it accepts. {@link #normalize(String)} checks a state without touching the
 * output, so that a command for several outputs can be checked in full before any is set.
 * Implementations are safe to call from several threads.
 *
 * @since 0.1.0
 */
public interface Actuator extends AutoCloseable {
    /**
     * Returns the name that commands use, unique within a sink.
     *
     * @return a name such as {@code relay} or {@code fan}
     */
    String name();

    /**
     * Returns the pin that commands may use instead of the name, unique within a sink.
     *
     * @return the GPIO number (BCM)
     */
    int pin();

    /**
     * Checks a requested state and returns it in the form {@link #state()} reports, without
     * touching the output.
     *
     * @param requested the state from a command, such as {@code "ON"}, {@code "true"} or {@code "40"}
     * @return the canonical state, such as {@code "on"} or {@code "40"}
     * @throws IllegalArgumentException if the state is not one this actuator accepts; the message
     *     names the output, the value, and the values allowed
     */
    String normalize(String requested);

    /**
     * Sets the output. Blocks until the driver has set it (microseconds for a GPIO write).
     *
     * @param requested a state that {@link #normalize(String)} accepts
     * @return the canonical state now set
     * @throws IllegalArgumentException if the state is not accepted; the output is unchanged
     * @throws ActuatorException if the driver fails to set the output; a later attempt may succeed
     * @throws IllegalStateException if the actuator is closed
     */
    String apply(String requested);

    /**
     * Returns the output's state as last set.
     *
     * @return the canonical state, such as {@code "off"} or {@code "0"}
     */
    String state();

    /**
     * Returns the safe state that {@link #off()} sets.
     *
     * @return the canonical state, such as {@code "off"} or {@code "0"}
     */
    String offState();

    /**
     * Sets the safe state: relay open, LED dark, PWM duty cycle 0.
     *
     * @throws ActuatorException if the driver fails to set the output
     * @throws IllegalStateException if the actuator is closed
     */
    default void off() {
        apply(offState());
    }

    /**
     * Releases the pin without changing the output first; call {@link #off()} before if the
     * output must be left off (what a released pin does next is up to the driver). Idempotent;
     * does not throw.
     */
    @Override
    void close();
}
