package dev.edgeflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void findsDistinctPortsThatCanBeBoundOnLoopback() throws Exception {
        List<Integer> ports = FreePorts.loopbackPorts(3);

        assertThat(ports).doesNotHaveDuplicates().allSatisfy(p -> assertThat(p).isBetween(1, 65535));
        for (int port : ports) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                assertThat(socket.getLocalPort()).isEqualTo(port);
            }
        }
    }
}
