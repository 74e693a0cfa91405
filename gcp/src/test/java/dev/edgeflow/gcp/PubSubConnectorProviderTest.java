package dev.edgeflow.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.spi.InvalidOptionException;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Scheme pubsub through the SPI: URIs and options onto the builders, and bad options named. Nothing connects. */
class PubSubConnectorProviderTest {

    @Test
    void buildsASinkFromAUri() {
        try (Sink s = Connectors.sink(URI.create("pubsub://my-project/iot-sensor-data?emulatorHost=127.0.0.1:1"
                + "&topicAttribute=source_topic&batchMessages=50&batchDelay=5ms&orderingKeyFromTopic=true"))) {
            assertThat(s).isInstanceOf(PubSubSink.class);
            PubSubSink sink = (PubSubSink) s;
            assertThat(sink.topic()).isEqualTo("projects/my-project/topics/iot-sensor-data");
            assertThat(sink.connection().emulatorHost()).contains("127.0.0.1:1");
            assertThat(sink.name()).isEqualTo("pubsub:projects/my-project/topics/iot-sensor-data");
        }
    }

    @Test
    void transportRestBuildsTheRestPublisherAndGrpcIsTheDefault() {
        try (Sink rest = Connectors.sink("pubsub", Map.of("project", "my-project", "topic", "readings",
                "emulatorHost", "127.0.0.1:1", "transport", "rest"));
                Sink grpc = Connectors.sink("pubsub", Map.of("project", "my-project", "topic", "readings",
                        "emulatorHost", "127.0.0.1:1"))) {
            assertThat(((PubSubSink) rest).transport()).isEqualTo(PubSubSink.Transport.REST);
            assertThat(((PubSubSink) grpc).transport()).isEqualTo(PubSubSink.Transport.GRPC);
        }
    }

    @Test
    void anUnknownTransportListsTheTwoThereAre() {
        assertThatThrownBy(() -> Connectors.sink("pubsub", Map.of("project", "my-project", "topic", "readings",
                "emulatorHost", "127.0.0.1:1", "transport", "http")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("transport").hasMessageContaining("'http'").hasMessageContaining("GRPC")
                .hasMessageContaining("REST");
    }

    @Test
    void compressionWithTheRestTransportIsRefusedSayingWhy() {
        assertThatThrownBy(() -> Connectors.sink("pubsub", Map.of("project", "my-project", "topic", "readings",
                "emulatorHost", "127.0.0.1:1", "transport", "rest", "compression", "1KiB")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("compression").hasMessageContaining("transport grpc only");
    }

    @Test
    void buildsASourceFromOptions() {
        try (Source s = Connectors.source("pubsub", Map.of("project", "my-project", "subscription", "iot-sensor-sub",
                "emulatorHost", "127.0.0.1:1", "messageTopic", "cloud/commands", "maxOutstandingMessages", "10"))) {
            assertThat(s).isInstanceOf(PubSubSource.class);
            assertThat(((PubSubSource) s).subscription()).isEqualTo("projects/my-project/subscriptions/iot-sensor-sub");
            assertThat(s.redeliversOnNack()).isTrue();
        }
    }

    @Test
    void aMissingProjectSaysHowToGiveIt() {
        assertThatThrownBy(() -> Connectors.sink("pubsub", Map.of("topic", "t-1")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("project id").hasMessageContaining("pubsub://my-project/iot-sensor-data");
    }

    @Test
    void aMissingTopicSaysHowToGiveIt() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("pubsub://my-project")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("needs a topic id").hasMessageContaining("?topic=iot-sensor-data");
    }

    @Test
    void aBadTopicIdIsNamedWithTheRule() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("pubsub://my-project/9lives?emulatorHost=127.0.0.1:1")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("option 'topic'").hasMessageContaining("'9lives'")
                .hasMessageContaining("starting with a letter");
    }

    @Test
    void anUnknownOptionIsRefused() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("pubsub://my-project/t-1?batchSize=10")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("batchSize");
    }

    @Test
    void aBadEmulatorHostIsNamed() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("pubsub://my-project/t-1?emulatorHost=localhost")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("emulatorHost").hasMessageContaining("host:port");
    }

    @Test
    void twoOrderingKeysAreRefused() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("pubsub://my-project/t-1?emulatorHost=127.0.0.1:1"
                + "&orderingKeyHeader=device_id&orderingKeyFromTopic=true")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("not both");
    }

    @Test
    void aRetryTimeoutBelowTheClientsLeastIsNamed() {
        assertThatThrownBy(() -> Connectors.sink(URI.create("pubsub://my-project/t-1?emulatorHost=127.0.0.1:1"
                + "&retryTimeout=2s")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("retryTimeout").hasMessageContaining("10 s to 10 min");
    }
}
