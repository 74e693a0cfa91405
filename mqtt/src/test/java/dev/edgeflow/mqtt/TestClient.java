package dev.edgeflow.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * A plain HiveMQ client, as a device or a consumer would use one, on a Netty event loop of its
 * own: so that the threads edgeflow's clients share end when edgeflow's clients close, and the
 * contracts' thread checks see only edgeflow's.
 */
final class TestClient implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();
    private final NioEventLoopGroup eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("test-client", true));
    private final Mqtt5AsyncClient client;
    private final List<Message> received = Collections.synchronizedList(new ArrayList<>());

    private TestClient(String host, int port, String clientId) {
        this(host, port, clientId, false);
    }

    private TestClient(String host, int port, String clientId, boolean reconnect) {
        var b = MqttClient.builder().useMqttVersion5()
                .identifier(clientId)
                .serverHost(host)
                .serverPort(port)
                .executorConfig(MqttClientExecutorConfig.builder().nettyExecutor(eventLoop).nettyThreads(1).build());
        if (reconnect) {
            b.automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS)
                    .applyAutomaticReconnect();
        }
        this.client = b.buildAsync();
    }

    /**
     * Connects with a persistent session (clean start off, one hour expiry) that reconnects by
     * itself: a consumer that outlives a restart of its broker (with persistence) and gets
     * what was queued for it meanwhile.
     */
    static TestClient connectPersistent(String serverUri, String clientId) {
        URI uri = URI.create(serverUri);
        TestClient c = new TestClient(uri.getHost(), uri.getPort(), clientId, true);
        c.client.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().join();
        return c;
    }

    static TestClient connect(String serverUri) {
        return connect(serverUri, "test-client-" + IDS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    static TestClient connect(String serverUri, String clientId) {
        URI uri = URI.create(serverUri);
        TestClient c = new TestClient(uri.getHost(), uri.getPort(), clientId);
        c.client.connectWith().cleanStart(true).send().join();
        return c;
    }

    /** Subscribes and records what arrives, as messages with topic, payload, user properties and QoS. */
    TestClient subscribe(String filter, Qos qos) {
        client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos.level()))
                .callback(p -> {
                    Message.Builder b = Message.builder(p.getTopic().toString()).payload(p.getPayloadAsBytes())
                            .qos(Qos.ofLevel(p.getQos().getCode()));
                    p.getUserProperties().asList().forEach(up -> b.header(up.getName().toString(), up.getValue().toString()));
                    if (p.isRetain()) {
                        b.header(MqttHeaders.RETAIN, "true");
                    }
                    received.add(b.build());
                })
                .send().join();
        return this;
    }

    List<Message> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    List<Message> awaitReceived(int count, Duration timeout) {
        Awaitility.await().atMost(timeout).until(() -> received.size() >= count);
        return received();
    }

    /** Publishes in order and waits for every PUBACK. */
    void publish(List<Message> messages, Qos qos) {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (Message m : messages) {
            acks.add(client.publish(toPublish(m, qos)));
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).orTimeout(30, TimeUnit.SECONDS).join();
    }

    void publish(String topic, String text, Qos qos) {
        publish(List.of(Message.of(topic, text)), qos);
    }

    static Mqtt5Publish toPublish(Message m, Qos qos) {
        var b = Mqtt5Publish.builder().topic(m.topic()).qos(MqttQos.fromCode(qos.level())).payload(m.payload());
        Map<String, String> headers = m.headers();
        if (!headers.isEmpty()) {
            Mqtt5UserPropertiesBuilder props = Mqtt5UserProperties.builder();
            headers.forEach(props::add);
            b.userProperties(props.build());
        }
        return b.build();
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // already gone
        }
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
