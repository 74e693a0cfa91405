package dev.edgeflow.timeseries.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertStageTest {
    private final Detector hot = Detectors.above("temperature", 35);

    @Test
    void raisesOnceWhileAConditionLastsAndClearsWhenItEnds() {
        AlertStage stage = AlertStage.builder().detector(hot).build();

        assertThat(stage.evaluate(reading("pi-1", 30.0, 1000))).isEmpty();
        List<Message> raised = stage.evaluate(reading("pi-1", 36.2, 1001));
        assertThat(stage.evaluate(reading("pi-1", 37.0, 1002))).isEmpty();
        assertThat(stage.evaluate(reading("pi-1", 38.0, 1003))).isEmpty();
        List<Message> cleared = stage.evaluate(reading("pi-1", 34.0, 1004));
        assertThat(stage.evaluate(reading("pi-1", 33.0, 1005))).isEmpty();

        assertThat(raised).singleElement().satisfies(m -> {
            assertThat(m.topic()).isEqualTo("alert/pi-1/temperature");
            JsonNode json = m.payloadAsJson();
            assertThat(json.path("device_id").asText()).isEqualTo("pi-1");
            assertThat(json.path("field").asText()).isEqualTo("temperature");
            assertThat(json.path("value").asDouble()).isEqualTo(36.2);
            assertThat(json.path("expected_min").isNull()).isTrue();
            assertThat(json.path("expected_max").asDouble()).isEqualTo(35.0);
            assertThat(json.path("detector").asText()).isEqualTo("threshold");
            assertThat(json.path("state").asText()).isEqualTo("raised");
            assertThat(json.path("reason").asText()).isEqualTo("temperature 36.2 is above 35");
            assertThat(json.path("timestamp").asLong()).isEqualTo(1001);
            assertThat(m.header("alert-state")).isEqualTo("raised");
        });
        assertThat(cleared).singleElement().satisfies(m -> {
            assertThat(m.payloadAsJson().path("state").asText()).isEqualTo("cleared");
            assertThat(m.payloadAsJson().path("reason").asText())
                    .isEqualTo("temperature 34 is back within the expected range");
        });
        assertThat(stage.raisedCount()).isEqualTo(1);
        assertThat(stage.suppressedCount()).isEqualTo(2);
        assertThat(stage.clearedCount()).isEqualTo(1);
    }

    @Test
    void devicesAndDetectorsAreJudgedApart() {
        Detector jump = Detectors.rateOfChange("temperature", 1, Duration.ofSeconds(1));
        AlertStage stage = AlertStage.builder().detector(hot).detector(jump).build();

        stage.evaluate(reading("pi-1", 20.0, 1000));
        stage.evaluate(reading("pi-2", 36.0, 1000));
        assertThat(stage.isRaised(hot, "pi-2")).isTrue();
        assertThat(stage.isRaised(hot, "pi-1")).isFalse();

        List<Message> both = stage.evaluate(reading("pi-1", 40.0, 1001));
        assertThat(both).extracting(m -> m.payloadAsJson().path("detector").asText())
                .containsExactly("threshold", "rate_of_change");
        assertThat(stage.isRaised(jump, "pi-2")).as("pi-2 has one reading: nothing to compare").isFalse();
    }

    @Test
    void theDeviceComesFromThePayloadOrTheTopicAndTheTimeFromEitherFormat() {
        List<Message> alerts = new ArrayList<>();
        AlertStage stage = AlertStage.builder().detector(hot).topic("alerts/{detector}/{device}").build();
        stage.tap(alerts::add).accept(Message.of("sensor/greenhouse-2/bme280",
                "{\"temperature\": 40, \"timestamp\": \"2026-01-01T00:00:00Z\"}"));

        assertThat(alerts).singleElement().satisfies(m -> {
            assertThat(m.topic()).isEqualTo("alerts/threshold/greenhouse-2");
            assertThat(m.payloadAsJson().path("timestamp").asLong()).isEqualTo(1767225600L);
            assertThat(m.timestamp()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        });
    }

    @Test
    void whatCannotBeJudgedIsCountedNotThrown() {
        AlertStage stage = AlertStage.builder().detector(hot).build();

        assertThat(stage.evaluate(Message.of("sensor/pi-1/x", "not json"))).isEmpty();
        assertThat(stage.evaluate(Message.of("sensor/pi-1/x", "[1, 2]"))).isEmpty();
        assertThat(stage.evaluate(Message.of("sensor/pi-1/x", "{\"temperature\": \"hot\"}"))).isEmpty();
        assertThat(stage.evaluate(Message.of("sensor/pi-1/x", "{\"temperature\": 1e999}"))).isEmpty();
        assertThat(stage.evaluate(Message.of("sensor/pi-1/x", "{\"humidity\": 40}"))).isEmpty();

        assertThat(stage.skippedCount()).isEqualTo(2);
        assertThat(stage.skippedValueCount()).as("a string and an infinite number").isEqualTo(2);
        assertThat(stage.raisedCount()).isZero();
    }

    @Test
    void keepsAtMostMaxSeriesForgettingTheLeastRecentlyUpdated() {
        AlertStage stage = AlertStage.builder().detector(hot).maxSeries(2).build();
        stage.evaluate(reading("a", 40, 1));
        stage.evaluate(reading("b", 40, 1));
        stage.evaluate(reading("a", 40, 2)); // a is now the most recent
        stage.evaluate(reading("c", 40, 1)); // b goes

        assertThat(stage.evictedCount()).isEqualTo(1);
        assertThat(stage.isRaised(hot, "b")).isFalse();
        assertThat(stage.isRaised(hot, "a")).isTrue();
        // b comes back: a new series, so its condition is raised again.
        assertThat(stage.evaluate(reading("b", 40, 3))).hasSize(1);
    }

    @Test
    void badSettingsSayWhatTheyTake() {
        assertThatThrownBy(() -> AlertStage.builder().build()).hasMessageContaining("at least one detector");
        assertThatThrownBy(() -> AlertStage.builder().topic("alert/#")).hasMessageContaining("no # or +");
        assertThatThrownBy(() -> AlertStage.builder().maxSeries(0)).hasMessageContaining("maxSeries is 0");
    }

    private static Message reading(String device, double temperature, long epochSeconds) {
        return Message.of("sensor/" + device + "/bme280", "{\"device_id\":\"" + device + "\",\"temperature\":"
                + temperature + ",\"timestamp\":" + epochSeconds + "}");
    }
}
