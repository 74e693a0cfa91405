package dev.edgeflow.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt3.Mqtt3RxClient;
import com.hivemq.client.mqtt.mqtt3.message.auth.Mqtt3SimpleAuth;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3SubscribeBuilder;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5RxClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5SubscribeBuilder;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.internal.Futures;
import io.reactivex.Flowable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HiveMQ client, MQTT 5 or 3.1.1 behind one face, with the reconnect policy of
 * {@link MqttConnection}: backoff with jitter, no retry after a permanent failure.
 */
abstract class ClientSession {
    private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);

    /** What the owner of a session hears about its connection. */
    interface Listener {
        /** The client is connected: the first time or after a reconnect. */
        void connected();

        /**
         * The connection is down.
         *
         * @param problem what happened
         * @param reconnecting whether a reconnect is scheduled
         */
        void disconnected(MqttConnectionException problem, boolean reconnecting);
    }

    /** A received PUBLISH, before it becomes a {@code Message}. */
    static final class Incoming {
        final String topic;
        final byte[] payload;
        final Qos qos;
        final boolean retain;
        final Map<String, String> properties;
        final Runnable acknowledge;

        Incoming(String topic, byte[] payload, Qos qos, boolean retain, Map<String, String> properties,
                Runnable acknowledge) {
            this.topic = topic;
            this.payload = payload;
            this.qos = qos;
            this.retain = retain;
            this.properties = properties;
            this.acknowledge = acknowledge;
        }
    }

    final MqttConnection connection;
    final Listener listener;
    private volatile boolean closing;
    private volatile boolean reconnectRequested;

    ClientSession(MqttConnection connection, Listener listener) {
        this.connection = connection;
        this.listener = listener;
    }

    static ClientSession create(MqttConnection connection, int receiveMaximum, Listener listener) {
        return connection.version() == MqttVersion.MQTT_5
                ? new V5(connection, receiveMaximum, listener)
                : new V3(connection, listener);
    }

    /** The incoming PUBLISH flow, acknowledged manually; subscribe to it before {@link #connect()}. */
    abstract Flowable<Incoming> publishes();

    /** Connects; completes when the CONNACK arrives, or fails with a {@link MqttConnectionException}. */
    abstract CompletableFuture<Void> connect();

    abstract CompletableFuture<Void> subscribe(Map<String, Qos> filters);

    abstract CompletableFuture<?> publish(String topic, byte[] payload, Qos qos, boolean retain,
            Map<String, String> headers);

    abstract CompletableFuture<Void> disconnect();

    abstract boolean isConnected();

    final CompletableFuture<Void> close() {
        closing = true;
        return disconnect();
    }

    /**
     * Disconnects and connects again at once, keeping the session, so that the broker sends
     * every unacknowledged message again.
     */
    final void reconnectNow() {
        reconnectRequested = true;
        disconnect();
    }

    final MqttClientTransportConfig transport() {
        MqttConnection c = connection;
        var b = MqttClientTransportConfig.builder()
                .serverHost(c.host())
                .serverPort(c.port())
                .socketConnectTimeout(c.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .mqttConnectTimeout(c.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (c.tls() != null) {
            MqttTls tls = c.tls();
            MqttClientSslConfigBuilder ssl = MqttClientSslConfig.builder()
                    .handshakeTimeout(tls.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (tls.trustManagers() != null) {
                ssl.trustManagerFactory(tls.trustManagers());
            }
            if (tls.keyManagers() != null) {
                ssl.keyManagerFactory(tls.keyManagers());
            }
            if (!tls.hostnameVerification()) {
                ssl.hostnameVerifier((host, sslSession) -> true);
            }
            b.sslConfig(ssl.build());
        }
        return b.build();
    }

    /** Decides about a reconnect, then tells the listener. Runs on the client's event loop. */
    final void onDisconnected(MqttClientDisconnectedContext context) {
        if (closing) {
            context.getReconnector().reconnect(false);
            return;
        }
        if (reconnectRequested && context.getSource() == MqttDisconnectSource.USER) {
            reconnectRequested = false;
            context.getReconnector().reconnect(true).delay(0, TimeUnit.MILLISECONDS);
            return;
        }
        if (context.getSource() == MqttDisconnectSource.USER) {
            context.getReconnector().reconnect(false);
            return;
        }
        Throwable cause = context.getCause();
        MqttConnectionException brokerFault = context.getSource() != MqttDisconnectSource.CLIENT ? null
                : isReceiveMaximumExceeded(cause) ? new ReceiveMaximumViolation(connection, cause)
                : isPacketIdentifierReuse(cause) ? new PacketIdentifierReuse(connection, cause)
                : null;
        if (brokerFault != null) {
            // The broker broke flow control: reconnecting the same way meets the same fault.
            context.getReconnector().reconnect(false);
            listener.disconnected(brokerFault, false);
            return;
        }
        MqttConnectionException problem = ConnectionErrors.describe(connection, cause);
        boolean reconnect = connection.reconnect() && !problem.isPermanent();
        if (reconnect) {
            int attempts = context.getReconnector().getAttempts();
            long delay = backoffMillis(attempts);
            context.getReconnector().reconnect(true).delay(delay, TimeUnit.MILLISECONDS);
            LOG.warn("{}; reconnecting in {} ms (attempt {})", problem.getMessage(), delay, attempts + 1);
        } else {
            context.getReconnector().reconnect(false);
        }
        listener.disconnected(problem, reconnect);
    }

    private static boolean isReceiveMaximumExceeded(Throwable cause) {
        return cause instanceof Mqtt5DisconnectException
                && ((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode()
                        == Mqtt5DisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED;
    }

    /**
     * The client closed the connection because the broker sent a new message under a packet
     * identifier the client still held unacknowledged (the client's words: "DUP flag must be set
     * for a resent PUBLISH" over MQTT 3.1.1, "must not be resent during the same connection" over
     * MQTT 5).
     */
    private static boolean isPacketIdentifierReuse(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("DUP flag must be set for a resent")
                    || m.contains("must not be resent during the same connection"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The broker reused the packet identifier of a message the client had not yet acknowledged:
     * it had more than 65 535 unacknowledged messages out to the client. Mosquitto 2.0.11 gets
     * there over MQTT 3.1.1 when a backlog is queued for a subscriber, because it sends a whole
     * {@code max_inflight_messages} window for each PUBACK. Every reconnect resends the backlog
     * and ends the same way, so the source stops with this error instead of looping.
     */
    static final class PacketIdentifierReuse extends MqttConnectionException {
        private static final long serialVersionUID = 1L;

        PacketIdentifierReuse(MqttConnection c, Throwable cause) {
            super(c.serverUri(), "MQTT broker " + c.serverUri() + " sent client id " + c.clientId()
                    + " a new message under a packet identifier the client had not yet acknowledged, so more than "
                    + "65535 messages were unacknowledged at once and the client closed the connection ("
                    + cause.getMessage() + "). Mosquitto 2.0.11 does this when a backlog is queued for the client: "
                    + "it sends a whole max_inflight_messages window for every PUBACK. Reconnecting resends that "
                    + "backlog and ends the same way; set max_inflight_messages 1 on that broker (it keeps that "
                    + "window), or use a broker that keeps its in-flight window", true, cause);
        }
    }

    /**
     * The broker sent more unacknowledged QoS 1/2 messages than the receive maximum the client
     * announced, and the client disconnected. Mosquitto 2.0 does this over MQTT 5 once
     * acknowledgements flow.
     */
    static final class ReceiveMaximumViolation extends MqttConnectionException {
        private static final long serialVersionUID = 1L;

        ReceiveMaximumViolation(MqttConnection c, Throwable cause) {
            super(c.serverUri(), "MQTT broker " + c.serverUri() + " sent client id " + c.clientId()
                    + " more unacknowledged QoS 1/2 messages than the receive maximum it announced over MQTT 5 "
                    + "(Mosquitto 2.0 does this once acknowledgements flow), so the client disconnected; "
                    + "connect to this broker with version(MqttVersion.MQTT_3_1_1)", true, cause);
        }
    }

    final long backoffMillis(int attempts) {
        long initial = connection.reconnectInitialDelay().toMillis();
        long max = connection.reconnectMaxDelay().toMillis();
        long delay = initial << Math.min(attempts, 20);
        if (delay <= 0 || delay > max) {
            delay = max;
        }
        // jitter of up to a quarter, so that many gateways do not return in step
        return delay - ThreadLocalRandom.current().nextLong(delay / 4 + 1);
    }

    static MqttQos qos(Qos qos) {
        return MqttQos.fromCode(qos.level());
    }

    static Qos qos(MqttQos qos) {
        return Qos.ofLevel(qos.getCode());
    }

    private static void acknowledgeQuietly(Runnable ack) {
        try {
            ack.run();
        } catch (IllegalStateException e) {
            // acknowledged twice or after the session ended: the broker redelivers if it must
            LOG.debug("acknowledgement not sent: {}", e.getMessage());
        }
    }


    // ------------------------------------------------------------------ MQTT 5

    private static final class V5 extends ClientSession {
        private final Mqtt5RxClient client;
        private final int receiveMaximum;

        V5(MqttConnection c, int receiveMaximum, Listener listener) {
            super(c, listener);
            this.receiveMaximum = receiveMaximum;
            var builder = MqttClient.builder().useMqttVersion5()
                    .identifier(c.clientId())
                    .transportConfig(transport())
                    .addConnectedListener(ctx -> listener.connected())
                    .addDisconnectedListener(this::onDisconnected);
            if (c.username() != null || c.hasPassword()) {
                Mqtt5SimpleAuthBuilder auth = Mqtt5SimpleAuth.builder();
                Mqtt5SimpleAuth simple = c.username() == null
                        ? auth.password(c.password().getBytes(StandardCharsets.UTF_8)).build()
                        : c.hasPassword()
                                ? auth.username(c.username()).password(c.password().getBytes(StandardCharsets.UTF_8)).build()
                                : auth.username(c.username()).build();
                builder.simpleAuth(simple);
            }
            this.client = builder.buildRx();
        }

        @Override
        Flowable<Incoming> publishes() {
            return client.publishes(MqttGlobalPublishFilter.ALL, true).map(V5::incoming);
        }

        private static Incoming incoming(Mqtt5Publish p) {
            Map<String, String> properties;
            List<? extends Mqtt5UserProperty> list = p.getUserProperties().asList();
            if (list.isEmpty()) {
                properties = Map.of();
            } else {
                properties = new LinkedHashMap<>();
                for (Mqtt5UserProperty up : list) {
                    properties.put(up.getName().toString(), up.getValue().toString());
                }
            }
            return new Incoming(p.getTopic().toString(), p.getPayloadAsBytes(), qos(p.getQos()), p.isRetain(),
                    properties, () -> acknowledgeQuietly(p::acknowledge));
        }

        @Override
        CompletableFuture<Void> connect() {
            MqttConnection c = connection;
            return described(client.toAsync().connectWith()
                    .cleanStart(c.cleanStart())
                    .sessionExpiryInterval(c.sessionExpiry().toSeconds())
                    .keepAlive((int) c.keepAlive().toSeconds())
                    .restrictions().receiveMaximum(receiveMaximum).applyRestrictions()
                    .send());
        }

        @Override
        CompletableFuture<Void> subscribe(Map<String, Qos> filters) {
            Mqtt5SubscribeBuilder.Start b = Mqtt5Subscribe.builder();
            Mqtt5SubscribeBuilder.Complete complete = null;
            for (Map.Entry<String, Qos> f : filters.entrySet()) {
                complete = (complete == null ? b : complete).addSubscription()
                        .topicFilter(f.getKey()).qos(qos(f.getValue())).applySubscription();
            }
            return granted(filters, client.toAsync().subscribe(complete.build()),
                    subAck -> subAck.getReasonCodes(), Mqtt5SubAckReasonCode::isError);
        }

        @Override
        CompletableFuture<?> publish(String topic, byte[] payload, Qos qos, boolean retain, Map<String, String> headers) {
            var b = Mqtt5Publish.builder().topic(topic).qos(qos(qos)).payload(payload).retain(retain);
            if (!headers.isEmpty()) {
                Mqtt5UserPropertiesBuilder props = null;
                for (Map.Entry<String, String> h : headers.entrySet()) {
                    if (!h.getKey().startsWith(MqttHeaders.PREFIX)) {
                        props = (props == null ? Mqtt5UserProperties.builder() : props).add(h.getKey(), h.getValue());
                    }
                }
                if (props != null) {
                    b.userProperties(props.build());
                }
            }
            return client.toAsync().publish(b.build());
        }

        @Override
        CompletableFuture<Void> disconnect() {
            return client.toAsync().disconnect().handle((v, t) -> null);
        }

        @Override
        boolean isConnected() {
            return client.getState().isConnected();
        }
    }

    // ------------------------------------------------------------------ MQTT 3.1.1

    private static final class V3 extends ClientSession {
        private final Mqtt3RxClient client;

        V3(MqttConnection c, Listener listener) {
            super(c, listener);
            var builder = MqttClient.builder().useMqttVersion3()
                    .identifier(c.clientId())
                    .transportConfig(transport())
                    .addConnectedListener(ctx -> listener.connected())
                    .addDisconnectedListener(this::onDisconnected);
            if (c.username() != null) {
                var auth = Mqtt3SimpleAuth.builder().username(c.username());
                builder.simpleAuth(c.hasPassword()
                        ? auth.password(c.password().getBytes(StandardCharsets.UTF_8)).build() : auth.build());
            }
            this.client = builder.buildRx();
        }

        @Override
        Flowable<Incoming> publishes() {
            return client.publishes(MqttGlobalPublishFilter.ALL, true).map(V3::incoming);
        }

        private static Incoming incoming(Mqtt3Publish p) {
            return new Incoming(p.getTopic().toString(), p.getPayloadAsBytes(), qos(p.getQos()), p.isRetain(),
                    Map.of(), () -> acknowledgeQuietly(p::acknowledge));
        }

        @Override
        CompletableFuture<Void> connect() {
            MqttConnection c = connection;
            return described(client.toAsync().connectWith()
                    .cleanSession(c.cleanStart())
                    .keepAlive((int) c.keepAlive().toSeconds())
                    .send());
        }

        @Override
        CompletableFuture<Void> subscribe(Map<String, Qos> filters) {
            Mqtt3SubscribeBuilder.Start b = Mqtt3Subscribe.builder();
            Mqtt3SubscribeBuilder.Complete complete = null;
            for (Map.Entry<String, Qos> f : filters.entrySet()) {
                complete = (complete == null ? b : complete).addSubscription()
                        .topicFilter(f.getKey()).qos(qos(f.getValue())).applySubscription();
            }
            return granted(filters, client.toAsync().subscribe(complete.build()),
                    subAck -> subAck.getReturnCodes(), Mqtt3SubAckReturnCode::isError);
        }

        @Override
        CompletableFuture<?> publish(String topic, byte[] payload, Qos qos, boolean retain, Map<String, String> headers) {
            return client.toAsync().publish(Mqtt3Publish.builder().topic(topic).qos(qos(qos)).payload(payload)
                    .retain(retain).build());
        }

        @Override
        CompletableFuture<Void> disconnect() {
            return client.toAsync().disconnect().handle((v, t) -> null);
        }

        @Override
        boolean isConnected() {
            return client.getState().isConnected();
        }
    }

    /** The CONNACK's outcome, with a failure turned into a {@link MqttConnectionException}. */
    final CompletableFuture<Void> described(CompletableFuture<?> connect) {
        return connect.handle((connAck, failure) -> {
            if (failure != null) {
                throw ConnectionErrors.describe(connection, Futures.unwrap(failure));
            }
            return null;
        });
    }

    /**
     * Waits for a connection future of a source or sink.
     *
     * @param ready the future
     * @param timeout how long to wait
     * @param notReady the message when it does not complete in time
     * @throws MqttConnectionException if it failed or timed out
     * @throws InterruptedException if interrupted
     */
    static void await(CompletableFuture<Void> ready, Duration timeout, MqttConnection connection,
            Supplier<String> notReady) throws InterruptedException {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw ConnectionErrors.describe(connection, Futures.unwrap(e));
        } catch (TimeoutException e) {
            throw new MqttConnectionException(connection.serverUri(), notReady.get(), false, e);
        }
    }

    /** Completes when the SUBACK grants every filter; fails naming the ones the broker refused. */
    final <A, C> CompletableFuture<Void> granted(Map<String, Qos> filters, CompletableFuture<A> subscribe,
            Function<A, List<C>> codesOf, Predicate<C> isError) {
        List<String> names = new ArrayList<>(filters.keySet());
        return subscribe.handle((subAck, failure) -> {
            if (failure != null) {
                throw subscribeFailed(names, Futures.unwrap(failure));
            }
            List<String> refused = new ArrayList<>();
            List<C> codes = codesOf.apply(subAck);
            for (int i = 0; i < codes.size(); i++) {
                if (isError.test(codes.get(i))) {
                    refused.add("'" + names.get(i) + "': " + codes.get(i));
                }
            }
            if (!refused.isEmpty()) {
                throw refusedSubscriptions(refused);
            }
            return null;
        });
    }

    MqttConnectionException subscribeFailed(List<String> filters, Throwable failure) {
        MqttConnectionException described = ConnectionErrors.describe(connection, failure);
        return new MqttConnectionException(connection.serverUri(), "subscribing to " + filters + " at MQTT broker "
                + connection.serverUri() + " failed: " + described.getMessage(), described.isPermanent(), failure);
    }

    MqttConnectionException refusedSubscriptions(List<String> refused) {
        return new MqttConnectionException(connection.serverUri(), "MQTT broker " + connection.serverUri()
                + " refused the subscription to " + String.join(", ", refused)
                + ": check the filter and the broker's access rules for client id " + connection.clientId(), true, null);
    }


}
