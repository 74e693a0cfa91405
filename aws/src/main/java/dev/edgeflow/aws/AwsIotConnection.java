package dev.edgeflow.aws;

import dev.edgeflow.aws.internal.CrtErrors;
import dev.edgeflow.aws.internal.PublishRateLimiter;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.TopicFilter;
import dev.edgeflow.core.internal.tls.PemFiles;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.crt.CrtResource;
import software.amazon.awssdk.crt.CrtRuntimeException;
import software.amazon.awssdk.crt.auth.credentials.CredentialsProvider;
import software.amazon.awssdk.crt.auth.credentials.DefaultChainCredentialsProvider;
import software.amazon.awssdk.crt.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.crt.io.ClientBootstrap;
import software.amazon.awssdk.crt.io.EventLoopGroup;
import software.amazon.awssdk.crt.io.HostResolver;
import software.amazon.awssdk.crt.io.SocketOptions;
import software.amazon.awssdk.crt.io.TlsContext;
import software.amazon.awssdk.crt.io.TlsContextOptions;
import software.amazon.awssdk.crt.mqtt5.Mqtt5Client;
import software.amazon.awssdk.crt.mqtt5.Mqtt5ClientOptions;
import software.amazon.awssdk.crt.mqtt5.Mqtt5ClientOptions.ClientOfflineQueueBehavior;
import software.amazon.awssdk.crt.mqtt5.Mqtt5ClientOptions.ClientSessionBehavior;
import software.amazon.awssdk.crt.mqtt5.OnAttemptingConnectReturn;
import software.amazon.awssdk.crt.mqtt5.OnConnectionFailureReturn;
import software.amazon.awssdk.crt.mqtt5.OnConnectionSuccessReturn;
import software.amazon.awssdk.crt.mqtt5.OnDisconnectionReturn;
import software.amazon.awssdk.crt.mqtt5.OnStoppedReturn;
import software.amazon.awssdk.crt.mqtt5.PublishResult;
import software.amazon.awssdk.crt.mqtt5.PublishReturn;
import software.amazon.awssdk.crt.mqtt5.QOS;
import software.amazon.awssdk.crt.mqtt5.packets.ConnectPacket;
import software.amazon.awssdk.crt.mqtt5.packets.PubAckPacket;
import software.amazon.awssdk.crt.mqtt5.packets.PublishPacket;
import software.amazon.awssdk.crt.mqtt5.packets.SubAckPacket;
import software.amazon.awssdk.crt.mqtt5.packets.SubscribePacket;
import software.amazon.awssdk.crt.mqtt5.packets.UnsubscribePacket;
import software.amazon.awssdk.crt.mqtt5.packets.UserProperty;
import software.amazon.awssdk.iot.AwsIotMqtt5ClientBuilder;

