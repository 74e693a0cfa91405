package dev.edgeflow.mqtt;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Sink;
import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.testkit.SinkContract;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The sink contract against the embedded broker: a consumer subscribed at QoS 1 reads back. */
class MqttSinkContractTest extends SinkContract {
    private static EmbeddedMqttBroker broker;
    private TestClient consumer;
    private long publishesBefore;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedMqttBroker.builder().start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Override
    protected Sink createSink() throws Exception {
        if (consumer != null) {
            consumer.close();
        }
        consumer = TestClient.connect(broker.uri()).subscribe(topic(), Qos.AT_LEAST_ONCE);
        publishesBefore = broker.publishesReceived();
        MqttSink sink = MqttSink.builder().serverUri(broker.uri()).qos(Qos.AT_LEAST_ONCE).build();
        sink.awaitReady(timeout());
        return sink;
    }

    @Override
    protected List<Message> readBack(int expected, Duration timeout) {
        return consumer.awaitReceived(expected, timeout);
    }

    /** What the broker received, counted by the broker as each PUBLISH arrives. */
    @Override
    protected OptionalLong farSideCount() {
        return OptionalLong.of(broker.publishesReceived() - publishesBefore);
    }

    /** A broker that is not there, with reconnect off: every send must fail. */
    @Override
    protected Optional<Sink> createBrokenSink() {
        int port = FreePorts.loopbackPort();
        return Optional.of(MqttSink.builder()
                .connection(MqttConnection.builder().host("127.0.0.1").port(port).noReconnect()
                        .connectTimeout(Duration.ofSeconds(2)).build())
                .build());
    }

    /** The embedded broker's own threads ("hivemq-...") start as clients connect; they are not the sink's. */
    @Override
    protected boolean isSinkThread(Thread thread) {
        return !thread.getName().startsWith("hivemq-") && super.isSinkThread(thread);
    }

    @Override
    protected void cleanup() {
        if (consumer != null) {
            consumer.close();
            consumer = null;
        }
    }
}
