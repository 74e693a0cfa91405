package dev.edgeflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestMessagesTest {

    @Test
    void makesReadingsShapedLikeTheSeedTutorials() {
        Message m = TestMessages.reading("sensor/data", 7);

        assertThat(m.topic()).isEqualTo("sensor/data");
        assertThat(m.payloadAsString()).isEqualTo("{\"device_id\":\"RaspberryPi-001\",\"sequence\":7,"
                + "\"temperature\":26.2,\"humidity\":67,\"timestamp\":1767225607}");
        assertThat(m.header("device_type")).isEqualTo("raspberry_pi");
        assertThat(m.timestamp()).isEqualTo(TestMessages.START.plusSeconds(7));
    }

    @Test
    void makesTheSamePayloadsOnEveryCallAndReadsTheirSequencesBack() {
        List<Message> first = TestMessages.readings("t", 5, 3);
        List<Message> again = TestMessages.readings("t", 5, 3);

        assertThat(TestMessages.sequencesOf(first)).containsExactly(5, 6, 7);
        assertThat(first).extracting(Message::payloadAsString)
                .containsExactlyElementsOf(again.stream().map(Message::payloadAsString).toList());
    }

    @Test
    void refusesToReadASequenceFromAPayloadWithoutOne() {
        assertThatThrownBy(() -> TestMessages.sequenceOf(Message.of("t", "{\"device_id\":\"x\"}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no integer 'sequence'");
    }
}
