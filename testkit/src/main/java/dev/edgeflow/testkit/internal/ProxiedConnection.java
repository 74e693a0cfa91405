package dev.edgeflow.testkit.internal;

import dev.edgeflow.testkit.FaultProxy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection through a {@code FaultProxy}, with its own connection to the target.
 *
 * <p>Each direction has a reader and a writer thread, four threads in all. The reader takes what
 * arrives (as far as the bandwidth limit lets it) and hands it over with a time stamp; the writer
 * sends each chunk once the latency has passed since. So latency delays the data without slowing
 * reads, and chunks keep their order. At most {@value #WINDOW_BYTES} bytes wait in the proxy each
 * way, like a TCP window: beyond that the reader stops, the kernel's buffers fill, and the sender
 * feels the back pressure of a slow path.
 *
 * <p>End of stream travels like data, behind the last chunk, and half-closes the other side
 * ({@link Socket#shutdownOutput()}); the connection closes once both directions have ended. Any
 * error on either socket resets both.
 */
public final class ProxiedConnection {
    /** Read buffer per direction. */
    public static final int BUFFER_BYTES = 32 * 1024;
    /** Bytes held in the proxy per direction, at most (one chunk more when a reader hands over). */
    public static final int WINDOW_BYTES = 1024 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /** The proxy's logger, so that its DEBUG level shows every connection too. */
    private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);

    /** Starts the connection's threads as the proxy wants them: named, daemon, joined on close. */
    @FunctionalInterface
    public interface ThreadStarter {
        /**
         * Starts a thread.
         *
         * @param role what the thread does within the connection, such as {@code upstream-read},
         *     for its name
         * @param body what it runs
         * @return the started thread
         */
        Thread start(String role, Runnable body);
    }

    private final String name;
    private final Socket client;
    private final Socket target = new Socket();
    private final String targetHost;
    private final int targetPort;
    private final ThreadStarter threads;
    private final Consumer<ProxiedConnection> onClose;
    private final Pipe upstream;
    private final Pipe downstream;
    private final Object lifecycle = new Object();
    private final List<Thread> started = new ArrayList<>(4);
    private boolean closed;
    private int endedDirections;

    /**
     * Takes over an accepted client connection; {@link #start()} connects it to the target.
     *
     * @param name the connection's name in logs, such as {@code fault proxy bridge connection #3}
     * @param client the accepted socket
     * @param targetHost where to connect
     * @param targetPort where to connect
     * @param faults the proxy's faults and counters
     * @param threads starts the four threads, named after the proxy and the connection
     * @param onClose told once, when the connection has closed
     */
    public ProxiedConnection(String name, Socket client, String targetHost, int targetPort, ProxyFaults faults,
            ThreadStarter threads, Consumer<ProxiedConnection> onClose) {
        this.name = name;
        this.client = client;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.threads = threads;
        this.onClose = onClose;
        this.upstream = new Pipe("upstream", client, target, faults, faults.upstreamBandwidth(), faults.bytesUpstream());
        this.downstream = new Pipe("downstream", target, client, faults, faults.downstreamBandwidth(),
                faults.bytesDownstream());
    }

    /** Connects to the target and starts forwarding, on the connection's own threads; returns at once. */
    public void start() {
        synchronized (lifecycle) {
            started.add(threads.start("upstream-read", this::connectAndForward));
        }
    }

    /** Wakes the threads that wait, so that they apply the faults as they are now. */
    public void faultsChanged() {
        upstream.wake();
        downstream.wake();
    }

    /**
     * Closes both sockets, with a reset (RST) when asked, and ends the threads. Data held in the
     * proxy is dropped. Calling it again does nothing.
     *
     * @param reset true to reset both connections, false to close them in order
     */
    public void close(boolean reset) {
        List<Thread> running;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            running = List.copyOf(started);
        }
        if (reset) {
            resetOnClose(client);
            resetOnClose(target);
        }
        closeQuietly(client);
        closeQuietly(target);
        upstream.stop();
        downstream.stop();
        for (Thread thread : running) {
            if (thread != Thread.currentThread()) {
                // Ends waits for the bandwidth limit; closed sockets end blocked reads and writes.
                thread.interrupt();
            }
        }
        LOG.debug("{}: closed{}", name, reset ? " with a reset" : "");
        onClose.accept(this);
    }

    /**
     * Describes the connection by its name.
     *
     * @return the name
     */
    @Override
    public String toString() {
        return name;
    }

    private void connectAndForward() {
        try {
            client.setTcpNoDelay(true);
            target.setTcpNoDelay(true);
            target.connect(new InetSocketAddress(targetHost, targetPort), CONNECT_TIMEOUT_MILLIS);
        } catch (IOException | RuntimeException e) {
            if (!isClosed()) {
                LOG.debug("{}: cannot connect to the target {}:{} ({}); resetting the client's connection", name,
                        targetHost, targetPort, e.toString());
            }
            close(true);
            return;
        }
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            started.add(threads.start("upstream-write", upstream::write));
            started.add(threads.start("downstream-read", downstream::read));
            started.add(threads.start("downstream-write", downstream::write));
        }
        LOG.debug("{}: {} connected to {}:{} through {}", name, client.getRemoteSocketAddress(), targetHost,
                targetPort, target.getLocalSocketAddress());
        upstream.read();
    }

    private boolean isClosed() {
        synchronized (lifecycle) {
            return closed;
        }
    }

    private void directionEnded() {
        boolean both;
        synchronized (lifecycle) {
            both = ++endedDirections == 2;
        }
        if (both) {
            close(false);
        }
    }

    private void failed(String what, Exception e) {
        if (isClosed()) {
            return; // the socket failed because the connection was closed on purpose
        }
        LOG.debug("{}: {} failed ({}); resetting both sides", name, what, e.toString());
        close(true);
    }

    private static void resetOnClose(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed: nothing left to reset
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // the socket is released either way
        }
    }

    /** A chunk of data read at {@code heldAt}, or the end of the stream when {@code bytes} is null. */
    private record Chunk(byte[] bytes, long heldAt) {
        int length() {
            return bytes == null ? 0 : bytes.length;
        }
    }

    /** One direction: a reader that holds chunks, and a writer that sends them once due. */
    private final class Pipe {
        private final String direction;
        private final Socket from;
        private final Socket to;
        private final ProxyFaults faults;
        private final TokenBucket bandwidth;
        private final LongAdder delivered;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final ArrayDeque<Chunk> held = new ArrayDeque<>();
        private long heldBytes;
        private boolean stopped;

        Pipe(String direction, Socket from, Socket to, ProxyFaults faults, TokenBucket bandwidth, LongAdder delivered) {
            this.direction = direction;
            this.from = from;
            this.to = to;
            this.faults = faults;
            this.bandwidth = bandwidth;
            this.delivered = delivered;
        }

        void read() {
            try {
                InputStream in = from.getInputStream();
                byte[] buffer = new byte[BUFFER_BYTES];
                while (true) {
                    // Waiting before the read leaves what arrives meanwhile in the kernel's buffers.
                    awaitForwarding();
                    int count = in.read(buffer, 0, bandwidth.chunkSize(buffer.length));
                    if (count < 0) {
                        hold(null);
                        return;
                    }
                    bandwidth.take(count);
                    hold(Arrays.copyOf(buffer, count));
                }
            } catch (IOException | RuntimeException e) {
                failed(direction + " read", e);
            } catch (InterruptedException e) {
                // the connection closed and interrupted the wait; nothing is left to forward
            }
        }

        void write() {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk chunk = nextDue();
                    if (chunk == null) {
                        return;
                    }
                    if (chunk.bytes() == null) {
                        to.shutdownOutput();
                        directionEnded();
                        return;
                    }
                    out.write(chunk.bytes());
                    delivered.add(chunk.length());
                }
            } catch (IOException | RuntimeException e) {
                failed(direction + " write", e);
            } catch (InterruptedException e) {
                // the connection closed and interrupted the wait; nothing is left to forward
            }
        }

        private void awaitForwarding() throws InterruptedException {
            lock.lockInterruptibly();
            try {
                while (faults.paused() && !stopped) {
                    changed.await();
                }
            } finally {
                lock.unlock();
            }
        }

        /** Hands a chunk to the writer, once not paused and the window has room. */
        private void hold(byte[] bytes) throws InterruptedException {
            lock.lockInterruptibly();
            try {
                while (!stopped && (faults.paused() || heldBytes >= WINDOW_BYTES)) {
                    changed.await();
                }
                if (stopped) {
                    return;
                }
                Chunk chunk = new Chunk(bytes, System.nanoTime());
                held.add(chunk);
                heldBytes += chunk.length();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Waits for the oldest chunk to be due under the latency as it is now; null once stopped. */
        private Chunk nextDue() throws InterruptedException {
            lock.lockInterruptibly();
            try {
                while (!stopped) {
                    Chunk head = held.peek();
                    if (head == null || faults.paused()) {
                        changed.await();
                        continue;
                    }
                    // Subtracting the age, not adding to the time stamp, cannot overflow for long latencies.
                    long wait = faults.latencyNanos() - (System.nanoTime() - head.heldAt());
                    if (wait > 0) {
                        changed.awaitNanos(wait);
                        continue;
                    }
                    held.remove();
                    heldBytes -= head.length();
                    changed.signalAll();
                    return head;
                }
                return null;
            } finally {
                lock.unlock();
            }
        }

        void wake() {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void stop() {
            lock.lock();
            try {
                stopped = true;
                held.clear();
                heldBytes = 0;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
