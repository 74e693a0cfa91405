package dev.edgeflow.testkit.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits until a server started by a test accepts TCP connections. */
public final class PortProbe {
    private static final int CONNECT_TIMEOUT_MILLIS = 250;
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private PortProbe() {
    }

    /**
     * Tells whether a port accepts a TCP connection now. The connection is closed at once.
     *
     * @param host the host
     * @param port the port
     * @return true if a connection was accepted
     */
    public static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits until a port accepts a TCP connection, the server gives up, or the time is over.
     *
     * @param host the host
     * @param port the port
     * @param timeout how long to wait at most
     * @param serverAlive asked between tries; waiting ends early when it answers false
     * @return true if the port accepted a connection, false on timeout, death of the server or interrupt
     */
    public static boolean awaitAccepting(String host, int port, Duration timeout, BooleanSupplier serverAlive) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (accepts(host, port)) {
                return true;
            }
            if (!serverAlive.getAsBoolean() || System.nanoTime() - deadline >= 0
                    || Thread.currentThread().isInterrupted()) {
                return false;
            }
            // A server binds within milliseconds once it gets there; polling is the only way to see it.
            LockSupport.parkNanos(PAUSE_NANOS);
        }
    }
}
