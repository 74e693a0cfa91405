package dev.edgeflow.timeseries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadingParserTest {
    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private final ReadingParser parser = ReadingParser.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();

    private static Message json(String topic, String payload) {
        return Message.builder(topic).payload(payload).timestamp(NOW.minusSeconds(1)).build();
    }

    @Test
    void readsTheTutorialsPayload() {
        Point p = parser.parse(json("sensor/pi-1/reading",
                "{\"device_id\":\"pi-1\",\"temperature\":22.5,\"humidity\":41,\"timestamp\":1796630400}"));
        assertThat(p.device()).isEqualTo("pi-1");
        assertThat(p.time()).isEqualTo(Instant.ofEpochSecond(1796630400));
        assertThat(p.fields()).containsExactly(Map.entry("humidity", 41.0), Map.entry("temperature", 22.5));
        assertThat(p.tags()).containsExactly(Map.entry("topic", "sensor/pi-1/reading"));
    }

    @Test
    void takesTheDeviceFromTheTopicAndTheTimeFromTheMessageWhenThePayloadHasNeither() {
        Point p = parser.parse(json("sensor/pi-7/climate", "{\"pressure\":1013.2}"));
        assertThat(p.device()).isEqualTo("pi-7");
        assertThat(p.time()).isEqualTo(NOW.minusSeconds(1));
    }

    @Test
    void refinesWholeSecondsWithTheMessagesTimeWithinThatSecond() {
        Instant second = NOW.minusSeconds(10);
        Message within = Message.builder("sensor/a/r").payload("{\"t\":1,\"timestamp\":" + second.getEpochSecond() + "}")
                .timestamp(second.plusMillis(250)).build();
        assertThat(parser.parse(within).time()).isEqualTo(second.plusMillis(250));
        Message later = Message.builder("sensor/a/r").payload("{\"t\":1,\"timestamp\":" + second.getEpochSecond() + "}")
                .timestamp(second.plusMillis(1500)).build();
        assertThat(parser.parse(later).time()).as("the message's time is another second's").isEqualTo(second);
    }

    @Test
    void readsEpochMillisFractionalSecondsAndIsoTimes() {
        assertThat(parser.parse(json("sensor/a/r", "{\"t\":1,\"timestamp\":1796630400123}")).time())
                .isEqualTo(Instant.ofEpochMilli(1796630400123L));
        assertThat(parser.parse(json("sensor/a/r", "{\"t\":1,\"timestamp\":1796630400.25}")).time())
                .isEqualTo(Instant.ofEpochSecond(1796630400, 250_000_000));
        assertThat(parser.parse(json("sensor/a/r", "{\"t\":1,\"timestamp\":\"2026-12-07T11:00:00+01:00\"}")).time())
                .isEqualTo(NOW);
    }

    @Test
    void keepsStringsAsTagsAndBooleansAsNumbersAndLeavesOutTheRest() {
        Point p = parser.parse(json("sensor/a/r",
                "{\"temperature\":20,\"location\":\"greenhouse\",\"motion\":true,\"door\":false,\"extra\":{\"x\":1},"
                        + "\"list\":[1,2],\"none\":null}"));
        assertThat(p.fields()).containsOnlyKeys("temperature", "motion", "door").containsEntry("motion", 1.0)
                .containsEntry("door", 0.0);
        assertThat(p.tags()).containsEntry("location", "greenhouse").containsOnlyKeys("location", "topic");
    }

    @Test
    void leavesOutValuesThatAreNotFiniteAndCountsThem() {
        Point p = parser.parse(json("sensor/a/r", "{\"temperature\":1e999,\"humidity\":40}"));
        assertThat(p.fields()).containsOnlyKeys("humidity");
        assertThat(parser.droppedValueCount()).isEqualTo(1);
    }

    @Test
    void rejectsPayloadsThatAreNotJsonObjects() {
        assertThatThrownBy(() -> parser.parse(json("sensor/a/r", "21 C")))
                .isInstanceOf(MessageRejectedException.class).hasMessageContaining("is not the JSON")
                .hasMessageContaining("a reading is a JSON object such as");
        assertThatThrownBy(() -> parser.parse(json("sensor/a/r", "[1,2]")))
                .isInstanceOf(MessageRejectedException.class).hasMessageContaining("is JSON array, not an object");
    }

    @Test
    void rejectsAReadingWithNothingToStore() {
        assertThatThrownBy(() -> parser.parse(json("sensor/a/r", "{\"device_id\":\"a\",\"status\":\"ok\"}")))
                .isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("of device a on topic 'sensor/a/r' has no numeric field to store");
        assertThatThrownBy(() -> parser.parse(json("sensor/a/r", "{\"temperature\":-1e999}")))
                .isInstanceOf(MessageRejectedException.class).hasMessageContaining("no numeric field");
    }

    @Test
    void rejectsAReadingThatNamesNoDevice() {
        assertThatThrownBy(() -> parser.parse(json("readings", "{\"temperature\":20}")))
                .isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("on topic 'readings' names no device: give \"device_id\"");
    }

    @Test
    void rejectsATimestampItCannotRead() {
        assertThatThrownBy(() -> parser.parse(json("sensor/a/r", "{\"t\":1,\"timestamp\":\"yesterday\"}")))
                .isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("has timestamp 'yesterday', which is not ISO-8601");
        assertThatThrownBy(() -> parser.parse(json("sensor/a/r", "{\"t\":1,\"timestamp\":true}")))
                .isInstanceOf(MessageRejectedException.class).hasMessageContaining("has timestamp true");
    }

    @Test
    void rejectsAReadingFromTooFarInTheFutureNamingTheClock() {
        long twoHoursAhead = NOW.plus(Duration.ofHours(2)).getEpochSecond();
        assertThatThrownBy(() -> parser.parse(json("sensor/a/r", "{\"t\":1,\"timestamp\":" + twoHoursAhead + "}")))
                .isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("2h in the future, more than the 5m allowed; check the device's clock (NTP)");
        long withinSkew = NOW.plus(Duration.ofMinutes(4)).getEpochSecond();
        assertThat(parser.parse(json("sensor/a/r", "{\"t\":1,\"timestamp\":" + withinSkew + "}")).time())
                .isEqualTo(Instant.ofEpochSecond(withinSkew));
    }

    @Test
    void badSettingsAreRefusedWithTheFix() {
        assertThatThrownBy(() -> ReadingParser.builder().maxFutureSkew(Duration.ofSeconds(-1)))
                .hasMessageContaining("give zero or more");
        assertThatThrownBy(() -> ReadingParser.builder().topicTag(" ")).hasMessageContaining("topicTag is blank");
    }
}
