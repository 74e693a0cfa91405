package dev.edgeflow.aws;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The cloud's side of the test broker, on its plain listener: a HiveMQ client that records what
 * edgeflow published (with the broker's arrival time) and publishes what edgeflow should receive.
 */
final class FarSideClient implements AutoCloseable {
    private final NioEventLoopGroup eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("far-side", true));
    private final Mqtt5AsyncClient client;
    private final List<Message> received = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());

    private FarSideClient(String host, int port, String clientId, boolean resume) {
        var b = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost(host).serverPort(port)
                .executorConfig(MqttClientExecutorConfig.builder().nettyExecutor(eventLoop).nettyThreads(1).build());
        if (resume) {
            b.automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS)
                    .applyAutomaticReconnect();
        }
        this.client = b.buildAsync();
        if (resume) {
            // messages of the session taken over arrive without a new subscription
            client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL, this::record);
        }
        client.connectWith().cleanStart(!resume).sessionExpiryInterval(resume ? 3600 : 0).send().join();
    }

    static FarSideClient connect(String host, int port) {
        return new FarSideClient(host, port, "far-side-" + UUID.randomUUID().toString().substring(0, 8), false);
    }

    /**
     * Connects with a session kept for an hour that is resumed if one exists, reconnecting by itself;
     * with another client's id, it takes that client's session over.
     */
    static FarSideClient resume(String host, int port, String clientId) {
        return new FarSideClient(host, port, clientId, true);
    }

    private void record(Mqtt5Publish p) {
        Message.Builder b = Message.builder(p.getTopic().toString()).payload(p.getPayloadAsBytes())
                .qos(Qos.ofLevel(p.getQos().getCode()));
        p.getUserProperties().asList().forEach(u -> b.header(u.getName().toString(), u.getValue().toString()));
        synchronized (received) {
            arrivals.add(System.nanoTime());
            received.add(b.build());
        }
    }

    FarSideClient subscribe(String filter) {
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).callback(this::record).send().join();
        return this;
    }

    List<Message> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    /** Arrival times in nanoseconds, in the order the messages arrived. */
    List<Long> arrivals() {
        synchronized (received) {
            return new ArrayList<>(arrivals);
        }
    }

    List<Message> awaitReceived(int count, Duration timeout) {
        Awaitility.await().atMost(timeout).until(() -> received.size() >= count);
        return received();
    }

    void publish(List<Message> messages) {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (Message m : messages) {
            var b = Mqtt5Publish.builder().topic(m.topic()).qos(MqttQos.AT_LEAST_ONCE).payload(m.payload());
            if (!m.headers().isEmpty()) {
                Mqtt5UserPropertiesBuilder props = Mqtt5UserProperties.builder();
                m.headers().forEach(props::add);
                b.userProperties(props.build());
            }
            acks.add(client.publish(b.build()));
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).orTimeout(30, TimeUnit.SECONDS).join();
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