/**
 * One MQTT 5 connection to AWS IoT Core (or a broker standing in for it) on the AWS CRT, shared
 * by the sinks, shadows and provisioning of one device.
 *
 * <p>As in the seed's section 2.3: the endpoint, an X.509 client certificate and its private key
 * (PEM files, a PKCS#12 file or a Java {@link KeyStore}), the root CA (the JVM's and system's
 * trust store when none is given), client id = thing name, keep-alive 30 s, and a session that is
 * rejoined after a reconnect (the seed's {@code clean_session=False}) and kept for an hour. Port
 * 8883; on port 443 the connection offers ALPN {@code x-amzn-mqtt-ca}, which IoT Core needs there.
 * Websockets with SigV4 ({@link Builder#websocketsSigV4(String)}) use the AWS credentials chain
 * instead of a certificate.
 *
 * <p>The connection starts at {@link Builder#build()} and reconnects by itself with exponential
 * backoff. Files are checked at build time, so that an unreadable file, a file that is not PEM, a
 * key that does not belong to the certificate and an expired certificate fail with the file's
 * name. A TLS handshake failure is explained by repeating the handshake with the JDK (the CRT
 * reports only "negotiation failed"): {@link #awaitReady(Duration)} then says whether the CA
 * file does not verify the server or the server refused the client certificate.
 *
 * <p>Every publish passes {@link AwsIotLimits#IOT_CORE}'s rate limiter, 100 publishes per second
 * per connection, spaced evenly, in the order sent and without blocking the caller; {@link AwsIotLimits#NONE}
 * switches checks and limiter off. The CRT's own offline queue is unbounded, so nothing here
 * relies on it: sinks bound what they hand to the connection, and operations that are pending
 * when the connection drops fail (the CRT's {@code FAIL_ALL_ON_DISCONNECT}), except QoS 1
 * publishes that MQTT resends in the rejoined session.
 *
 * <pre>{@code
 * AwsIotConnection connection = AwsIotConnection.builder()
 *         .endpoint("abc123-ats.iot.eu-west-1.amazonaws.com")
 *         .clientId("rpi-sensor-01")
 *         .certificate(Path.of("device.cert.pem"), Path.of("device.private.key"))
 *         .caCertificate(Path.of("AmazonRootCA1.pem"))
 *         .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class AwsIotConnection implements AutoCloseable {
    /** The ALPN protocol AWS IoT Core needs for MQTT with a client certificate on port 443. */
    public static final String ALPN_MQTT_CA = "x-amzn-mqtt-ca";

    private static final Logger LOG = LoggerFactory.getLogger(AwsIotConnection.class);
    /**
     * AWS IoT Core counts per second at its side. Publishes are spaced evenly (10.2 ms apart at
     * 100/s) rather than let out in bursts of 100: a burst that the network delivers bunched up
     * would put more than 100 into one second as the broker sees it. The 2 % margin absorbs jitter.
     */
    private static final long RATE_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(1_020);

    private final String endpoint;
    private final int port;
    private final String clientId;
    private final Path certificateFile;
    private final Path keyFile;
    private final Path caFile;
    private final boolean websockets;
    private final AwsIotLimits limits;
    private final String alpn;
    private final Duration keepAlive;
    private final Duration sessionExpiry;
    private final Mqtt5Client client;
    private final List<CrtResource> resources = new ArrayList<>();
    private final ScheduledExecutorService timer;
    private final PublishRateLimiter limiter;
    private final CopyOnWriteArrayList<Handler> handlers = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> pendingSubscriptions =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CopyOnWriteArrayList<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
    private final Object closeLock = new Object();
    private volatile boolean connected;
    private volatile boolean everConnected;
    private volatile boolean closed;
    private volatile AwsIotException lastFailure;
    private volatile String lastExplainedTls;
    private volatile AwsIotException explainedTls;
    private final java.util.concurrent.atomic.AtomicLong attempts = new java.util.concurrent.atomic.AtomicLong();
    private final long connectTimeoutMillis;
    private volatile int serverReceiveMaximum = 100;
    private volatile boolean exclusive;
    private volatile int users;

    private AwsIotConnection(Builder b) {
        this.endpoint = b.endpoint;
        this.port = b.port;
        this.clientId = b.clientId;
        this.certificateFile = b.certificateFile;
        this.keyFile = b.keyFile;
        this.caFile = b.caFile;
        this.websockets = b.sigV4Region != null;
        this.limits = b.limits;
        this.alpn = websockets ? null : b.alpn != null ? (b.alpn.isEmpty() ? null : b.alpn)
                : port == 443 ? ALPN_MQTT_CA : null;
        this.keepAlive = b.keepAlive;
        this.sessionExpiry = b.sessionExpiry;
        this.connectTimeoutMillis = b.connectTimeout.toMillis();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgeflow-awsiot-" + clientId);
            t.setDaemon(true);
            return t;
        });
        this.limiter = limits.publishesPerSecond() > 0
                ? new PublishRateLimiter(1, RATE_WINDOW_NANOS / limits.publishesPerSecond(), System::nanoTime, timer)
                : null;
        try {
            this.client = websockets ? sigV4Client(b) : mtlsClient(b);
            client.start();
        } catch (CrtRuntimeException e) {
            releaseResources();
            timer.shutdownNow();
            throw CrtErrors.describe(e.errorCode, describeTarget(), e);
        }
        LOG.info("{}: connecting", this);
    }

    /**
     * Starts a connection: port 8883, keep-alive 30 s, session kept for 1 hour,
     * {@link AwsIotLimits#IOT_CORE}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the client id, the thing name in AWS IoT Core's convention.
     *
     * @return the client id
     */
    public String clientId() {
        return clientId;
    }

    /**
     * Returns the endpoint host.
     *
     * @return e.g. {@code abc123-ats.iot.eu-west-1.amazonaws.com}
     */
    public String endpoint() {
        return endpoint;
    }

    /**
     * Returns the port.
     *
     * @return 8883, 443 or another port of a local broker
     */
    public int port() {
        return port;
    }

    /**
     * Returns the limits this connection checks and the publish rate it keeps to.
     *
     * @return the limits
     */
    public AwsIotLimits limits() {
        return limits;
    }

    /**
     * Returns a stage that completes when the connection is first up. It does not fail on a
     * refused attempt, because the CRT keeps trying; {@link #awaitReady(Duration)} reports the
     * last failure after a timeout.
     *
     * @return completes at the first CONNACK; exceptionally only when the connection is closed first
     */
    public CompletionStage<Void> ready() {
        return ready.copy();
    }

    /**
     * Waits for the connection to be up.
     *
     * @param timeout how long to wait
     * @throws AwsIotException saying why the connection is not up (the last failure, explained)
     * @throws InterruptedException if interrupted
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            AwsIotException last = lastFailure;
            if (last != null) {
                throw new AwsIotException(last.getMessage(), last.errorName(), last.isPermanent(), last);
            }
            throw new AwsIotException("no connection to " + describeTarget() + " within " + timeout
                    + " and no failure reported yet: is the endpoint reachable from here?", null, false, e);
        } catch (ExecutionException e) {
            throw new AwsIotException(describeTarget() + ": " + e.getCause().getMessage(), null, true, e.getCause());
        }
    }

    /**
     * Returns whether the connection is up now.
     *
     * @return true between a CONNACK and the next disconnection
     */
    public boolean isConnected() {
        return connected;
    }

    /**
     * Returns the last connection failure, explained.
     *
     * @return the failure, or {@code null} if none since the last success
     */
    public AwsIotException lastFailure() {
        return lastFailure;
    }

    /**
     * Returns the publishes waiting for the rate limiter.
     *
     * @return 0 when there is no limiter
     */
    public int publishesWaitingForRate() {
        return limiter == null ? 0 : limiter.waiting();
    }

    /**
     * Returns the receive maximum the server announced: how many QoS 1 publishes it takes
     * unacknowledged at a time.
     *
     * @return the server's receive maximum (100 for AWS IoT Core), 100 before the first CONNACK
     */
    public int serverReceiveMaximum() {
        return serverReceiveMaximum;
    }

    /**
     * Returns the underlying CRT client, for AWS IoT service clients of the device SDK that this
     * module does not wrap. Publishes made on it bypass the limits and the rate limiter.
     *
     * @return the client; closed with this connection
     */
    public Mqtt5Client crtClient() {
        return client;
    }

    /**
     * Stops the connection with a DISCONNECT and releases its native resources. Publishes that
     * wait for the rate limiter and operations in flight fail. Idempotent; blocks at most a few
     * seconds.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        AwsIotException closing = new AwsIotException(this + " was closed", null, true, null);
        ready.completeExceptionally(closing);
        runPendingSubscriptions(); // each sees `closed` and fails its future
        if (limiter != null) {
            for (Runnable waiting : limiter.clear()) {
                waiting.run(); // each sees `closed` and fails its future
            }
        }
        try {
            client.stop();
        } catch (CrtRuntimeException e) {
            LOG.debug("{}: stop failed: {}", this, e.getMessage());
        }
        client.close();
        releaseResources();
        timer.shutdownNow();
        LOG.info("{}: closed", this);
    }

    @Override
    public String toString() {
        return "AwsIotConnection[" + describeTarget() + "]";
    }

    // ---- for the sink, source, shadow and provisioning in this package ----

    /**
     * Publishes through the rate limiter. Never blocks.
     *
     * @return completes at the PUBACK (QoS 1) or when written (QoS 0); exceptionally with
     *     {@link MessageRejectedException} if the server refused the message for good, or
     *     {@link AwsIotException} otherwise
     */
    CompletableFuture<Void> publish(String topic, byte[] payload, Qos qos) {
        return publish(topic, payload, qos, Map.of());
    }

    CompletableFuture<Void> publish(String topic, byte[] payload, Qos qos, Map<String, String> userProperties) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        Runnable start = () -> start(topic, payload, qos, userProperties, result);
        if (limiter == null) {
            start.run();
        } else {
            limiter.execute(start);
        }
        return result;
    }

    private void start(String topic, byte[] payload, Qos qos, Map<String, String> userProperties,
            CompletableFuture<Void> result) {
        if (closed) {
            result.completeExceptionally(new AwsIotException(this + " is closed; nothing is published on '" + topic
                    + "'", null, true, null));
            return;
        }
        PublishPacket.PublishPacketBuilder packet = new PublishPacket.PublishPacketBuilder()
                .withTopic(topic).withPayload(payload).withQOS(qos == Qos.AT_MOST_ONCE ? QOS.AT_MOST_ONCE
                        : QOS.AT_LEAST_ONCE);
        if (!userProperties.isEmpty()) {
            List<UserProperty> properties = new ArrayList<>(userProperties.size());
            userProperties.forEach((k, v) -> properties.add(new UserProperty(k, v)));
            packet.withUserProperties(properties);
        }
        CompletableFuture<PublishResult> publish;
        try {
            publish = client.publish(packet.build());
        } catch (CrtRuntimeException e) {
            result.completeExceptionally(CrtErrors.describe(e.errorCode, describeTarget(), e));
            return;
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        publish.whenComplete((r, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException
                        && failure.getCause() != null ? failure.getCause() : failure;
                int code = cause instanceof CrtRuntimeException ? ((CrtRuntimeException) cause).errorCode : -1;
                result.completeExceptionally(code >= 0 ? CrtErrors.describe(code, describeTarget(), cause)
                        : new AwsIotException("publish to '" + topic + "' on " + describeTarget() + " failed: "
                        + cause, null, false, cause));
                return;
            }
            PubAckPacket ack = r == null ? null : r.getResultPubAck();
            if (ack == null || isSuccess(ack.getReasonCode())) {
                result.complete(null);
            } else {
                result.completeExceptionally(CrtErrors.pubAckFailure(ack, topic, describeTarget()));
            }
        });
    }

    private static boolean isSuccess(PubAckPacket.PubAckReasonCode code) {
        return code == PubAckPacket.PubAckReasonCode.SUCCESS
                || code == PubAckPacket.PubAckReasonCode.NO_MATCHING_SUBSCRIBERS;
    }

    /**
     * Subscribes and routes matching messages to the handler, on the CRT's thread.
     *
     * @return completes at the SUBACK with a handle to unsubscribe; exceptionally if refused
     */
    CompletableFuture<Subscription> subscribe(String topicFilter, Qos qos, Consumer<Message> handler) {
        Handler h = new Handler(TopicFilter.of(topicFilter), qos, handler);
        handlers.add(h);
        CompletableFuture<Subscription> result = new CompletableFuture<>();
        requestSubscription(h, result);
        return result;
    }

    /**
     * Subscribes now if connected, otherwise at the next connection: the CRT fails an operation
     * that is pending while it is offline (the offline queue policy), and a subscription must not
     * fail for that.
     */
    private void requestSubscription(Handler h, CompletableFuture<Subscription> result) {
        if (closed) {
            handlers.remove(h);
            result.completeExceptionally(new AwsIotException(this + " is closed; no subscription to '"
                    + h.filter.filter() + "'", null, true, null));
            return;
        }
        if (!connected) {
            pendingSubscriptions.add(() -> requestSubscription(h, result));
            if (connected) {
                runPendingSubscriptions();
            }
            return;
        }
        CompletableFuture<SubAckPacket> subscribe;
        try {
            subscribe = client.subscribe(new SubscribePacket.SubscribePacketBuilder(h.filter.filter(),
                    h.qos == Qos.AT_MOST_ONCE ? QOS.AT_MOST_ONCE : QOS.AT_LEAST_ONCE).build());
        } catch (RuntimeException e) {
            handlers.remove(h);
            result.completeExceptionally(e);
            return;
        }
        subscribe.whenComplete((ack, failure) -> {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause != null && !closed && (!connected || isOfflineFailure(cause))) {
                pendingSubscriptions.add(() -> requestSubscription(h, result)); // the connection dropped meanwhile
                if (connected) {
                    runPendingSubscriptions();
                }
                return;
            }
            SubAckPacket.SubAckReasonCode code = ack == null || ack.getReasonCodes().isEmpty() ? null
                    : ack.getReasonCodes().get(0);
            if (cause == null && code != null && code.getValue() <= 2) {
                result.complete(() -> unsubscribe(h));
                return;
            }
            handlers.remove(h);
            if (cause != null) {
                int errorCode = cause instanceof CrtRuntimeException ? ((CrtRuntimeException) cause).errorCode : -1;
                result.completeExceptionally(errorCode >= 0 ? CrtErrors.describe(errorCode, describeTarget(), cause)
                        : new AwsIotException("subscription to '" + h.filter.filter() + "' on " + describeTarget()
                        + " failed: " + cause, null, false, cause));
                return;
            }
            result.completeExceptionally(new AwsIotException("subscription to '" + h.filter.filter() + "' on "
                    + describeTarget() + " was refused (" + code + "): check that the policy allows iot:Subscribe "
                    + "on topicfilter/" + h.filter.filter() + " and iot:Receive on its topics", "SUBACK_" + code,
                    true, null));
        });
    }

    private static boolean isOfflineFailure(Throwable cause) {
        if (!(cause instanceof CrtRuntimeException)) {
            return false;
        }
        String name = CrtErrors.name(((CrtRuntimeException) cause).errorCode);
        return name.contains("OFFLINE_QUEUE") || name.contains("UNEXPECTED_HANGUP") || name.contains("SOCKET_CLOSED")
                || name.contains("CONNECTION_RESET");
    }

    private void runPendingSubscriptions() {
        Runnable next;
        while ((next = pendingSubscriptions.poll()) != null) {
            next.run();
        }
    }

    private CompletableFuture<Void> unsubscribe(Handler h) {
        handlers.remove(h);
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        boolean other = handlers.stream().anyMatch(x -> x.filter.equals(h.filter));
        if (other) {
            return CompletableFuture.completedFuture(null);
        }
        return client.unsubscribe(new UnsubscribePacket.UnsubscribePacketBuilder(h.filter.filter()).build())
                .thenApply(x -> null);
    }

    /** Called by a source that blocks its handler: nobody else may use this connection. */
    synchronized void claimExclusive(String who) {
        if (users > 0 || exclusive) {
            throw new IllegalStateException(who + " needs an AwsIotConnection of its own, because it holds the "
                    + "connection's thread until the pipeline has taken each message, but " + this + " is already "
                    + "used by another sink, source or shadow: build a second connection with another client id");
        }
        exclusive = true;
    }

    /** Called by every other user of the connection. */
    synchronized void claimShared(String who) {
        if (exclusive) {
            throw new IllegalStateException(who + " cannot share " + this + ": an AwsIotSource holds it alone; "
                    + "build a second connection with another client id");
        }
        users++;
    }

    void addListener(ConnectionListener listener) {
        listeners.add(listener);
        if (connected) {
            listener.connected();
        }
    }

    void removeListener(ConnectionListener listener) {
        listeners.remove(listener);
    }

    boolean isClosed() {
        return closed;
    }

    /** A subscription's handle. */
    interface Subscription {
        CompletableFuture<Void> unsubscribe();
    }

    /** Hears the connection come and go. */
    interface ConnectionListener {
        void connected();

        void disconnected(AwsIotException problem);
    }

    private String describeTarget() {
        return (websockets ? "wss://" : "mqtts://") + endpoint + ":" + port + " (client id " + clientId + ")";
    }

    // ---- CRT set-up ----

    private Mqtt5Client mtlsClient(Builder b) {
        TlsContextOptions tls;
        if (b.keyStore != null) {
            tls = TlsContextOptions.createWithMtlsJavaKeystore(b.keyStore, b.keyStoreAlias, b.keyStorePassword);
        } else if (b.pkcs12File != null) {
            // The CRT reads PKCS#12 natively only on macOS; through a Java key store it works everywhere.
            KeyStore store = loadPkcs12(b.pkcs12File, b.pkcs12Password);
            tls = TlsContextOptions.createWithMtlsJavaKeystore(store, keyAlias(store, b.pkcs12File),
                    b.pkcs12Password);
        } else {
            tls = TlsContextOptions.createWithMtlsFromPath(certificateFile.toString(), keyFile.toString());
        }
        resources.add(tls);
        if (caFile != null) {
            tls.withCertificateAuthorityFromPath(null, caFile.toString());
        }
        if (alpn != null) {
            if (!TlsContextOptions.isAlpnSupported()) {
                throw new IllegalArgumentException("port 443 needs ALPN (" + ALPN_MQTT_CA + "), which the CRT's TLS "
                        + "does not support on this platform: use port 8883");
            }
            tls.withAlpnList(alpn);
        }
        TlsContext context = new TlsContext(tls);
        resources.add(context);
        // An event loop of its own: a source holds its thread while the pipeline takes a message,
        // and that must not stall other connections that would share a default event loop.
        EventLoopGroup loop = new EventLoopGroup(1);
        resources.add(loop);
        HostResolver resolver = new HostResolver(loop);
        resources.add(resolver);
        ClientBootstrap bootstrap = new ClientBootstrap(loop, resolver);
        resources.add(bootstrap);
        SocketOptions socket = new SocketOptions();
        socket.connectTimeoutMs = (int) b.connectTimeout.toMillis();
        resources.add(socket);
        Mqtt5ClientOptions options = new Mqtt5ClientOptions.Mqtt5ClientOptionsBuilder(endpoint, (long) port)
                .withBootstrap(bootstrap)
                .withSocketOptions(socket)
                .withTlsContext(context)
                .withConnectOptions(connectPacket(b))
                .withSessionBehavior(ClientSessionBehavior.REJOIN_ALWAYS)
                .withOfflineQueueBehavior(ClientOfflineQueueBehavior.FAIL_ALL_ON_DISCONNECT)
                .withMinReconnectDelayMs(b.minReconnectDelay.toMillis())
                .withMaxReconnectDelayMs(b.maxReconnectDelay.toMillis())
                .withAckTimeoutSeconds(b.ackTimeout.toSeconds())
                .withConnackTimeoutMs(b.connectTimeout.toMillis())
                .withLifecycleEvents(new Lifecycle())
                .withPublishEvents(this::onMessage)
                .build();
        return new Mqtt5Client(options);
    }

    private Mqtt5Client sigV4Client(Builder b) {
        CredentialsProvider credentials = b.accessKeyId != null
                ? new StaticCredentialsProvider.StaticCredentialsProviderBuilder()
                        .withAccessKeyId(b.accessKeyId.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .withSecretAccessKey(b.secretAccessKey.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .build()
                : new DefaultChainCredentialsProvider.DefaultChainCredentialsProviderBuilder()
                        .withClientBootstrap(ClientBootstrap.getOrCreateStaticDefault()).build();
        resources.add(credentials);
        AwsIotMqtt5ClientBuilder.WebsocketSigv4Config config = new AwsIotMqtt5ClientBuilder.WebsocketSigv4Config();
        config.region = b.sigV4Region;
        config.credentialsProvider = credentials;
        AwsIotMqtt5ClientBuilder builder = AwsIotMqtt5ClientBuilder.newWebsocketMqttBuilderWithSigv4Auth(endpoint,
                config);
        resources.add(builder);
        if (caFile != null) {
            builder.withCertificateAuthorityFromPath(null, caFile.toString());
        }
        return builder.withPort((long) port)
                .withConnectProperties(new ConnectPacket.ConnectPacketBuilder()
                        .withKeepAliveIntervalSeconds(keepAlive.toSeconds())
                        .withSessionExpiryIntervalSeconds(sessionExpiry.toSeconds())
                        .withClientId(clientId))
                .withSessionBehavior(ClientSessionBehavior.REJOIN_ALWAYS)
                .withOfflineQueueBehavior(ClientOfflineQueueBehavior.FAIL_ALL_ON_DISCONNECT)
                .withAckTimeoutSeconds(b.ackTimeout.toSeconds())
                .withLifeCycleEvents(new Lifecycle())
                .withPublishEvents(this::onMessage)
                .build();
    }

    private static KeyStore loadPkcs12(Path file, String password) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            return store;
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("PKCS#12 file " + file + " cannot be read: " + e.getMessage()
                    + " (a wrong password reads as a bad file too)", e);
        }
    }

    private static String keyAlias(KeyStore store, Path file) {
        try {
            for (String alias : java.util.Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    return alias;
                }
            }
        } catch (java.security.KeyStoreException e) {
            throw new IllegalArgumentException("PKCS#12 file " + file + " cannot be read: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("PKCS#12 file " + file + " holds no private key entry: export the "
                + "certificate together with its key (openssl pkcs12 -export -in device.cert.pem -inkey "
                + "device.private.key -out device.p12)");
    }

    private ConnectPacket connectPacket(Builder b) {
        return new ConnectPacket.ConnectPacketBuilder()
                .withClientId(clientId)
                .withKeepAliveIntervalSeconds(keepAlive.toSeconds())
                .withSessionExpiryIntervalSeconds(sessionExpiry.toSeconds())
                .withReceiveMaximum((long) b.receiveMaximum)
                .build();
    }

    private void releaseResources() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (RuntimeException e) {
                LOG.debug("{}: releasing {} failed: {}", this, resources.get(i), e.toString());
            }
        }
        resources.clear();
    }

    private void onMessage(Mqtt5Client c, PublishReturn publish) {
        PublishPacket p = publish.getPublishPacket();
        if (p == null) {
            return;
        }
        Message.Builder m = Message.builder(p.getTopic())
                .payload(p.getPayload() == null ? new byte[0] : p.getPayload())
                .qos(p.getQOS() == QOS.AT_MOST_ONCE ? Qos.AT_MOST_ONCE : Qos.AT_LEAST_ONCE);
        if (p.getUserProperties() != null) {
            for (UserProperty u : p.getUserProperties()) {
                try {
                    m.header(u.key, u.value);
                } catch (IllegalArgumentException e) {
                    LOG.debug("{}: user property '{}' on '{}' is not a valid header and was left out: {}", this,
                            u.key, p.getTopic(), e.getMessage());
                }
            }
        }
        Message message = m.build();
        for (Handler h : handlers) {
            if (h.filter.matches(message.topic())) {
                try {
                    h.consumer.accept(message);
                } catch (RuntimeException e) {
                    LOG.warn("{}: handler for '{}' failed on a message on '{}': {}", this, h.filter.filter(),
                            message.topic(), e.toString(), e);
                }
            }
        }
    }

    private final class Lifecycle implements Mqtt5ClientOptions.LifecycleEvents {
        @Override
        public void onAttemptingConnect(Mqtt5Client c, OnAttemptingConnectReturn r) {
            LOG.debug("{}: attempting to connect", AwsIotConnection.this);
            long attempt = attempts.incrementAndGet();
            // The CRT can take long to report a failed TLS handshake (it waits for the peer to
            // close); an attempt that neither succeeds nor fails soon is probed for the reason.
            try {
                timer.schedule(() -> {
                    if (!connected && !closed && attempts.get() == attempt && !websockets) {
                        explainTls(-1);
                    }
                }, Math.min(3_000, connectTimeoutMillis), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed meanwhile
            }
        }

        @Override
        public void onConnectionSuccess(Mqtt5Client c, OnConnectionSuccessReturn r) {
            if (r.getNegotiatedSettings() != null) {
                serverReceiveMaximum = r.getNegotiatedSettings().getReceiveMaximumFromServer();
            }
            boolean rejoined = r.getNegotiatedSettings() != null && r.getNegotiatedSettings().getRejoinedSession();
            if (!rejoined && everConnected) {
                restoreSubscriptions();
            }
            everConnected = true;
            connected = true;
            lastFailure = null;
            lastExplainedTls = null;
            explainedTls = null;
            LOG.info("{}: connected (session {}, server receive maximum {})", AwsIotConnection.this,
                    r.getNegotiatedSettings() != null && r.getNegotiatedSettings().getRejoinedSession() ? "rejoined"
                            : "new", serverReceiveMaximum);
            ready.complete(null);
            runPendingSubscriptions();
            for (ConnectionListener l : listeners) {
                l.connected();
            }
        }

        @Override
        public void onConnectionFailure(Mqtt5Client c, OnConnectionFailureReturn r) {
            AwsIotException problem = r.getConnAckPacket() != null
                    ? CrtErrors.connAckFailure(r.getConnAckPacket(), describeTarget(), clientId)
                    : CrtErrors.describe(r.getErrorCode(), describeTarget(), null);
            AwsIotException explained = explainedTls;
            if (explained != null && CrtErrors.isTlsFailure(r.getErrorCode())) {
                problem = explained; // the same failure again: keep the reason the probe found
            }
            lastFailure = problem;
            LOG.warn("{}: connection attempt failed: {}", AwsIotConnection.this, problem.getMessage());
            if (CrtErrors.isTlsFailure(r.getErrorCode()) && !websockets && !closed) {
                explainTls(r.getErrorCode());
            }
        }

        @Override
        public void onDisconnection(Mqtt5Client c, OnDisconnectionReturn r) {
            boolean was = connected;
            connected = false;
            AwsIotException problem = r.getDisconnectPacket() != null
                    ? CrtErrors.disconnectReceived(r.getDisconnectPacket(), describeTarget())
                    : CrtErrors.describe(r.getErrorCode(), describeTarget(), null);
            if (was && !closed) {
                LOG.warn("{}: connection lost, reconnecting: {}", AwsIotConnection.this, problem.getMessage());
            }
            for (ConnectionListener l : listeners) {
                l.disconnected(problem);
            }
        }

        @Override
        public void onStopped(Mqtt5Client c, OnStoppedReturn r) {
            connected = false;
        }
    }

    /** Off the CRT's thread: the probe makes its own connections, which take time. */
    private void explainTls(int errorCode) {
        String name = errorCode < 0 ? null : CrtErrors.name(errorCode);
        if (lastExplainedTls != null) {
            return; // once per run of failures; a success clears it
        }
        lastExplainedTls = name == null ? "probe" : name;
        try {
            timer.execute(() -> {
                String reason;
                try {
                    reason = dev.edgeflow.aws.internal.TlsDiagnosis.explain(endpoint, port, alpn, caFile,
                            certificateFile, keyFile);
                } catch (RuntimeException e) {
                    reason = null;
                }
                if (reason == null) {
                    // Nothing found this time (the server was slow to give its verdict, or the failure
                    // is not one of TLS): the next failed attempt probes again.
                    lastExplainedTls = null;
                } else if (!connected) {
                    AwsIotException explained = new AwsIotException("cannot connect to " + describeTarget() + ": "
                            + reason, name, true, lastFailure);
                    explainedTls = explained;
                    lastFailure = explained;
                    LOG.warn("{}: {}", AwsIotConnection.this, reason);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private static final class Handler {
        final TopicFilter filter;
        final Qos qos;
        final Consumer<Message> consumer;

        Handler(TopicFilter filter, Qos qos, Consumer<Message> consumer) {
            this.filter = filter;
            this.qos = qos;
            this.consumer = consumer;
        }
    }

    /**
     * The broker kept no session (it expired, or the broker lost it): its subscriptions are gone,
     * so they are made again. Without this a source would stay connected and receive nothing.
     */
    private void restoreSubscriptions() {
        Map<String, Qos> filters = new java.util.LinkedHashMap<>();
        for (Handler h : handlers) {
            filters.merge(h.filter.filter(), h.qos, (a, b) -> a.level() >= b.level() ? a : b);
        }
        filters.forEach((filter, qos) -> {
            try {
                client.subscribe(new SubscribePacket.SubscribePacketBuilder(filter,
                        qos == Qos.AT_MOST_ONCE ? QOS.AT_MOST_ONCE : QOS.AT_LEAST_ONCE).build())
                        .whenComplete((ack, failure) -> {
                            if (failure != null) {
                                LOG.warn("{}: subscription to '{}' could not be made again after the session was "
                                        + "lost: {}", this, filter, failure.toString());
                            }
                        });
            } catch (RuntimeException e) {
                LOG.warn("{}: subscription to '{}' could not be made again: {}", this, filter, e.toString());
            }
        });
        if (!filters.isEmpty()) {
            LOG.info("{}: the broker kept no session; subscribed again to {}", this, filters.keySet());
        }
    }

    /**
     * Builds an {@link AwsIotConnection}; {@link #build()} checks every file and starts connecting.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String endpoint;
        private int port = 8883;
        private String clientId;
        private Path certificateFile;
        private Path keyFile;
        private Path caFile;
        private Path pkcs12File;
        private String pkcs12Password;
        private KeyStore keyStore;
        private String keyStoreAlias;
        private String keyStorePassword;
        private String sigV4Region;
        private String accessKeyId;
        private String secretAccessKey;
        private AwsIotLimits limits = AwsIotLimits.IOT_CORE;
        private Duration keepAlive = Duration.ofSeconds(30);
        private Duration sessionExpiry = Duration.ofHours(1);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration ackTimeout = Duration.ofSeconds(60);
        private Duration minReconnectDelay = Duration.ofMillis(500);
        private Duration maxReconnectDelay = Duration.ofSeconds(30);
        private int receiveMaximum = 100;
        private String alpn;

        private Builder() {
        }

        /**
         * Takes endpoint, port, client id, certificate, key and root CA from a device
         * configuration, as {@link ThingRegistration} writes it ({@code edgeflow-aws.json}).
         *
         * @param config the configuration
         * @return this builder
         */
        public Builder config(DeviceConfig config) {
            endpoint(config.endpoint());
            port(config.port());
            clientId(config.clientId());
            certificate(config.certificateFile(), config.privateKeyFile());
            config.rootCaFile().ifPresent(this::caCertificate);
            return this;
        }

        /**
         * Sets the endpoint host: the account's {@code iot:Data-ATS} endpoint
         * ({@code aws iot describe-endpoint --endpoint-type iot:Data-ATS}).
         *
         * @param host e.g. {@code abc123-ats.iot.eu-west-1.amazonaws.com}; required
         * @return this builder
         */
        public Builder endpoint(String host) {
            this.endpoint = host;
            return this;
        }

        /**
         * Sets the port: 8883 (default) or 443 (ALPN {@value #ALPN_MQTT_CA} is then offered, as
         * AWS IoT Core needs).
         *
         * @param port 1..65535
         * @return this builder
         */
        public Builder port(int port) {
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("port must be 1..65535 (8883, or 443 through firewalls), was "
                        + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Sets the ALPN protocol offered in the TLS handshake. By default {@value #ALPN_MQTT_CA}
         * on port 443 and none elsewhere; set it for a proxy or load balancer that forwards 443
         * from another port.
         *
         * @param protocol the protocol, or an empty string for none
         * @return this builder
         */
        public Builder alpn(String protocol) {
            this.alpn = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * Sets the client id; AWS IoT Core's convention (and the seed's) is the thing name.
         *
         * @param clientId at most 128 bytes under {@link AwsIotLimits#IOT_CORE}; required
         * @return this builder
         */
        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        /**
         * Sets the client certificate and private key, PEM files as AWS IoT hands them out.
         *
         * @param certificatePem the certificate ({@code device.cert.pem})
         * @param privateKeyPem its private key ({@code device.private.key}), unencrypted
         * @return this builder
         */
        public Builder certificate(Path certificatePem, Path privateKeyPem) {
            this.certificateFile = Objects.requireNonNull(certificatePem, "certificatePem");
            this.keyFile = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
            return this;
        }

        /**
         * Sets the client certificate and key from a PKCS#12 file instead of PEM files.
         *
         * @param file the {@code .p12} / {@code .pfx} file
         * @param password its password
         * @return this builder
         */
        public Builder pkcs12(Path file, String password) {
            this.pkcs12File = Objects.requireNonNull(file, "file");
            this.pkcs12Password = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Sets the client certificate and key from a Java key store entry instead of PEM files.
         *
         * @param store the loaded key store
         * @param alias the entry with the private key and certificate
         * @param password the entry's password
         * @return this builder
         */
        public Builder keyStore(KeyStore store, String alias, String password) {
            this.keyStore = Objects.requireNonNull(store, "store");
            this.keyStoreAlias = Objects.requireNonNull(alias, "alias");
            this.keyStorePassword = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Sets the root CA file ({@code AmazonRootCA1.pem}); without it, the system's trust store.
         *
         * @param caPem the CA certificate(s), PEM
         * @return this builder
         */
        public Builder caCertificate(Path caPem) {
            this.caFile = Objects.requireNonNull(caPem, "caPem");
            return this;
        }

        /**
         * Connects over websockets on port 443 with SigV4, signed with credentials from the AWS
         * default chain (environment, profile, instance role) instead of a client certificate.
         *
         * @param region the endpoint's region, e.g. {@code eu-west-1}
         * @return this builder
         */
        public Builder websocketsSigV4(String region) {
            this.sigV4Region = Objects.requireNonNull(region, "region");
            if (port == 8883) {
                this.port = 443; // IoT Core serves websockets on 443 only
            }
            return this;
        }

        /**
         * Connects over websockets on port 443 with SigV4, signed with the given access key
         * (an IAM user's or a role's temporary key without session token).
         *
         * @param region the endpoint's region, e.g. {@code eu-west-1}
         * @param accessKeyId the access key id
         * @param secretAccessKey the secret key; never logged
         * @return this builder
         */
        public Builder websocketsSigV4(String region, String accessKeyId, String secretAccessKey) {
            websocketsSigV4(region);
            this.accessKeyId = Objects.requireNonNull(accessKeyId, "accessKeyId");
            this.secretAccessKey = Objects.requireNonNull(secretAccessKey, "secretAccessKey");
            return this;
        }

        /**
         * Sets the limits checked before sending and the publish rate kept to.
         *
         * @param limits {@link AwsIotLimits#IOT_CORE} (default) or {@link AwsIotLimits#NONE}
         * @return this builder
         */
        public Builder limits(AwsIotLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Sets the keep-alive.
         *
         * @param keepAlive 30 s by default; AWS IoT Core accepts 30 to 1200 s
         * @return this builder
         */
        public Builder keepAlive(Duration keepAlive) {
            this.keepAlive = positive(keepAlive, "keepAlive");
            return this;
        }

        /**
         * Sets how long the broker keeps the session (subscriptions, unacknowledged QoS 1
         * messages) after a disconnect.
         *
         * @param expiry 1 hour by default; zero for a session that ends with the connection
         * @return this builder
         */
        public Builder sessionExpiry(Duration expiry) {
            if (expiry.isNegative()) {
                throw new IllegalArgumentException("sessionExpiry must not be negative, was " + expiry);
            }
            this.sessionExpiry = expiry;
            return this;
        }

        /**
         * Sets the TCP and CONNACK timeout of one attempt.
         *
         * @param timeout 10 s by default
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * Sets the reconnect backoff.
         *
         * @param min the first delay, 500 ms by default
         * @param max the largest delay, 30 s by default
         * @return this builder
         */
        public Builder reconnectDelay(Duration min, Duration max) {
            this.minReconnectDelay = positive(min, "reconnectDelay min");
            this.maxReconnectDelay = positive(max, "reconnectDelay max");
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("reconnectDelay max " + max + " is less than min " + min);
            }
            return this;
        }

        /**
         * Builds the connection, checks its files and starts connecting in the background.
         *
         * @return the connection
         * @throws IllegalArgumentException naming a missing setting or a bad file and its problem
         * @throws AwsIotException if the CRT cannot be set up
         */
        public AwsIotConnection build() {
            if (endpoint == null || endpoint.isBlank()) {
                throw new IllegalArgumentException("endpoint is required: the account's iot:Data-ATS endpoint "
                        + "(aws iot describe-endpoint --endpoint-type iot:Data-ATS), or a local broker's host");
            }
            if (clientId == null || clientId.isBlank()) {
                throw new IllegalArgumentException("clientId is required: use the thing name");
            }
            limits.checkClientId(clientId);
            int credentials = (certificateFile != null ? 1 : 0) + (pkcs12File != null ? 1 : 0)
                    + (keyStore != null ? 1 : 0) + (sigV4Region != null ? 1 : 0);
            if (credentials == 0) {
                throw new IllegalArgumentException("no credentials for " + endpoint + ": set certificate(cert, key) "
                        + "(PEM files), pkcs12(file, password), keyStore(store, alias, password) or "
                        + "websocketsSigV4(region)");
            }
            if (credentials > 1) {
                throw new IllegalArgumentException("more than one kind of credentials set for " + endpoint
                        + ": choose one of certificate, pkcs12, keyStore and websocketsSigV4");
            }
            if (certificateFile != null) {
                PemFiles.checkClientCertificate(certificateFile, keyFile);
            }
            if (pkcs12File != null && !java.nio.file.Files.isReadable(pkcs12File)) {
                throw new IllegalArgumentException("PKCS#12 file " + pkcs12File + " does not exist or is not "
                        + "readable by user " + System.getProperty("user.name"));
            }
            if (caFile != null) {
                PemFiles.certificates(caFile, "CA certificate");
            }
            return new AwsIotConnection(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
