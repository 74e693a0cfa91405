package dev.edgeflow.pi4j;

import static com.pi4j.io.gpio.digital.DigitalState.HIGH;
import static com.pi4j.io.gpio.digital.DigitalState.LOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pi4j.context.Context;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutput;
import com.pi4j.plugin.mock.provider.pwm.MockPwm;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Commands applied to a relay (active low, pin 17) and a fan (PWM, pin 18) on Pi4J's mock
 * platform.
 */
class ActuatorSinkTest {
    private static final String TOPIC = "cmd/outputs";
    private static final String CONFIGURED = "configured outputs are relay (pin 17), fan (pin 18)";

    private Context pi4j;
    private ActuatorSink sink;
    private MockDigitalOutput relayPin;
    private MockPwm fanPwm;

    @BeforeEach
    void openOutputs() {
        pi4j = MockPi4j.context();
        sink = ActuatorSink.builder()
                .actuator(DigitalActuator.builder().name("relay").pin(17).activeLow(true).open(pi4j))
                .actuator(PwmActuator.builder().name("fan").pin(18).open(pi4j))
                .build();
        relayPin = MockPi4j.output(pi4j, 17);
        fanPwm = MockPi4j.pwm(pi4j, 18);
    }

    @AfterEach
    void closeOutputs() {
        sink.close();
        pi4j.shutdown();
    }

    private static Message command(String json) {
        return Message.of(TOPIC, json);
    }

    private static void completesNormally(CompletionStage<Void> stage) {
        assertThat(stage.toCompletableFuture()).isCompleted();
        stage.toCompletableFuture().join();
    }

