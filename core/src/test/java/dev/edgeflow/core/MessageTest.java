package dev.edgeflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageTest {

    @Test
    void buildsAnImmutableMessageWithDefaults() {
        byte[] payload = "{\"temperature\":21.5}".getBytes(StandardCharsets.UTF_8);
        Message m = Message.builder("sensor/room1").payload(payload).header("unit", "C").build();
        payload[0] = 'X';
        byte[] copy = m.payload();
        copy[1] = 'Y';

        assertThat(m.payloadAsString()).isEqualTo("{\"temperature\":21.5}");
        assertThat(m.id()).isNotBlank();
        assertThat(m.qos()).isEqualTo(Qos.AT_LEAST_ONCE);
        assertThat(m.timestamp()).isBeforeOrEqualTo(Instant.now());
        assertThat(m.headers()).containsEntry("unit", "C");
        assertThatThrownBy(() -> m.headers().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(m.payloadBuffer().isReadOnly()).isTrue();
    }

    @Test
    void givesEveryMessageItsOwnId() {
        assertThat(Message.of("a", "1").id()).isNotEqualTo(Message.of("a", "1").id());
    }

    @Test
    void keepsIdAcrossCopies() {
        Message m = Message.of("sensor/a", "x");
        assertThat(m.withTopic("cloud/sensor/a").id()).isEqualTo(m.id());
        assertThat(m.withHeader("k", "v").header("k")).isEqualTo("v");
        assertThat(m.withPayload(new byte[] {1}).payloadSize()).isEqualTo(1);
        assertThat(m.toBuilder().build()).isEqualTo(m);
    }

    @Test
    void rejectsNullAndEmptyTopics() {
        assertThatThrownBy(() -> Message.of(null, "x")).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("topic is null");
        assertThatThrownBy(() -> Message.of("", "x")).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("topic is empty");
    }

    @Test
    void rejectsWildcardsInPublishTopics() {
        assertThatThrownBy(() -> Message.of("sensor/+/t", "x")).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("sensor/+/t").hasMessageContaining("wildcard '+'");
        assertThatThrownBy(() -> Message.of("sensor/#", "x")).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("wildcard '#'");
    }

    @Test
    void rejectsNulCharacterInTopics() {
        assertThatThrownBy(() -> Message.of("sensor/\u0000", "x")).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("U+0000").hasMessageContaining("index 7");
    }

    @Test
    void rejectsTopicsOverTheMqttLimit() {
        String fine = "a".repeat(Topics.MAX_TOPIC_BYTES);
        assertThat(Message.of(fine, "x").topic()).hasSize(Topics.MAX_TOPIC_BYTES);
        String tooLong = "é".repeat(Topics.MAX_TOPIC_BYTES / 2 + 1); // two bytes each
        assertThatThrownBy(() -> Message.of(tooLong, "x")).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("65536 UTF-8 bytes").hasMessageContaining("at most 65535");
    }

    @Test
    void rejectsBadHeaders() {
        assertThatThrownBy(() -> Message.builder("t").header("", "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header name is empty");
        assertThatThrownBy(() -> Message.builder("t").header("k", null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header 'k' has a null value");
    }

    @Test
    void writesAndReadsJson() {
        Message m = Message.ofJson("sensor/r", Map.of("device_id", "pi-1", "temperature", 36.5));
        assertThat(m.isJson()).isTrue();
        assertThat(m.payloadAsJson().get("temperature").doubleValue()).isEqualTo(36.5);
        record Reading(String device_id, double temperature) {
        }
        assertThat(m.payloadAs(Reading.class)).isEqualTo(new Reading("pi-1", 36.5));
    }

    @Test
    void saysWhichMessageIsNotJson() {
        Message m = Message.of("sensor/raw", "21.5 C");
        assertThat(m.isJson()).isFalse();
        assertThatThrownBy(m::payloadAsJson).isInstanceOf(PayloadFormatException.class)
                .isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining(m.id()).hasMessageContaining("sensor/raw").hasMessageContaining("not the JSON");
        Message empty = Message.builder("sensor/raw").build();
        assertThatThrownBy(empty::payloadAsJson).hasMessageContaining("is empty");
    }

    @Test
    void toStringShowsNoPayloadOrHeaderValues() {
        Message m = Message.builder("t").payload("secret-payload").header("token", "secret-value").build();
        assertThat(m.toString()).doesNotContain("secret-payload").doesNotContain("secret-value").contains("token");
    }

    @Test
    void mapsQosLevels() {
        assertThat(Qos.ofLevel(2)).isEqualTo(Qos.EXACTLY_ONCE);
        assertThatThrownBy(() -> Qos.ofLevel(3)).hasMessageContaining("QoS level 3 is not valid");
    }
}
