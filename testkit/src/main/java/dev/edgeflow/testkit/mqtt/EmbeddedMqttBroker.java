package dev.edgeflow.testkit.mqtt;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.testkit.internal.HiveMqConfig;
import dev.edgeflow.testkit.internal.PortProbe;
import dev.edgeflow.testkit.internal.ReadableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MQTT broker inside the test's own JVM: HiveMQ Community Edition, embedded, so that MQTT
 * tests and the demo need nothing but a JDK.
 *
 * <p>It listens on {@code 127.0.0.1} only: a plain listener on a free port always, and a TLS
 * listener on a second free port when {@link Builder#tls(TestCertificates, boolean)} asks for
 * one. It accepts every client (no authentication beyond the client certificate, when one is
 * required) and, like Mosquitto, publishes to topics that start with {@code $} (AWS IoT's
 * {@code $aws/...}; unlike Mosquitto, a subscription to {@code #} receives them too). It keeps
 * sessions, queued and retained messages in memory only, sends no usage statistics, loads no
 * extensions but its own counter of received publishes ({@link #publishesReceived()}), and keeps
 * its configuration and data in a temporary folder of its own that {@link #close()} deletes. It
 * logs through SLF4J and leaves the logging setup of the JVM alone.
 *
 * <pre>{@code
 * try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.builder().start()) {
 *     URI uri = URI.create(broker.uri());   // mqtt://127.0.0.1:PORT
 * }
 * }</pre>
 *
 * <p>It runs on JDK 17 and newer without extra JVM flags. On JDK 24 and newer the JVM warns,
 * once, that HiveMQ's libraries load native code (JNA) and use {@code sun.misc.Unsafe} (Guava);
 * the warnings are harmless, and {@code --enable-native-access=ALL-UNNAMED
 * --sun-misc-unsafe-memory-access=allow} in the test JVM's arguments silences them.
 *
 * @since 0.1.0
 */
public final class EmbeddedMqttBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMqttBroker.class);
    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;
    /** Protects nothing: the stores hold throw-away test keys, and HiveMQ's configuration insists on one. */
    private static final String STORE_PASSWORD = "edgeflow-test";

    static {
        // HiveMQ waits this long for its persistence threads when it stops, 2 s by default; with
        // persistence in memory there is nothing to write, and every test would wait for nothing.
        InternalConfigurations.PERSISTENCE_SHUTDOWN_GRACE_PERIOD_MSEC.set(0);
        // HiveMQ disconnects a client that publishes to a topic starting with '$'; Mosquitto and AWS IoT
        // Core take them, and the emulated shadow and identity services and their devices publish on
        // $aws/... topics. HiveMQ then also matches them against a filter that starts with a wildcard
        // ('#'), which MQTT says it should not: a subscriber to '#' sees them.
        InternalConfigurations.MQTT_ALLOW_DOLLAR_TOPICS.set(true);
    }

    private final AtomicLong publishesReceived = new AtomicLong();
    private final Path workDirectory;
    private final int port;
    private final int tlsPort;
    private EmbeddedHiveMQ hivemq;
    private boolean running;
    private boolean closed;

    private EmbeddedMqttBroker(Path workDirectory, int port, int tlsPort) {
        this.workDirectory = workDirectory;
        this.port = port;
        this.tlsPort = tlsPort;
    }

    /**
     * Starts describing a broker; {@link Builder#start()} starts it.
     *
     * @return a builder for a broker with a plain listener and no TLS
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Describes an embedded broker before it starts.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private TestCertificates certificates;
        private boolean requireClientCertificate;
        private long maxQueuedMessages;
        private int serverReceiveMaximum;

        private Builder() {
        }

        /**
         * Adds a TLS listener on a second free loopback port that serves
         * {@link TestCertificates#serverCertificate()}.
         *
         * @param certificates the certificates to serve and, for client certificates, to trust
         * @param requireClientCertificate true to refuse every client without a certificate
         *     signed by {@link TestCertificates#caCertificate()}
         * @return this builder
         * @throws NullPointerException if {@code certificates} is null
         */
        public Builder tls(TestCertificates certificates, boolean requireClientCertificate) {
            this.certificates = Objects.requireNonNull(certificates, "certificates");
            this.requireClientCertificate = requireClientCertificate;
            return this;
        }

        /**
         * Sets how many messages the broker queues per client before it discards new ones
         * (HiveMQ's default is 1000), for tests and benchmarks that build up a backlog.
         *
         * @param messages at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code messages} is below 1
         */
        public Builder maxQueuedMessages(long messages) {
            if (messages < 1) {
                throw new IllegalArgumentException("maxQueuedMessages must be at least 1, was " + messages);
            }
            this.maxQueuedMessages = messages;
            return this;
        }

        /**
         * Sets how many unacknowledged QoS 1/2 publishes the broker lets each client send (its
         * MQTT 5 receive maximum; HiveMQ's default is 10). 1 makes the broker a slow target.
         *
         * @param maximum 1 to 65535
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder serverReceiveMaximum(int maximum) {
            if (maximum < 1 || maximum > 65535) {
                throw new IllegalArgumentException("serverReceiveMaximum must be 1 to 65535, was " + maximum);
            }
            this.serverReceiveMaximum = maximum;
            return this;
        }

        /**
         * Starts the broker and blocks until every listener accepts TCP connections, usually
         * within a second or two. Ports are found with {@link FreePorts}; should another process
         * take one first, the broker is started again on new ports, up to three times.
         *
         * @return the running broker; close it when done
         * @throws IllegalStateException if the broker does not start within 60 seconds, fails
         *     to start, or the calling thread is interrupted
         * @throws UncheckedIOException if its temporary folder or key stores cannot be written
         */
        public EmbeddedMqttBroker start() {
            IllegalStateException failure = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                List<Integer> ports = FreePorts.loopbackPorts(certificates == null ? 1 : 2);
                try {
                    return startOn(ports.get(0), certificates == null ? -1 : ports.get(1));
                } catch (PortTakenException e) {
                    failure = e;
                    LOG.warn("embedded MQTT broker: {}; starting again on other ports", e.getMessage());
                }
            }
            throw failure;
        }

        private EmbeddedMqttBroker startOn(int port, int tlsPort) {
            Path work = createWorkDirectory();
            HiveMqConfig.Tls tls = null;
            if (certificates != null) {
                char[] password = STORE_PASSWORD.toCharArray();
                tls = new HiveMqConfig.Tls(tlsPort, certificates.serverKeyStore(password),
                        certificates.trustStore(password), STORE_PASSWORD, requireClientCertificate);
            }
            HiveMqConfig.write(work.resolve("conf"), HOST, port, tls,
                    new HiveMqConfig.Limits(maxQueuedMessages, serverReceiveMaximum));
            directory(work.resolve("data"));
            directory(work.resolve("extensions"));
            EmbeddedMqttBroker broker = new EmbeddedMqttBroker(work, port, tlsPort);
            try {
                broker.startAndAwaitListeners();
                LOG.info("embedded MQTT broker listening on {}{}", broker.uri(),
                        tlsPort < 0 ? "" : " and " + broker.tlsUri()
                                + (requireClientCertificate ? " (client certificate required)" : ""));
                return broker;
            } catch (RuntimeException e) {
                broker.close();
                boolean taken = PortProbe.accepts(HOST, port) || tlsPort >= 0 && PortProbe.accepts(HOST, tlsPort);
                if (taken) {
                    throw new PortTakenException("port " + port + (tlsPort < 0 ? "" : " or " + tlsPort)
                            + " was taken by another process before the broker could bind it", e);
                }
                throw e;
            }
        }
    }

    /**
     * Returns how many PUBLISH packets the broker has received from clients since it was
     * built, counted as each arrives and before the broker acknowledges it: what a sink's
     * completion promises, seen from the broker's side.
     *
     * @return the count, across restarts
     */
    public long publishesReceived() {
        return publishesReceived.get();
    }

    /** An embedded extension that counts every inbound PUBLISH. */
    private static final class PublishCounter implements ExtensionMain {
        private final AtomicLong count;

        PublishCounter(AtomicLong count) {
            this.count = count;
        }

        @Override
        public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
            Services.initializerRegistry().setClientInitializer((client, context) ->
                    context.addPublishInboundInterceptor((publish, result) -> count.incrementAndGet()));
        }

        @Override
        public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
        }
    }

    /**
     * Returns the address the broker listens on.
     *
     * @return {@code "127.0.0.1"}
     */
    public String host() {
        return HOST;
    }

    /**
     * Returns the plain MQTT listener's port.
     *
     * @return the port, the same across {@link #restart()}
     */
    public int port() {
        return port;
    }

    /**
     * Returns the TLS listener's port.
     *
     * @return the port, the same across {@link #restart()}
     * @throws IllegalStateException if the broker was built without {@link Builder#tls(TestCertificates, boolean)}
     */
    public int tlsPort() {
        if (tlsPort < 0) {
            throw new IllegalStateException("this embedded MQTT broker on " + uri() + " has no TLS listener: start it"
                    + " with EmbeddedMqttBroker.builder().tls(certificates, requireClientCertificate).start()");
        }
        return tlsPort;
    }

    /**
     * Returns the plain listener's URI.
     *
     * @return {@code mqtt://127.0.0.1:PORT}
     */
    public String uri() {
        return "mqtt://" + HOST + ":" + port;
    }

    /**
     * Returns the TLS listener's URI.
     *
     * @return {@code mqtts://127.0.0.1:PORT}
     * @throws IllegalStateException if the broker was built without {@link Builder#tls(TestCertificates, boolean)}
     */
    public String tlsUri() {
        return "mqtts://" + HOST + ":" + tlsPort();
    }

    /**
     * Tells whether the broker is running: started, and neither stopped nor closed since.
     *
     * @return true while it accepts connections
     */
    public synchronized boolean isRunning() {
        return running;
    }

    /**
     * Stops the broker and blocks until it has stopped, about two seconds. Its clients see the
     * connection close without a DISCONNECT packet, and the ports are free at once. All sessions
     * and messages are lost, as persistence is in memory. Does nothing if it is stopped already.
     *
     * @throws IllegalStateException if the broker was closed, or the calling thread is interrupted
     */
    public synchronized void stop() {
        requireOpen("stop");
        if (!running) {
            return;
        }
        running = false;
        closeInstance();
        LOG.info("embedded MQTT broker on {} stopped", uri());
    }

    /**
     * Stops the broker if it runs and starts it again on the same ports, blocking until every
     * listener accepts connections. The broker starts empty: persistence is in memory, so no
     * session, subscription, queued or retained message survives; clients must reconnect and
     * subscribe again.
     *
     * @throws IllegalStateException if the broker was closed, does not start within 60 seconds,
     *     fails to start (as when another process took one of its ports meanwhile), or the
     *     calling thread is interrupted
     */
    public synchronized void restart() {
        requireOpen("restart");
        stop();
        startAndAwaitListeners();
        LOG.info("embedded MQTT broker on {} started again", uri());
    }

    /**
     * Stops the broker, blocking until it has stopped (about two seconds: HiveMQ lets its network
     * threads go quiet first), and deletes its temporary folder. Calling it again does nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        try {
            closeInstance();
        } finally {
            ReadableFiles.deleteRecursively(workDirectory);
        }
    }

    /**
     * Describes the broker by its URIs.
     *
     * @return a description naming the listeners
     */
    @Override
    public String toString() {
        return "EmbeddedMqttBroker[" + uri() + (tlsPort < 0 ? "" : ", mqtts://" + HOST + ":" + tlsPort) + "]";
    }

    /*
     * HiveMQ fails its start when no listener binds, which is how a port taken by another process
     * shows up here. With two listeners it starts if one of them binds, and a port held by
     * someone else also accepts the probe below; that needs another process to take the port in
     * the milliseconds between FreePorts finding it and HiveMQ binding it.
     */
    private synchronized void startAndAwaitListeners() {
        // A new instance for every start: a stopped EmbeddedHiveMQ does not start again, as its
        // in-memory stores would register their metrics a second time.
        hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(workDirectory.resolve("conf"))
                .withDataFolder(workDirectory.resolve("data"))
                .withExtensionsFolder(workDirectory.resolve("extensions"))
                .withoutLoggingBootstrap()
                .withEmbeddedExtension(EmbeddedExtension.builder()
                        .withId("edgeflow-testkit-publish-counter")
                        .withName("edgeflow testkit publish counter")
                        .withVersion("1")
                        .withExtensionMain(new PublishCounter(publishesReceived))
                        .build())
                .build();
        await(hivemq.start(), START_TIMEOUT, "start");
        running = true;
        awaitListener(port);
        if (tlsPort >= 0) {
            awaitListener(tlsPort);
        }
    }

    private void awaitListener(int listenerPort) {
        if (!PortProbe.awaitAccepting(HOST, listenerPort, START_TIMEOUT, () -> true)) {
            throw new IllegalStateException("the embedded MQTT broker started but does not accept connections on "
                    + HOST + ":" + listenerPort + " after " + START_TIMEOUT.toSeconds() + " s; its log (SLF4J logger"
                    + " com.hivemq) says why");
        }
    }

    private void await(CompletableFuture<Void> change, Duration timeout, String what) {
        try {
            change.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the embedded MQTT broker on " + uri() + " failed to " + what + ": "
                    + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the embedded MQTT broker on " + uri() + " did not " + what + " within "
                    + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the embedded MQTT broker on " + uri() + " was asked to "
                    + what, e);
        }
    }

    private void closeInstance() {
        EmbeddedHiveMQ instance = hivemq;
        hivemq = null;
        if (instance == null) {
            return;
        }
        try {
            // close() rather than stop(): it also ends the thread that runs HiveMQ's starts and stops.
            instance.close();
        } catch (ExecutionException e) {
            LOG.warn("embedded MQTT broker on {} failed while stopping: {}", uri(), String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the embedded MQTT broker on " + uri() + " stopped", e);
        }
    }

    private void requireOpen(String what) {
        if (closed) {
            throw new IllegalStateException("cannot " + what + " the embedded MQTT broker on " + uri()
                    + ": it was closed; start a new one with EmbeddedMqttBroker.builder().start()");
        }
    }

    private static Path createWorkDirectory() {
        try {
            return Files.createTempDirectory("edgeflow-hivemq-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the embedded MQTT broker in "
                    + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(), e);
        }
    }

    private static Path directory(Path path) {
        try {
            return Files.createDirectories(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + path + ": " + e.getMessage(), e);
        }
    }

    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