    private static Throwable failureOf(CompletionStage<Void> stage) {
        CompletableFuture<Void> f = stage.toCompletableFuture();
        assertThat(f).as("the send's completion").isCompletedExceptionally();
        try {
            f.join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("unreachable");
    }

    private void nothingWasSet() {
        assertThat(relayPin.state()).as("relay pin (active low: high is off)").isEqualTo(HIGH);
        assertThat(fanPwm.isOn()).as("fan PWM on").isFalse();
        assertThat(sink.appliedCount()).as("applied commands").isZero();
    }

    @Test
    void appliesACommandForOnePinAndCompletesOnceItIsSet() {
        completesNormally(sink.send(command("{\"pin\": 17, \"state\": \"on\"}")));

        assertThat(relayPin.state()).isEqualTo(LOW);
        assertThat(sink.appliedCount()).isEqualTo(1);
    }

    @Test
    void appliesACommandForOneOutputByName() {
        completesNormally(sink.send(command("{\"output\": \"fan\", \"state\": 40}")));

        assertThat(fanPwm.isOn()).isTrue();
        assertThat(fanPwm.dutyCycle()).isEqualTo(40f);
    }

    @Test
    void appliesADesiredStateToEveryOutputItNames() {
        completesNormally(sink.send(command("{\"relay\": \"on\", \"fan\": 40}")));

        assertThat(relayPin.state()).isEqualTo(LOW);
        assertThat(fanPwm.dutyCycle()).isEqualTo(40f);
        assertThat(sink.actuators().get("relay").state()).isEqualTo("on");
        assertThat(sink.appliedCount()).isEqualTo(1);
    }

    @Test
    void appliesAShadowDeltaEventWithItsDocumentFields() {
        completesNormally(sink.send(command("{\"version\": 12, \"timestamp\": 1767225600, "
                + "\"state\": {\"relay\": true}, \"metadata\": {\"relay\": {\"timestamp\": 1767225600}}}")));

        assertThat(relayPin.state()).isEqualTo(LOW);
    }

    @Test
    void appliesTheDesiredStateOfAShadowDocumentAndIgnoresTheReportedOne() {
        completesNormally(sink.send(command("{\"state\": {\"desired\": {\"fan\": \"on\"}, "
                + "\"reported\": {\"fan\": 0, \"relay\": \"on\"}}}")));

        assertThat(fanPwm.dutyCycle()).isEqualTo(100f);
        assertThat(relayPin.state()).as("relay, named only in the reported state").isEqualTo(HIGH);
    }

    @Test
    void rejectsAnUnknownPinWithTheConfiguredOutputsAndSetsNothing() {
        Message m = command("{\"pin\": 5, \"state\": \"on\"}");

        Throwable failure = failureOf(sink.send(m));

        assertThat(failure).isInstanceOf(MessageRejectedException.class)
                .hasMessage("actuator sink 'actuators' rejected message " + m.id() + " on topic 'cmd/outputs': "
                        + "no output for pin 5: " + CONFIGURED);
        nothingWasSet();
        assertThat(sink.rejectedCount()).isEqualTo(1);
    }

    @Test
    void rejectsAnUnknownOutputNameWithTheConfiguredOutputs() {
        Throwable failure = failureOf(sink.send(command("{\"output\": \"pump\", \"state\": \"on\"}")));

        assertThat(failure).isInstanceOf(MessageRejectedException.class)
                .hasMessageEndingWith(": no output named 'pump': " + CONFIGURED);
        nothingWasSet();
    }

    @Test
    void appliesNothingFromADesiredStateWithOneBadEntryAndNamesEveryProblem() {
        Throwable failure = failureOf(sink.send(command("{\"relay\": \"on\", \"fan\": 140, \"pump\": 1}")));

        assertThat(failure).isInstanceOf(MessageRejectedException.class)
                .hasMessageEndingWith(": output 'fan' (pin 18) cannot be set to '140': the duty cycle is out of "
                        + "range; allowed is a duty cycle in percent from 0 to 100, or on (100) or off (0); "
                        + "no output named 'pump': " + CONFIGURED);
        nothingWasSet();
    }

    @Test
    void rejectsABadStateNamingTheOutputAndTheAllowedStates() {
        Throwable failure = failureOf(sink.send(command("{\"pin\": 17, \"state\": \"dim\"}")));

        assertThat(failure).isInstanceOf(MessageRejectedException.class)
                .hasMessageEndingWith(": output 'relay' (pin 17) cannot be set to 'dim': allowed states are on, off,"
                        + " true, false, 1, 0, high, low (in any case)");
        nothingWasSet();
    }

    @Test
    void rejectsAPayloadThatIsNotJsonAndSetsNothing() {
        Message text = command("relay on");

        Throwable failure = failureOf(sink.send(text));

        assertThat(failure).isInstanceOf(MessageRejectedException.class)
                .hasMessage("actuator sink 'actuators' rejected message " + text.id() + " on topic 'cmd/outputs': "
                        + "the payload is not JSON; send an object such as {\"output\": \"relay\", \"state\": \"on\"}");
        assertThat(failureOf(sink.send(Message.of(TOPIC, new byte[] {0, (byte) 0xFF}))))
                .isInstanceOf(MessageRejectedException.class);
        nothingWasSet();
        assertThat(sink.rejectedCount()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"pin\": 17, \"output\": \"relay\", \"state\": \"on\"}",
        "{\"pin\": 17, \"state\": \"on\", \"fan\": 40}",
        "{\"output\": \"relay\"}",
        "{\"pin\": \"17\", \"state\": \"on\"}",
        "{\"pin\": 17.5, \"state\": \"on\"}",
        "{\"output\": \"relay\", \"state\": {\"on\": true}}",
        "{\"state\": \"on\"}",
        "{\"state\": {\"relay\": \"on\"}, \"fan\": 40}",
        "{\"state\": {\"desired\": {\"relay\": \"on\"}, \"fan\": 40}}",
        "{\"state\": {\"desired\": \"on\"}}",
        "{\"state\": {\"reported\": {\"relay\": \"on\"}}}",
        "{\"state\": {}}",
        "{}",
        "{\"relay\": null}",
        "{\"relay\": [\"on\"]}",
        "[{\"relay\": \"on\"}]",
        "\"on\"",
    })
    void rejectsAmbiguousMixedOrMalformedCommandsAndSetsNothing(String json) {
        Throwable failure = failureOf(sink.send(command(json)));

        assertThat(failure).isInstanceOf(MessageRejectedException.class)
                .hasMessageStartingWith("actuator sink 'actuators' rejected message ");
        nothingWasSet();
    }

    @Test
    void explainsTheShapesItRejects() {
        assertThat(failureOf(sink.send(command("{\"pin\": 17, \"output\": \"relay\", \"state\": \"on\"}"))))
                .hasMessageEndingWith(": it gives both 'pin' and 'output'; name the output one way, such as "
                        + "{\"output\": \"relay\", \"state\": \"on\"}");
        assertThat(failureOf(sink.send(command("{\"state\": {\"desired\": {\"relay\": \"on\"}, \"fan\": 40}}"))))
                .hasMessageEndingWith(": 'state' mixes 'desired' with the output 'fan'; put every output state "
                        + "inside 'desired'");
        assertThat(failureOf(sink.send(command("{\"relay\": null}"))))
                .hasMessageEndingWith(": the state for output 'relay' (pin 17) is null; give a string, number or "
                        + "boolean, such as \"on\"");
    }

    @Test
    void completesADriverFailureWithARetryableException() {
        ActuatorSink broken = ActuatorSink.builder().name("broken")
                .actuator(RecordingActuator.failing("heater", 23)).build();

        Throwable failure = failureOf(broken.send(command("{\"heater\": 1}")));

        assertThat(failure).isInstanceOf(ActuatorException.class).isNotInstanceOf(MessageRejectedException.class)
                .hasMessage("output 'heater' (pin 23) could not be set to 1: the test's driver always fails");
        assertThat(broken.failedCount()).isEqualTo(1);
        assertThat(broken.appliedCount()).isZero();
        broken.close();
    }

    @Test
    void closeSwitchesEveryOutputOffReleasesThePinsAndLaterSendsFail() {
        completesNormally(sink.send(command("{\"relay\": \"on\", \"fan\": 40}")));

        sink.close();
        sink.close();

        assertThat(relayPin.state()).as("relay pin after close (active low: high is off)").isEqualTo(HIGH);
        assertThat(fanPwm.isOn()).as("fan after close").isFalse();
        assertThat(pi4j.registry().all()).as("Pi4J I/O left open").isEmpty();
        Message late = command("{\"relay\": \"on\"}");
        assertThat(failureOf(sink.send(late))).isInstanceOf(IllegalStateException.class)
                .hasMessage("actuator sink 'actuators' is closed; message " + late.id()
                        + " on topic 'cmd/outputs' was not applied");
        assertThat(relayPin.state()).isEqualTo(HIGH);
    }

    @Test
    void leavesOutputsAsTheyWereOnCloseWhenAskedTo() {
        RecordingActuator lamp = RecordingActuator.recording("lamp", 4);
        ActuatorSink keeping = ActuatorSink.builder().actuator(lamp).offOnClose(false).build();
        completesNormally(keeping.send(command("{\"lamp\": 1}")));

        keeping.close();

        assertThat(lamp.offCalls()).isZero();
        assertThat(lamp.state()).isEqualTo("1");
        assertThat(lamp.isClosed()).isTrue();
    }

    @Test
    void refusesTwoOutputsWithOneNameOrOnePinAndNamesThatAreCommandFields() {
        RecordingActuator relay = RecordingActuator.recording("relay", 17);

        assertThatThrownBy(() -> ActuatorSink.builder().actuator(relay)
                .actuator(RecordingActuator.recording("relay", 27)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("two outputs are named 'relay' (pins 17 and 27): give each its own name");
        assertThatThrownBy(() -> ActuatorSink.builder().actuator(relay)
                .actuator(RecordingActuator.recording("lamp", 17)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("outputs 'relay' and 'lamp' both use pin 17: give each its own pin");
        assertThatThrownBy(() -> ActuatorSink.builder().actuator(RecordingActuator.recording("state", 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("output name 'state' is a field of the command format (");
        assertThatThrownBy(() -> ActuatorSink.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("actuator sink 'actuators' has no outputs: add one with "
                        + "actuator(DigitalActuator.builder()...open(pi4j))");
    }
}
