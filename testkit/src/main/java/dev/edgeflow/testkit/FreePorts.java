package dev.edgeflow.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on the loopback interface, for peers a test starts itself (an embedded
 * broker, Mosquitto, the Pub/Sub emulator, a fault-injecting proxy).
 *
 * <p>A port is found by binding to port 0 and closing the socket again. Another process may
 * take the port between that and the peer binding it, so a peer that fails to bind should be
 * started once more on a new port rather than the test failing outright.
 *
 * @since 0.1.0
 */
public final class FreePorts {
    private FreePorts() {
    }

    /**
     * Finds one free port on {@code 127.0.0.1}.
     *
     * @return a port number that was free a moment ago
     * @throws UncheckedIOException if the loopback interface cannot be bound at all
     */
    public static int loopbackPort() {
        return loopbackPorts(1).get(0);
    }

    /**
     * Finds several distinct free ports on {@code 127.0.0.1}. All are held open together while
     * they are found, so no two are the same.
     *
     * @param count how many, at least 1
     * @return distinct port numbers that were free a moment ago
     * @throws IllegalArgumentException if {@code count} is below 1
     * @throws UncheckedIOException if the loopback interface cannot be bound at all
     */
    public static List<Integer> loopbackPorts(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("asked for " + count + " free ports: ask for 1 or more");
        }
        List<ServerSocket> held = new ArrayList<>(count);
        try {
            List<Integer> ports = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                held.add(socket);
                // Reuse lets the peer bind at once although this socket's port may linger in TIME_WAIT.
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
                ports.add(socket.getLocalPort());
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a TCP port on the loopback interface "
                    + InetAddress.getLoopbackAddress() + ": " + e.getMessage(), e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a listening socket that accepted nothing does not fail in practice
                }
            }
        }
    }
}
