package dev.edgeflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicFilterTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
        "sensor/#, sensor/room1/temp, true",
        "sensor/#, sensor, true",
        "sensor/#, sensors/room1, false",
        "sensor/+, sensor/room1, true",
        "sensor/+, sensor/room1/temp, false",
        "sensor/+, sensor, false",
        "sensor/+, sensor/, true",
        "device/+/status, device/pi-1/status, true",
        "device/+/status, device/pi-1/config, false",
        "device/+/status, device//status, true",
        "+/+, a/b, true",
        "+/+, a, false",
        "#, a/b/c, true",
        "#, $SYS/broker/load, false",
        "+/broker/load, $SYS/broker/load, false",
        "$SYS/#, $SYS/broker/load, true",
        "a/b, a/b, true",
        "a/b, a/b/c, false",
        "a/b, a/bc, false",
        "a/+/c, a/b/cd, false",
    })
    void matchesLikeMqtt(String filter, String topic, boolean expected) {
        assertThat(TopicFilter.of(filter).matches(topic)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sensor/#/temp", "sensor/te#", "sensor/+x", "a/b+"})
    void rejectsMisplacedWildcards(String filter) {
        assertThatThrownBy(() -> TopicFilter.of(filter)).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining(filter);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/\u0000"})
    void rejectsEmptyAndNulFilters(String filter) {
        assertThatThrownBy(() -> TopicFilter.of(filter)).isInstanceOf(InvalidTopicException.class);
    }
}
