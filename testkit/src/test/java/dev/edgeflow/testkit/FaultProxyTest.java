package dev.edgeflow.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real sockets on loopback through the proxy to a small server started by each test. Times are
 * only ever asserted as lower bounds, which a slow machine cannot break.
 */
class FaultProxyTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private TestServer server;
    private FaultProxy proxy;

    @AfterEach
    void closeAll() {
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void forwardsARandomMegabyteBothWaysByteForByte() throws Exception {
        server = TestServer.echo();
        proxy = FaultProxy.to("127.0.0.1", server.port()).start();
        byte[] sent = randomBytes(1024 * 1024);

        try (Socket client = connect(proxy)) {
            // Writing and reading at once: a megabyte is more than the socket buffers hold.
            CompletableFuture<Void> writing = writeAsync(client, sent);
            byte[] echoed = client.getInputStream().readNBytes(sent.length);
            writing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            assertThat(echoed).isEqualTo(sent);
            assertThat(server.received()).isEqualTo(sent.length);
        }
    }

    @Test
    void passesAHalfCloseOnAndClosesOnceBothSidesHaveEnded() throws Exception {
        server = TestServer.start((socket, peer) -> {
            long count = socket.getInputStream().transferTo(OutputStream.nullOutputStream());
            socket.getOutputStream().write(("received " + count).getBytes(UTF_8));
        });
        proxy = FaultProxy.to("127.0.0.1", server.port()).start();

        try (Socket client = connect(proxy)) {
            client.getOutputStream().write(randomBytes(1000));
            client.shutdownOutput();

            assertThat(new String(client.getInputStream().readAllBytes(), UTF_8)).isEqualTo("received 1000");
        }
        await().atMost(PATIENCE).until(() -> proxy.openConnections() == 0);
    }

    @Test
    void holdsEverythingWhilePausedAndDeliversItInOrderOnResume() throws Exception {
        server = TestServer.echo();
        proxy = FaultProxy.to("127.0.0.1", server.port()).start();

        try (Socket client = connect(proxy)) {
            assertThat(roundTrip(client, "before".getBytes(UTF_8))).asString(UTF_8).isEqualTo("before");
            proxy.pause();
            client.getOutputStream().write("while paused".getBytes(UTF_8));

            client.setSoTimeout(500);
            assertThatThrownBy(() -> client.getInputStream().read())
                    .as("a byte came back while the proxy was paused")
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(server.received()).as("bytes that reached the server").isEqualTo("before".length());

            proxy.resume();
            client.setSoTimeout(READ_TIMEOUT_MILLIS);
            assertThat(client.getInputStream().readNBytes("while paused".length())).asString(UTF_8)
                    .isEqualTo("while paused");
        }
    }

    @Test
    void cutConnectionsResetsBothSidesAndNewConnectionsStillWork() throws Exception {
        server = TestServer.echo();
        proxy = FaultProxy.to("127.0.0.1", server.port()).start();

        try (Socket client = connect(proxy)) {
            roundTrip(client, "hello".getBytes(UTF_8));

            assertThat(proxy.cutConnections()).isEqualTo(1);

            assertClosedByPeer(client);
            await().atMost(PATIENCE).until(() -> server.openConnections() == 0);
            assertThat(proxy.openConnections()).isZero();
        }
        try (Socket again = connect(proxy)) {
            assertThat(roundTrip(again, "again".getBytes(UTF_8))).asString(UTF_8).isEqualTo("again");
        }
    }

    @Test
    void refusedConnectionsAreResetWithoutReachingTheTargetWhileOpenOnesGoOn() throws Exception {
        server = TestServer.echo();
        proxy = FaultProxy.to("127.0.0.1", server.port()).start();

        try (Socket open = connect(proxy)) {
            roundTrip(open, "open".getBytes(UTF_8));
            proxy.refuseNew(true);

            try (Socket refused = connect(proxy)) {
                assertClosedByPeer(refused);
            }
            assertThat(roundTrip(open, "still".getBytes(UTF_8))).asString(UTF_8).isEqualTo("still");
            assertThat(server.accepted()).as("connections the target saw").isEqualTo(1);

            proxy.refuseNew(false);
            try (Socket accepted = connect(proxy)) {
                assertThat(roundTrip(accepted, "back".getBytes(UTF_8))).asString(UTF_8).isEqualTo("back");
            }
            assertThat(proxy.connectionsAccepted()).isEqualTo(3);
        }
    }

    @Test
    void resetsTheClientWhenTheTargetIsDown() throws Exception {
        int nothingListens = FreePorts.loopbackPort();
        proxy = FaultProxy.to("127.0.0.1", nothingListens).start();

        try (Socket client = connect(proxy)) {
            assertClosedByPeer(client);
        }
        await().atMost(PATIENCE).until(() -> proxy.openConnections() == 0);
        assertThat(proxy.connectionsAccepted()).isEqualTo(1);
    }

    @Test
    void upstreamBandwidthLimitsWhatReachesTheTarget() throws Exception {
        int bytes = 64 * 1024;
        long limit = 64 * 1024;
        server = TestServer.echo();
        proxy = FaultProxy.to("127.0.0.1", server.port()).start().upstreamBandwidth(limit);

        try (Socket client = connect(proxy)) {
            long start = System.nanoTime();
            CompletableFuture<Void> writing = writeAsync(client, randomBytes(bytes));
            await().atMost(PATIENCE).until(() -> server.received() == bytes);
            long elapsed = System.nanoTime() - start;
            writing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            assertThat(Duration.ofNanos(elapsed)).isGreaterThanOrEqualTo(atLeast(bytes, limit));
        }
    }

    @Test
    void downstreamBandwidthLimitsWhatReachesTheClient() throws Exception {
        int bytes = 64 * 1024;
        long limit = 64 * 1024;
        server = TestServer.start((socket, peer) -> socket.getOutputStream().write(randomBytes(bytes)));
        proxy = FaultProxy.to("127.0.0.1", server.port()).start().downstreamBandwidth(limit);

        try (Socket client = connect(proxy)) {
            long start = System.nanoTime();
            byte[] received = client.getInputStream().readNBytes(bytes);
            long elapsed = System.nanoTime() - start;

            assertThat(received).hasSize(bytes);
            assertThat(Duration.ofNanos(elapsed)).isGreaterThanOrEqualTo(atLeast(bytes, limit));
        }
    }

    @Test
    void upstreamBandwidthLeavesTheOtherDirectionAlone() throws Exception {
        int bytes = 1024 * 1024;
        server = TestServer.start((socket, peer) -> socket.getOutputStream().write(randomBytes(bytes)));
        // A megabyte at this limit would take 17 minutes: 30 seconds leave room for any machine.
        proxy = FaultProxy.to("127.0.0.1", server.port()).start().upstreamBandwidth(1000);

        try (Socket client = connect(proxy)) {
            byte[] received = assertTimeoutPreemptively(PATIENCE, () -> client.getInputStream().readNBytes(bytes));

            assertThat(received).hasSize(bytes);
        }
    }

    @Test
    void latencyDelaysEachWayAndKeepsTheOrder() throws Exception {
        Duration oneWay = Duration.ofMillis(150);
        server = TestServer.echo();
        proxy = FaultProxy.to("127.0.0.1", server.port()).start().latency(oneWay);

        try (Socket client = connect(proxy)) {
            long start = System.nanoTime();
            roundTrip(client, new byte[] {42});
            long elapsed = System.nanoTime() - start;
            assertThat(Duration.ofNanos(elapsed)).isGreaterThanOrEqualTo(oneWay.multipliedBy(2 * 8).dividedBy(10));

            byte[] sent = randomBytes(256 * 1024);
            CompletableFuture<Void> writing = writeAsync(client, sent);
            byte[] echoed = client.getInputStream().readNBytes(sent.length);
            writing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(echoed).isEqualTo(sent);
        }
    }

    @Test
    void countsBytesEachWayAndConnections() throws Exception {
        server = TestServer.echo();
        proxy = FaultProxy.to("127.0.0.1", server.port()).start();

        try (Socket first = connect(proxy); Socket second = connect(proxy)) {
            roundTrip(first, randomBytes(100));
            roundTrip(second, randomBytes(200));

            // A byte may reach the client a moment before the proxy counts it.
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(proxy.bytesUpstream()).isEqualTo(300);
                assertThat(proxy.bytesDownstream()).isEqualTo(300);
            });
            assertThat(proxy.connectionsAccepted()).isEqualTo(2);
            assertThat(proxy.openConnections()).isEqualTo(2);
        }
        await().atMost(PATIENCE).until(() -> proxy.openConnections() == 0);
        assertThat(proxy.connectionsAccepted()).isEqualTo(2);
    }

    @Test
    void closeFreesThePortAndEndsEveryThread() throws Exception {
        server = TestServer.echo();
        proxy = FaultProxy.to("127.0.0.1", server.port()).name("closing").start();
        int port = proxy.port();

        try (Socket first = connect(proxy); Socket second = connect(proxy)) {
            roundTrip(first, "one".getBytes(UTF_8));
            roundTrip(second, "two".getBytes(UTF_8));
            assertThat(threadsNamed("edgeflow-proxy-closing-")).isNotEmpty();

            proxy.close();
            proxy.close();

            assertClosedByPeer(first);
            assertClosedByPeer(second);
            await().atMost(PATIENCE).until(() -> threadsNamed("edgeflow-proxy-closing-").isEmpty());
            await().atMost(PATIENCE).until(() -> server.openConnections() == 0);
            try (ServerSocket rebound = new ServerSocket()) {
                // Reuse binds past connections in TIME_WAIT, never past a socket still listening.
                rebound.setReuseAddress(true);
                rebound.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
                assertThat(rebound.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @Test
    void listensOnTheGivenPortAndNamesItInItsUri() {
        int port = FreePorts.loopbackPort();
        proxy = FaultProxy.to("localhost", 1883).listenPort(port).name("broker").start();

        assertThat(proxy.port()).isEqualTo(port);
        assertThat(proxy.host()).isEqualTo("127.0.0.1");
        assertThat(proxy.uri("mqtt")).isEqualTo("mqtt://127.0.0.1:" + port);
        assertThat(proxy.pause().latency(Duration.ofMillis(50)).bandwidth(1000)).hasToString("FaultProxy[broker,"
                + " 127.0.0.1:" + port + " -> localhost:1883, paused, latency 50 ms, upstream 1000 B/s,"
                + " downstream 1000 B/s]");
    }

    @Test
    void aPortThatIsTakenIsReportedWithThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> FaultProxy.to("127.0.0.1", 1883).listenPort(taken.getLocalPort()).start())
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void badSettingsAreRefusedNamingTheSettingAndTheValue() {
        assertThatThrownBy(() -> FaultProxy.to(null, 1883))
                .isInstanceOf(NullPointerException.class).hasMessage("host");
        assertThatThrownBy(() -> FaultProxy.to(" ", 1883))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target host");
        assertThatThrownBy(() -> FaultProxy.to("127.0.0.1", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("FaultProxy target port must be 1 to 65535, was 0");
        assertThatThrownBy(() -> FaultProxy.to("127.0.0.1", 65536))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 65536");
        assertThatThrownBy(() -> FaultProxy.to("127.0.0.1", 1883).listenPort(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("FaultProxy listenPort must be 0 (any free port) to 65535, was -1");
        assertThatThrownBy(() -> FaultProxy.to("127.0.0.1", 1883).name(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");

        proxy = FaultProxy.to("127.0.0.1", 1883).start();
        assertThatThrownBy(() -> proxy.latency(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("FaultProxy latency must be zero or more, was PT-0.001S");
        assertThatThrownBy(() -> proxy.latency(null))
                .isInstanceOf(NullPointerException.class).hasMessage("oneWay");
        assertThatThrownBy(() -> proxy.upstreamBandwidth(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("FaultProxy upstreamBandwidth must be 0 (no limit) or more bytes per second, was -1");
        assertThatThrownBy(() -> proxy.downstreamBandwidth(-2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("downstreamBandwidth");
        assertThatThrownBy(() -> proxy.bandwidth(-3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bandwidth must be");
        assertThatThrownBy(() -> proxy.uri(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scheme");
    }

    /** The least time {@code bytes} can take at {@code bytesPerSecond}, less a fifth for the burst and timer slack. */
    private static Duration atLeast(long bytes, long bytesPerSecond) {
        return Duration.ofNanos(TimeUnit.SECONDS.toNanos(bytes) / bytesPerSecond * 8 / 10);
    }

    private static Socket connect(FaultProxy proxy) throws IOException {
        Socket socket = new Socket(proxy.host(), proxy.port());
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        return socket;
    }

    private static byte[] roundTrip(Socket socket, byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        byte[] echoed = socket.getInputStream().readNBytes(bytes.length);
        assertThat(echoed).as("echo").isEqualTo(bytes);
        return echoed;
    }

    private static CompletableFuture<Void> writeAsync(Socket socket, byte[] bytes) {
        return CompletableFuture.runAsync(() -> {
            try {
                socket.getOutputStream().write(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Passes when the peer closed or reset the connection; fails when it stays open for 10 s. */
    private static void assertClosedByPeer(Socket socket) throws IOException {
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        try {
            assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection is still open after " + READ_TIMEOUT_MILLIS + " ms", e);
        } catch (IOException reset) {
            assertThat(reset).hasMessageContaining("reset");
        }
    }

    private static Set<String> threadsNamed(String prefix) {
        Set<String> names = ConcurrentHashMap.newKeySet();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(prefix)) {
                names.add(thread.getName());
            }
        }
        return names;
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new Random(count).nextBytes(bytes);
        return bytes;
    }

    /** A server on a free loopback port that serves each connection on a thread of its own. */
    private static final class TestServer implements AutoCloseable {
        @FunctionalInterface
        interface Handler {
            void serve(Socket socket, TestServer server) throws IOException;
        }

        private final ServerSocket listener;
        private final Handler handler;
        private final AtomicInteger accepted = new AtomicInteger();
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicLong received = new AtomicLong();
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

        private TestServer(ServerSocket listener, Handler handler) {
            this.listener = listener;
            this.handler = handler;
        }

        static TestServer start(Handler handler) throws IOException {
            TestServer server = new TestServer(new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1")), handler);
            Thread acceptor = new Thread(server::acceptConnections, "test-server-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            return server;
        }

        /** Sends back what it reads, and half-closes when the client does. */
        static TestServer echo() throws IOException {
            return start((socket, server) -> {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] buffer = new byte[8192];
                for (int count = in.read(buffer); count >= 0; count = in.read(buffer)) {
                    server.received.addAndGet(count);
                    out.write(buffer, 0, count);
                }
                socket.shutdownOutput();
            });
        }

        int port() {
            return listener.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        int openConnections() {
            return open.get();
        }

        long received() {
            return received.get();
        }

        private void acceptConnections() {
            while (true) {
                Socket socket;
                try {
                    socket = listener.accept();
                } catch (IOException closed) {
                    return;
                }
                accepted.incrementAndGet();
                open.incrementAndGet();
                sockets.add(socket);
                Thread connection = new Thread(() -> {
                    try (socket) {
                        handler.serve(socket, this);
                    } catch (IOException e) {
                        // the proxy cut or reset the connection: what some tests do on purpose
                    } finally {
                        sockets.remove(socket);
                        open.decrementAndGet();
                    }
                }, "test-server-connection");
                connection.setDaemon(true);
                connection.start();
            }
        }

        @Override
        public void close() {
            try {
                listener.close();
                for (Socket socket : sockets) {
                    socket.close();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
