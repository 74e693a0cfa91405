package dev.edgeflow.testkit;

import dev.edgeflow.testkit.internal.ProxiedConnection;
import dev.edgeflow.testkit.internal.ProxyFaults;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on {@code 127.0.0.1} that forwards every connection to one target and injects real
 * network faults into it, changeable while it runs: latency, a bandwidth limit, a stall, cut
 * connections, refused connections.
 *
 * <p>Put it between a client and its server, such as an MQTT bridge and the broker it forwards
 * to, and point the client at {@link #port()}. Every connection accepted gets its own connection
 * to the target. The faults apply to all connections, present and future, from the moment the
 * call returns, and may be changed from any thread:
 *
 * <ul>
 *   <li>{@link #latency(Duration)} delays every chunk of data each way, keeping the order;
 *   <li>{@link #bandwidth(long)}, {@link #upstreamBandwidth(long)} and
 *       {@link #downstreamBandwidth(long)} limit the bytes per second, as a slow link or a slow
 *       server would;
 *   <li>{@link #pause()} stops forwarding while the connections stay open, as a stalled peer;
 *   <li>{@link #cutConnections()} resets every open connection, as a dropped link;
 *   <li>{@link #refuseNew(boolean)} resets new connections as soon as they are accepted, as a
 *       server that is down.
 * </ul>
 *
 * <p>Upstream is from the clients to the target, downstream back. The proxy never looks into the
 * data, so it works for any protocol over TCP, TLS included (the client then checks the server's
 * certificate against {@code 127.0.0.1}).
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.to(broker.host(), broker.port()).name("target-broker").start()) {
 *     MqttSink sink = MqttSink.builder().serverUri(proxy.uri("mqtt")).build();
 *     proxy.upstreamBandwidth(100_000);   // the broker takes 100 kB/s
 *     proxy.cutConnections();             // the sink sees its connection reset
 * }
 * }</pre>
 *
 * <p>Each connection runs on four daemon threads, a reader and a writer each way, so that data
 * held back for latency does not stop reading; they are named
 * {@code edgeflow-proxy-NAME-N-upstream-read} and so on, N counting connections from 1, beside
 * {@code edgeflow-proxy-NAME-accept}. {@link #close()} ends them all. Faults are logged through
 * SLF4J at INFO, each connection and its errors at DEBUG.
 *
 * @since 0.1.0
 */
public final class FaultProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);
    private static final String HOST = "127.0.0.1";
    private static final int BACKLOG = 50;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final String targetHost;
    private final int targetPort;
    private final String name;
    private final ServerSocket server;
    private final ProxyFaults faults = new ProxyFaults();
    private final Set<ProxiedConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean refuseNew;
    private volatile boolean closed;

    private FaultProxy(Builder settings, ServerSocket server) {
        this.targetHost = settings.targetHost;
        this.targetPort = settings.targetPort;
        this.name = settings.name != null ? settings.name : String.valueOf(server.getLocalPort());
        this.server = server;
        this.acceptor = startThread("accept", this::acceptConnections);
    }

    /**
     * Starts describing a proxy to a target; {@link Builder#start()} starts it.
     *
     * @param host the target's host name or address, such as {@code "127.0.0.1"}; resolved for
     *     each connection
     * @param port the target's port, 1 to 65535
     * @return a builder for a proxy on a free loopback port, without faults
     * @throws NullPointerException if {@code host} is null
     * @throws IllegalArgumentException if {@code host} is blank or {@code port} is out of range
     */
    public static Builder to(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("FaultProxy target host must not be blank, was '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("FaultProxy target port must be 1 to 65535, was " + port);
        }
        return new Builder(host, port);
    }

    /**
     * Describes a fault proxy before it starts.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final String targetHost;
        private final int targetPort;
        private int listenPort;
        private String name;

        private Builder(String targetHost, int targetPort) {
            this.targetHost = targetHost;
            this.targetPort = targetPort;
        }

        /**
         * Sets the port the proxy listens on, such as a port a client was configured with before
         * the test. By default the system picks a free one as the proxy binds, which no other
         * process can take in between.
         *
         * @param port 1 to 65535, or 0 for a free port (the default)
         * @return this builder
         * @throws IllegalArgumentException if {@code port} is out of range
         */
        public Builder listenPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("FaultProxy listenPort must be 0 (any free port) to 65535, was "
                        + port);
            }
            this.listenPort = port;
            return this;
        }

        /**
         * Names the proxy in logs and thread names, which helps when a test runs several.
         *
         * @param name a short name, such as {@code "target-broker"}; by default the listening port
         * @return this builder
         * @throws NullPointerException if {@code name} is null
         * @throws IllegalArgumentException if {@code name} is blank
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("FaultProxy name must not be blank, was '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /**
         * Binds {@code 127.0.0.1} and starts accepting connections, which it does before this
         * returns. The target is not contacted until a client connects, so it may start later;
         * a client that connects while the target is down is reset.
         *
         * @return the running proxy, without faults; close it when done
         * @throws UncheckedIOException if the port cannot be bound, as when another process
         *     holds a port given to {@link #listenPort(int)}
         */
        public FaultProxy start() {
            ServerSocket server = null;
            try {
                server = new ServerSocket();
                // Reuse lets a proxy on a fixed port start again at once after a close.
                server.setReuseAddress(true);
                server.bind(new InetSocketAddress(loopback(), listenPort), BACKLOG);
            } catch (IOException e) {
                closeQuietly(server);
                throw new UncheckedIOException("FaultProxy" + (name == null ? "" : " " + name) + " cannot listen on "
                        + HOST + ":" + listenPort + ": " + e.getMessage()
                        + (listenPort == 0 ? "" : "; leave listenPort unset to take a free port"), e);
            }
            FaultProxy proxy = new FaultProxy(this, server);
            LOG.info("fault proxy {} listening on {}:{}, forwarding to {}:{}", proxy.name, HOST, proxy.port(),
                    targetHost, targetPort);
            return proxy;
        }
    }

    /**
     * Returns the address the proxy listens on.
     *
     * @return {@code "127.0.0.1"}
     */
    public String host() {
        return HOST;
    }

    /**
     * Returns the port the proxy listens on, for the client to connect to.
     *
     * @return the port
     */
    public int port() {
        return server.getLocalPort();
    }

    /**
     * Returns a URI for the client to connect to.
     *
     * @param scheme the scheme, such as {@code "mqtt"} or {@code "tcp"}
     * @return {@code scheme://127.0.0.1:PORT}
     * @throws NullPointerException if {@code scheme} is null
     * @throws IllegalArgumentException if {@code scheme} is blank
     */
    public String uri(String scheme) {
        Objects.requireNonNull(scheme, "scheme");
        if (scheme.isBlank()) {
            throw new IllegalArgumentException("FaultProxy uri scheme must not be blank, was '" + scheme + "'");
        }
        return scheme + "://" + HOST + ":" + port();
    }

    /**
     * Delays every chunk of data each way by {@code oneWay}, so that a request and its answer
     * take twice that longer. Order is kept, and reading goes on while data is held back; up to
     * 1 MiB per connection and direction is held, so with latency the throughput of one
     * connection is at most 1 MiB per {@code oneWay}, as with a TCP window. The new latency
     * applies to data already held too: {@code latency(Duration.ZERO)} releases it at once. Does
     * not block.
     *
     * @param oneWay the delay each way, {@link Duration#ZERO} for none (the default)
     * @return this proxy
     * @throws NullPointerException if {@code oneWay} is null
     * @throws IllegalArgumentException if {@code oneWay} is negative
     */
    public FaultProxy latency(Duration oneWay) {
        Objects.requireNonNull(oneWay, "oneWay");
        if (oneWay.isNegative()) {
            throw new IllegalArgumentException("FaultProxy latency must be zero or more, was " + oneWay);
        }
        faults.latencyNanos(saturatedNanos(oneWay));
        LOG.info("fault proxy {}: latency {} ms each way", name, oneWay.toMillis());
        return changed();
    }

    /**
     * Limits the bytes per second each way, as {@link #upstreamBandwidth(long)} and
     * {@link #downstreamBandwidth(long)} together. Does not block.
     *
     * @param bytesPerSecond the limit each way, 0 for none (the default)
     * @return this proxy
     * @throws IllegalArgumentException if {@code bytesPerSecond} is negative
     */
    public FaultProxy bandwidth(long bytesPerSecond) {
        checkBandwidth("bandwidth", bytesPerSecond);
        faults.upstreamBandwidth().rate(bytesPerSecond);
        faults.downstreamBandwidth().rate(bytesPerSecond);
        LOG.info("fault proxy {}: bandwidth {} each way", name, describeRate(bytesPerSecond));
        return changed();
    }

    /**
     * Limits the bytes per second from the clients to the target, for all connections together,
     * as a server that takes data slower than clients send it. Data over the limit waits in the
     * sender's socket buffers, so the sender sees TCP back pressure. The limit is even down to
     * 50 ms: a burst after an idle spell is at most a twentieth of a second's worth. Applies at
     * once, also to data already waiting. Does not block.
     *
     * @param bytesPerSecond the limit, 0 for none (the default)
     * @return this proxy
     * @throws IllegalArgumentException if {@code bytesPerSecond} is negative
     */
    public FaultProxy upstreamBandwidth(long bytesPerSecond) {
        checkBandwidth("upstreamBandwidth", bytesPerSecond);
        faults.upstreamBandwidth().rate(bytesPerSecond);
        LOG.info("fault proxy {}: upstream bandwidth {}", name, describeRate(bytesPerSecond));
        return changed();
    }

    /**
     * Limits the bytes per second from the target to the clients, for all connections together,
     * as {@link #upstreamBandwidth(long)} does the other way. Does not block.
     *
     * @param bytesPerSecond the limit, 0 for none (the default)
     * @return this proxy
     * @throws IllegalArgumentException if {@code bytesPerSecond} is negative
     */
    public FaultProxy downstreamBandwidth(long bytesPerSecond) {
        checkBandwidth("downstreamBandwidth", bytesPerSecond);
        faults.downstreamBandwidth().rate(bytesPerSecond);
        LOG.info("fault proxy {}: downstream bandwidth {}", name, describeRate(bytesPerSecond));
        return changed();
    }

    /**
     * Stops forwarding both ways, as a peer that stalls: connections stay open, nothing is
     * read from the sockets, so data sent meanwhile waits in the kernel's buffers until the
     * senders block; data already in the proxy is held. A write to a socket that is under way
     * when this is called completes; after that, nothing arrives until {@link #resume()}. New
     * connections are still accepted and connected to the target, then held too. Does not block;
     * calling it again does nothing.
     *
     * @return this proxy
     */
    public FaultProxy pause() {
        faults.paused(true);
        LOG.info("fault proxy {}: paused", name);
        return changed();
    }

    /**
     * Forwards again after {@link #pause()}: everything held arrives in order, subject to the
     * latency and bandwidth limits. Does not block; calling it when not paused does nothing.
     *
     * @return this proxy
     */
    public FaultProxy resume() {
        faults.paused(false);
        LOG.info("fault proxy {}: resumed", name);
        return changed();
    }

    /**
     * Resets every open connection on both sides (TCP RST, through a zero linger time): the
     * client and the target see their connections fail at once, and data held in the proxy is
     * lost. New connections are accepted as before. Does not block.
     *
     * @return how many connections were cut
     */
    public int cutConnections() {
        List<ProxiedConnection> open = List.copyOf(connections);
        for (ProxiedConnection connection : open) {
            connection.close(true);
        }
        LOG.info("fault proxy {}: cut {} connection(s)", name, open.size());
        return open.size();
    }

    /**
     * Makes the proxy reset each new connection as soon as it is accepted, as a server that is
     * down, or let new connections through again. The client's connect succeeds, then its first
     * read or write fails (connection reset) or sees the end of the stream; the target never
     * sees the connection. Connections already open are not touched: {@link #cutConnections()}
     * does that. Does not block.
     *
     * @param refuse true to reset new connections, false to forward them (the default)
     * @return this proxy
     */
    public FaultProxy refuseNew(boolean refuse) {
        this.refuseNew = refuse;
        LOG.info("fault proxy {}: {} new connections", name, refuse ? "refusing" : "accepting");
        return this;
    }

    /**
     * Returns the bytes written to the target so far, by all connections.
     *
     * @return the count, from start; data held in the proxy or dropped is not counted
     */
    public long bytesUpstream() {
        return faults.bytesUpstream().sum();
    }

    /**
     * Returns the bytes written to clients so far, by all connections.
     *
     * @return the count, from start; data held in the proxy or dropped is not counted
     */
    public long bytesDownstream() {
        return faults.bytesDownstream().sum();
    }

    /**
     * Returns how many connections the proxy has accepted, including those it refused
     * ({@link #refuseNew(boolean)}) and those whose target could not be reached: the attempts
     * clients made.
     *
     * @return the count, from start
     */
    public long connectionsAccepted() {
        return connectionsAccepted.get();
    }

    /**
     * Returns how many connections are open now, from the moment one is accepted until both
     * its directions have ended, it fails or it is cut.
     *
     * @return the count
     */
    public int openConnections() {
        return connections.size();
    }

    /**
     * Stops listening, resets every open connection and blocks until the proxy's threads have
     * ended, for up to 5 seconds (a thread still running then is logged, and ends soon after as
     * its socket is closed). The port is free again when this returns. Calling it again does
     * nothing.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closeQuietly(server);
        long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
        // No connection comes in once the acceptor has ended, so the next copy holds them all.
        join(List.of(acceptor), deadline);
        int open = 0;
        for (ProxiedConnection connection : List.copyOf(connections)) {
            connection.close(true);
            open++;
        }
        join(List.copyOf(threads), deadline);
        List<String> running = new ArrayList<>();
        for (Thread thread : threads) {
            if (thread.isAlive()) {
                running.add(thread.getName());
            }
        }
        if (!running.isEmpty()) {
            LOG.warn("fault proxy {}: threads still running {} s after close: {}", name, CLOSE_TIMEOUT.toSeconds(),
                    running);
        }
        LOG.info("fault proxy {} on {}:{} closed, {} connection(s) reset; {} bytes forwarded upstream, {}"
                + " downstream", name, HOST, port(), open, bytesUpstream(), bytesDownstream());
    }

    /**
     * Describes the proxy: its name, addresses and the faults it applies now.
     *
     * @return a description such as
     *     {@code FaultProxy[bridge, 127.0.0.1:40123 -> 127.0.0.1:1883, paused, latency 50 ms]}
     */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("FaultProxy[").append(name).append(", ").append(HOST).append(':')
                .append(port()).append(" -> ").append(targetHost).append(':').append(targetPort);
        if (closed) {
            text.append(", closed");
        }
        if (faults.paused()) {
            text.append(", paused");
        }
        if (refuseNew) {
            text.append(", refusing new connections");
        }
        if (faults.latencyNanos() > 0) {
            text.append(", latency ").append(TimeUnit.NANOSECONDS.toMillis(faults.latencyNanos())).append(" ms");
        }
        long up = faults.upstreamBandwidth().rate();
        if (up > 0) {
            text.append(", upstream ").append(describeRate(up));
        }
        long down = faults.downstreamBandwidth().rate();
        if (down > 0) {
            text.append(", downstream ").append(describeRate(down));
        }
        return text.append(']').toString();
    }

    private void acceptConnections() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed && !server.isClosed()) {
                    LOG.warn("fault proxy {}: accepting a connection failed: {}", name, e.toString());
                    continue;
                }
                return;
            }
            long number = connectionsAccepted.incrementAndGet();
            if (refuseNew || closed) {
                LOG.debug("fault proxy {}: resetting connection #{} from {}, as new connections are refused", name,
                        number, client.getRemoteSocketAddress());
                reset(client);
                continue;
            }
            ProxiedConnection connection = new ProxiedConnection("fault proxy " + name + " connection #" + number,
                    client, targetHost, targetPort, faults, (role, body) -> startThread(number + "-" + role, body),
                    connections::remove);
            connections.add(connection);
            connection.start();
        }
    }

    private Thread startThread(String role, Runnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        }, "edgeflow-proxy-" + name + "-" + role);
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) -> LOG.warn("fault proxy {}: thread {} failed", name, t.getName(),
                e));
        threads.add(thread);
        thread.start();
        return thread;
    }

    private FaultProxy changed() {
        for (ProxiedConnection connection : connections) {
            connection.faultsChanged();
        }
        return this;
    }

    private static void join(List<Thread> threads, long deadline) {
        try {
            for (Thread thread : threads) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedJoin(thread, left);
            }
        } catch (InterruptedException e) {
            // The threads are daemons and their sockets closed: they end without waiting for them.
            Thread.currentThread().interrupt();
        }
    }

    private static void checkBandwidth(String property, long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("FaultProxy " + property + " must be 0 (no limit) or more bytes per"
                    + " second, was " + bytesPerSecond);
        }
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    private static String describeRate(long bytesPerSecond) {
        return bytesPerSecond == 0 ? "unlimited" : bytesPerSecond + " B/s";
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed by the peer: nothing left to reset
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Closeable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException e) {
            // the socket is released either way
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(HOST, new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes make an IPv4 address", e);
        }
    }
}
