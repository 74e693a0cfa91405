package dev.edgeflow.pi4j;

import static com.pi4j.io.gpio.digital.DigitalState.HIGH;
import static com.pi4j.io.gpio.digital.DigitalState.LOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pi4j.context.Context;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Relays and LEDs on Pi4J's mock digital outputs. */
class DigitalActuatorTest {
    private Context pi4j;

    @BeforeEach
    void startPi4j() {
        pi4j = MockPi4j.context();
    }

    @AfterEach
    void stopPi4j() {
        pi4j.shutdown();
    }

    @Test
    void opensOffAndSwitchesThePinOnAndOff() {
        DigitalActuator led = DigitalActuator.builder().name("led").pin(17).open(pi4j);
        assertThat(MockPi4j.output(pi4j, 17).state()).as("pin after open").isEqualTo(LOW);
        assertThat(led.state()).isEqualTo("off");

        assertThat(led.apply("on")).isEqualTo("on");
        assertThat(MockPi4j.output(pi4j, 17).state()).isEqualTo(HIGH);
        assertThat(led.state()).isEqualTo("on");

        led.apply("off");
        assertThat(MockPi4j.output(pi4j, 17).state()).isEqualTo(LOW);
    }

    @Test
    void drivesAnActiveLowRelayLowToSwitchItOn() {
        DigitalActuator relay = DigitalActuator.builder().name("relay").pin(22).activeLow(true).open(pi4j);
        assertThat(MockPi4j.output(pi4j, 22).state()).as("pin of a relay opened off").isEqualTo(HIGH);

        relay.apply("on");
        assertThat(MockPi4j.output(pi4j, 22).state()).isEqualTo(LOW);
        assertThat(relay.state()).isEqualTo("on");

        relay.off();
        assertThat(MockPi4j.output(pi4j, 22).state()).isEqualTo(HIGH);
        assertThat(relay.state()).isEqualTo("off");
    }

    @Test
    void canBeOpenedOn() {
        DigitalActuator pump = DigitalActuator.builder().name("pump").pin(5).initiallyOn(true).open(pi4j);

        assertThat(pump.state()).isEqualTo("on");
        assertThat(MockPi4j.output(pi4j, 5).state()).isEqualTo(HIGH);
    }

    @ParameterizedTest
    @ValueSource(strings = {"on", "ON", "true", "True", "1", "high", "HIGH", " on "})
    void acceptsEveryWayOfSayingOn(String state) {
        DigitalActuator led = DigitalActuator.builder().name("led").pin(17).open(pi4j);

        assertThat(led.apply(state)).isEqualTo("on");
        assertThat(MockPi4j.output(pi4j, 17).state()).isEqualTo(HIGH);
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "OFF", "false", "0", "low", "Low"})
    void acceptsEveryWayOfSayingOff(String state) {
        DigitalActuator led = DigitalActuator.builder().name("led").pin(17).initiallyOn(true).open(pi4j);

        assertThat(led.apply(state)).isEqualTo("off");
        assertThat(MockPi4j.output(pi4j, 17).state()).isEqualTo(LOW);
    }

    @Test
    void rejectsAnyOtherStateNamingTheOutputTheValueAndTheAllowedValues() {
        DigitalActuator relay = DigitalActuator.builder().name("relay").pin(17).open(pi4j);

        assertThatThrownBy(() -> relay.apply("dim")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("output 'relay' (pin 17) cannot be set to 'dim': allowed states are on, off, true, false,"
                        + " 1, 0, high, low (in any case)");
        assertThatThrownBy(() -> relay.apply("2")).isInstanceOf(IllegalArgumentException.class);
        assertThat(MockPi4j.output(pi4j, 17).state()).as("pin after rejected states").isEqualTo(LOW);
    }

    @Test
    void closeReleasesThePinAndLaterAppliesFail() {
        DigitalActuator relay = DigitalActuator.builder().name("relay").pin(17).open(pi4j);

        relay.close();
        relay.close();

        assertThat(pi4j.registry().all()).as("Pi4J I/O left open").isEmpty();
        assertThatThrownBy(() -> relay.apply("on")).isInstanceOf(IllegalStateException.class)
                .hasMessage("output 'relay' (pin 17) is closed");
    }

    @Test
    void failsToOpenAPinInUseWithTheReason() {
        DigitalActuator.builder().name("relay").pin(17).open(pi4j);

        assertThatThrownBy(() -> DigitalActuator.builder().name("lamp").pin(17).open(pi4j))
                .isInstanceOf(ActuatorException.class)
                .hasMessageStartingWith("cannot open output 'lamp' on GPIO 17 with provider mock-digital-output: ");
    }

    @Test
    void rejectsAMissingNameOrPinWithTheFix() {
        assertThatThrownBy(() -> DigitalActuator.builder().pin(17).open(pi4j))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("output name is missing: name it, such as name(\"relay\")");
        assertThatThrownBy(() -> DigitalActuator.builder().name("relay").open(pi4j))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("output 'relay' has no pin: set pin(bcm) to its GPIO number, such as pin(17)");
    }
}
