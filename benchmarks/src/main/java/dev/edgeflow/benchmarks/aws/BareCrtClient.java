package dev.edgeflow.benchmarks.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import software.amazon.awssdk.crt.CrtResource;
import software.amazon.awssdk.crt.io.ClientBootstrap;
import software.amazon.awssdk.crt.io.EventLoopGroup;
import software.amazon.awssdk.crt.io.HostResolver;
import software.amazon.awssdk.crt.io.TlsContext;
import software.amazon.awssdk.crt.io.TlsContextOptions;
import software.amazon.awssdk.crt.mqtt5.Mqtt5Client;
import software.amazon.awssdk.crt.mqtt5.Mqtt5ClientOptions;
import software.amazon.awssdk.crt.mqtt5.OnAttemptingConnectReturn;
import software.amazon.awssdk.crt.mqtt5.OnConnectionFailureReturn;
import software.amazon.awssdk.crt.mqtt5.OnConnectionSuccessReturn;
import software.amazon.awssdk.crt.mqtt5.OnDisconnectionReturn;
import software.amazon.awssdk.crt.mqtt5.OnStoppedReturn;
import software.amazon.awssdk.crt.mqtt5.PublishResult;
import software.amazon.awssdk.crt.mqtt5.QOS;
import software.amazon.awssdk.crt.mqtt5.packets.ConnectPacket;
import software.amazon.awssdk.crt.mqtt5.packets.PubAckPacket;
import software.amazon.awssdk.crt.mqtt5.packets.PublishPacket;
import software.amazon.awssdk.crt.mqtt5.packets.SubscribePacket;

/**
 * The CRT MQTT 5 client with mutual TLS and nothing of edgeflow's: the baseline publisher, and
 * the subscriber that counts what the broker delivered. Built as {@code AwsIotConnection} builds
 * its client (an event loop of one thread, the same TLS options), so that the two differ only in
 * what edgeflow adds on top.
 */
final class BareCrtClient implements AutoCloseable {
    private final List<CrtResource> resources = new ArrayList<>();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Mqtt5Client client;

    /**
     * Connects and waits up to 15 s for the CONNACK.
     *
     * @param onMessage receives every incoming PUBLISH's payload on the CRT's thread; null for a
     *     client that only publishes
     */
    BareCrtClient(String host, int port, String clientId, TlsFiles tls, Consumer<byte[]> onMessage) throws Exception {
        TlsContextOptions options = TlsContextOptions.createWithMtlsFromPath(tls.certificate().toString(),
                tls.key().toString());
        resources.add(options);
        options.withCertificateAuthorityFromPath(null, tls.ca().toString());
        TlsContext context = new TlsContext(options);
        resources.add(context);
        EventLoopGroup loop = new EventLoopGroup(1);
        resources.add(loop);
        HostResolver resolver = new HostResolver(loop);
        resources.add(resolver);
        ClientBootstrap bootstrap = new ClientBootstrap(loop, resolver);
        resources.add(bootstrap);
        Mqtt5ClientOptions.Mqtt5ClientOptionsBuilder builder = new Mqtt5ClientOptions.Mqtt5ClientOptionsBuilder(host,
                (long) port)
                .withBootstrap(bootstrap)
                .withTlsContext(context)
                .withConnectOptions(new ConnectPacket.ConnectPacketBuilder().withClientId(clientId)
                        .withKeepAliveIntervalSeconds(30L).build())
                .withLifecycleEvents(new Lifecycle());
        if (onMessage != null) {
            builder.withPublishEvents((c, r) -> onMessage.accept(r.getPublishPacket().getPayload()));
        }
        client = new Mqtt5Client(builder.build());
        client.start();
        connected.get(15, TimeUnit.SECONDS);
    }

    /** Publishes; completes normally at a successful PUBACK, exceptionally otherwise. */
    CompletableFuture<Void> publish(String topic, byte[] payload, QOS qos) {
        return client.publish(new PublishPacket.PublishPacketBuilder().withTopic(topic).withPayload(payload)
                .withQOS(qos).build()).thenApply(BareCrtClient::requireSuccess);
    }

    void subscribe(String filter, QOS qos) throws Exception {
        client.subscribe(new SubscribePacket.SubscribePacketBuilder(filter, qos).build()).get(15, TimeUnit.SECONDS);
    }

    private static Void requireSuccess(PublishResult r) {
        PubAckPacket ack = r == null ? null : r.getResultPubAck();
        if (ack != null && ack.getReasonCode() != PubAckPacket.PubAckReasonCode.SUCCESS
                && ack.getReasonCode() != PubAckPacket.PubAckReasonCode.NO_MATCHING_SUBSCRIBERS) {
            throw new IllegalStateException("PUBACK " + ack.getReasonCode());
        }
        return null;
    }

    @Override
    public void close() throws Exception {
        client.stop();
        stopped.get(15, TimeUnit.SECONDS);
        client.close();
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private final class Lifecycle implements Mqtt5ClientOptions.LifecycleEvents {
        @Override
        public void onAttemptingConnect(Mqtt5Client c, OnAttemptingConnectReturn r) {
        }

        @Override
        public void onConnectionSuccess(Mqtt5Client c, OnConnectionSuccessReturn r) {
            connected.complete(null);
        }

        @Override
        public void onConnectionFailure(Mqtt5Client c, OnConnectionFailureReturn r) {
            connected.completeExceptionally(new IllegalStateException("connection failed: CRT error "
                    + r.getErrorCode()));
        }

        @Override
        public void onDisconnection(Mqtt5Client c, OnDisconnectionReturn r) {
        }

        @Override
        public void onStopped(Mqtt5Client c, OnStoppedReturn r) {
            stopped.complete(null);
        }
    }
}
