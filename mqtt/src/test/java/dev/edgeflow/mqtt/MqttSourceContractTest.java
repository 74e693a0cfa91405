package dev.edgeflow.mqtt;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Source;
import dev.edgeflow.testkit.SourceContract;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The source contract against the embedded broker, with QoS 1 on a persistent session. */
class MqttSourceContractTest extends SourceContract {
    private static final AtomicInteger IDS = new AtomicInteger();
    private static EmbeddedMqttBroker broker;
    private MqttSource source;
    private String clientId;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedMqttBroker.builder().start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** The QoS of the subscription and of what the test publishes. */
    protected Qos qos() {
        return Qos.AT_LEAST_ONCE;
    }

    @Override
    protected Source createSource() {
        clientId = "contract-source-qos" + qos().level() + "-" + IDS.incrementAndGet();
        source = MqttSource.builder()
                .connection(MqttConnection.builder().serverUri(broker.uri()).clientId(clientId)
                        .reconnect(Duration.ofMillis(100), Duration.ofSeconds(1)).build())
                .subscribe(topic(), qos())
                .build();
        return source;
    }

    @Override
    protected void publish(List<Message> messages) throws Exception {
        try {
            source.awaitReady(timeout());
        } catch (MqttConnectionException ended) {
            // The test ended the subscription on purpose (request(0), cancel): nothing waits for
            // these messages, and the test checks that none arrive.
        }
        try (TestClient device = TestClient.connect(broker.uri())) {
            device.publish(messages, qos());
        }
    }

    @Override
    protected OptionalLong acknowledgedCount(Source s) {
        return OptionalLong.of(((MqttSource) s).acknowledgedCount());
    }

    /** The embedded broker's own threads ("hivemq-...") start as clients connect; they are not the source's. */
    @Override
    protected boolean isSourceThread(Thread thread) {
        return !thread.getName().startsWith("hivemq-") && super.isSourceThread(thread);
    }

    /** Another client taking over the session: the broker disconnects the source for good. */
    @Override
    protected Optional<Runnable> breakFarSide(Source s) {
        return Optional.of(() -> TestClient.connect(broker.uri(), clientId).close());
    }
}
