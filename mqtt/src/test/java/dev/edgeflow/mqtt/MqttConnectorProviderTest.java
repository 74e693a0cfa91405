package dev.edgeflow.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Source;
import dev.edgeflow.spi.InvalidOptionException;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MqttConnectorProviderTest {

    @Test
    void buildsASourceFromAUri() {
        try (Source s = Connectors.source(URI.create(
                "mqtt://127.0.0.1:1?topics=sensor/%23,device/%2B/status&qos=2&clientId=bridge-in&receiveMaximum=32"))) {
            assertThat(s).isInstanceOf(MqttSource.class);
            MqttSource source = (MqttSource) s;
            assertThat(source.subscriptions()).containsOnlyKeys("sensor/#", "device/+/status");
            assertThat(source.subscriptions().values()).containsOnly(Qos.EXACTLY_ONCE);
            assertThat(source.connection().clientId()).isEqualTo("bridge-in");
            assertThat(source.connection().cleanStart()).isFalse();
            assertThat(source.redeliversOnNack()).isTrue();
        }
    }

    @Test
    void takesTheTopicFilterFromThePathToo() {
        try (Source s = Connectors.source(URI.create("mqtt://127.0.0.1:1/sensor/%23"))) {
            assertThat(((MqttSource) s).subscriptions()).containsOnlyKeys("sensor/#");
        }
    }

    @Test
    void aSourceWithoutTopicsSaysHowToWriteThem() {
        assertThatThrownBy(() -> Connectors.source(URI.create("mqtt://127.0.0.1:1")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("topics=sensor/%23");
    }

    @Test
    void unknownOptionsAreRefusedWithSuggestions() {
        assertThatThrownBy(() -> Connectors.source("mqtt", Map.of("host", "h", "topics", "a", "clientid", "x")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("clientid").hasMessageContaining("clientId");
    }

    @Test
    void badVersionNamesTheAllowedOnes() {
        assertThatThrownBy(() -> Connectors.source("mqtt", Map.of("host", "h", "topics", "a", "version", "4.0")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("4.0").hasMessageContaining("3.1.1");
    }

    @Test
    void tlsOptionsNeedTheMqttsScheme() {
        assertThatThrownBy(() -> Connectors.sink("mqtt", Map.of("host", "h", "caCertificate", "/tmp/ca.pem")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("mqtts://h:8883");
    }

    @Test
    void aMissingCaFileIsNamed() {
        assertThatThrownBy(() -> Connectors.sink("mqtts", Map.of("host", "h", "caCertificate", "/no/such/ca.pem")))
                .hasMessageContaining("/no/such/ca.pem").hasMessageContaining("does not exist");
    }

    @Test
    void aSinkTakesNoTopicInThePath() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("mqtt://127.0.0.1:1/sensor/x")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("TopicRewrite");
    }

    @Test
    void badTopicFiltersAreNamed() {
        assertThatThrownBy(() -> MqttSource.builder().serverUri("mqtt://h").subscribe("sensor/#/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sensor/#/x");
        assertThatThrownBy(() -> MqttSource.builder().serverUri("mqtt://h").subscribe("$share/only"))
                .hasMessageContaining("$share/<group>/<filter>");
        assertThat(MqttSource.builder().serverUri("mqtt://h").subscribe("$share/bridges/sensor/#").build()
                .subscriptions()).containsKey("$share/bridges/sensor/#");
    }
}
