package dev.edgeflow.pi4j;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.testkit.SinkContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The sink contract for the actuator sink. Its far side is an output; what reaches it is the state
 * a command sets. The contract's readings become commands for one output named {@code sequence}
 * ({@code {"sequence": 7}}, a desired-state map), applied to a recording actuator that keeps every
 * state it was set to; reading back rebuilds {@code {"sequence": 7}} from each state, so the
 * contract can count, order and compare what arrived. Topic and headers do not reach an output.
 */
class ActuatorSinkContractTest extends SinkContract {
    private RecordingActuator output;

    @Override
    protected Sink createSink() {
        output = RecordingActuator.recording("sequence", 17);
        return ActuatorSink.builder().name("contract").actuator(output).build();
    }

    @Override
    protected List<Message> readBack(int expected, Duration timeout) throws InterruptedException {
        List<Message> out = new ArrayList<>();
        for (String state : output.drain(expected, timeout.toNanos())) {
            out.add(Message.ofJson(topic(), Map.of("sequence", Integer.parseInt(state))));
        }
        return out;
    }

    @Override
    protected OptionalLong farSideCount() {
        return OptionalLong.of(output.appliedSoFar());
    }

    /** An output whose driver fails every time. */
    @Override
    protected Optional<Sink> createBrokenSink() {
        return Optional.of(ActuatorSink.builder().name("contract-broken")
                .actuator(RecordingActuator.failing("sequence", 17)).build());
    }

    /** Commands for the output named "sequence", with the contract's sequence numbers as states. */
    @Override
    protected List<Message> messages(int first, int count) {
        List<Message> out = new ArrayList<>(count);
        for (int i = first; i < first + count; i++) {
            out.add(Message.builder(topic()).jsonPayload(Map.of("sequence", i))
                    .header("device_type", "raspberry_pi").build());
        }
        return out;
    }

    @Override
    protected boolean preservesTopic() {
        return false;
    }

    @Override
    protected boolean preservesHeaders() {
        return false;
    }

    @Override
    @Test
    @Disabled("An actuator sink cannot deliver payloads that are not JSON: a command is a JSON object, and text or "
            + "bytes are rejected with MessageRejectedException so that the pipeline dead-letters them "
            + "(ActuatorSinkTest.rejectsAPayloadThatIsNotJsonAndSetsNothing)")
    public void deliversPayloadsThatAreNotJson() {
    }
}
