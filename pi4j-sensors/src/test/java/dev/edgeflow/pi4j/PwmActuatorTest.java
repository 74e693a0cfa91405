package dev.edgeflow.pi4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pi4j.context.Context;
import com.pi4j.plugin.mock.provider.pwm.MockPwm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Fans and dimmed LEDs on Pi4J's mock PWM. */
class PwmActuatorTest {
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
    void opensOffAtTheDefaultFrequencyOf1000Hz() {
        PwmActuator fan = PwmActuator.builder().name("fan").pin(18).open(pi4j);
        MockPwm pwm = MockPi4j.pwm(pi4j, 18);

        assertThat(pwm.isOn()).isFalse();
        assertThat(pwm.frequency()).isEqualTo(1000);
        assertThat(fan.state()).isEqualTo("0");
    }

    @Test
    void setsTheDutyCycleAndFrequency() {
        PwmActuator fan = PwmActuator.builder().name("fan").pin(18).frequencyHz(25_000).open(pi4j);
        MockPwm pwm = MockPi4j.pwm(pi4j, 18);

        assertThat(fan.apply("40")).isEqualTo("40");

        assertThat(pwm.isOn()).isTrue();
        assertThat(pwm.dutyCycle()).isEqualTo(40f);
        assertThat(pwm.frequency()).isEqualTo(25_000);
        assertThat(fan.state()).isEqualTo("40");

        assertThat(fan.apply("12.50")).isEqualTo("12.5");
        assertThat(pwm.dutyCycle()).isEqualTo(12.5f);
    }

    @Test
    void onIsFullAndOffOrZeroStopsTheOutput() {
        PwmActuator led = PwmActuator.builder().name("led").pin(13).open(pi4j);
        MockPwm pwm = MockPi4j.pwm(pi4j, 13);

        assertThat(led.apply("ON")).isEqualTo("100");
        assertThat(pwm.isOn()).isTrue();
        assertThat(pwm.dutyCycle()).isEqualTo(100f);

        assertThat(led.apply("off")).isEqualTo("0");
        assertThat(pwm.isOn()).isFalse();

        led.apply("60");
        assertThat(led.apply("0.0")).isEqualTo("0");
        assertThat(pwm.isOn()).isFalse();
        assertThat(led.state()).isEqualTo("0");
    }

    @Test
    void opensTheChannelGivenInsteadOfThePin() {
        PwmActuator fan = PwmActuator.builder().name("fan").pin(18).channel(2).open(pi4j);

        fan.apply("55");

        assertThat(MockPi4j.pwm(pi4j, 2).dutyCycle()).isEqualTo(55f);
        assertThat(fan.pin()).as("the pin that commands address").isEqualTo(18);
    }

    @ParameterizedTest
    @ValueSource(strings = {"101", "-1", "100.01"})
    void rejectsADutyCycleOutOfRangeNamingTheRange(String duty) {
        PwmActuator fan = PwmActuator.builder().name("fan").pin(18).open(pi4j);

        assertThatThrownBy(() -> fan.apply(duty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("output 'fan' (pin 18) cannot be set to '" + duty + "': the duty cycle is out of range; "
                        + "allowed is a duty cycle in percent from 0 to 100, or on (100) or off (0)");
        assertThat(MockPi4j.pwm(pi4j, 18).isOn()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fast", "true", "NaN", ""})
    void rejectsWhatIsNotADutyCycle(String duty) {
        PwmActuator fan = PwmActuator.builder().name("fan").pin(18).open(pi4j);

        assertThatThrownBy(() -> fan.apply(duty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("output 'fan' (pin 18) cannot be set to '" + duty + "': allowed is a duty cycle in "
                        + "percent from 0 to 100, or on (100) or off (0)");
    }

    @Test
    void rejectsAFrequencyThatIsNotPositive() {
        assertThatThrownBy(() -> PwmActuator.builder().name("fan").pin(18).frequencyHz(0).open(pi4j))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("output 'fan' has frequency 0 Hz: use more than 0, such as frequencyHz(1000)");
    }

    @Test
    void closeReleasesTheOutput() {
        PwmActuator fan = PwmActuator.builder().name("fan").pin(18).open(pi4j);

        fan.close();
        fan.close();

        assertThat(pi4j.registry().all()).isEmpty();
        assertThatThrownBy(() -> fan.apply("10")).isInstanceOf(IllegalStateException.class);
    }
}
