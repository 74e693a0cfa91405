package dev.edgeflow.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Delivery;
import dev.edgeflow.testkit.RecordingSubscriber;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A broker that sends a new message under a packet identifier the client still holds
 * unacknowledged (what Mosquitto 2.0.11 ends up doing under a backlog, see {@link
 * ClientSession.PacketIdentifierReuse}) stops the source with an error that names the broker and
 * the fix, and the source does not reconnect to have it happen again. The broker is scripted
 * byte by byte on a loopback socket, so the fault is exact.
 */
class PacketIdentifierReuseTest {
    private ScriptedBroker broker;

    @AfterEach
    void stop() throws IOException {
        if (broker != null) {
            broker.close();
        }
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(MqttVersion.class)
    void stopsTheSourceNamingTheBrokerAndTheFixWithoutReconnecting(MqttVersion version) throws Exception {
        broker = new ScriptedBroker(version);
        MqttSource source = MqttSource.builder()
                .connection(MqttConnection.builder().serverUri("mqtt://127.0.0.1:" + broker.port())
                        .clientId("reuse-reader").version(version)
                        .reconnect(Duration.ofMillis(50), Duration.ofMillis(200)).build())
                .subscribe("sensor/#").build();
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.recording(); // never acknowledges
        try {
            source.subscribe(subscriber);
            subscriber.request(10);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> subscriber.error().isPresent());

            // The first message under identifier 7 may or may not reach the subscriber before the
            // client closes; the second never does.
            assertThat(subscriber.count()).isLessThanOrEqualTo(1);
            Throwable error = subscriber.error().get();
            assertThat(error).isInstanceOf(MqttConnectionException.class)
                    .hasMessageContaining("mqtt://127.0.0.1:" + broker.port())
                    .hasMessageContaining("reuse-reader")
                    .hasMessageContaining("packet identifier")
                    .hasMessageContaining("max_inflight_messages 1");
            assertThat(((MqttConnectionException) error).isPermanent()).isTrue();
            // Well past the reconnect delay, the client has not come back for more of the same.
            Awaitility.await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(5))
                    .until(() -> broker.connections() == 1);
        } finally {
            source.close();
        }
    }

    /**
     * Answers CONNECT and SUBSCRIBE, then sends two QoS 1 PUBLISH packets with packet
     * identifier 7, the second without the DUP flag. Counts the connections it accepts.
     */
    private static final class ScriptedBroker implements AutoCloseable {
        private final ServerSocket server;
        private final boolean v5;
        private final AtomicInteger connections = new AtomicInteger();
        private final Thread thread;

        ScriptedBroker(MqttVersion version) throws IOException {
            this.v5 = version == MqttVersion.MQTT_5;
            this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            this.thread = new Thread(this::serve, "scripted-broker");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int connections() {
            return connections.get();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    connections.incrementAndGet();
                    DataInputStream in = new DataInputStream(socket.getInputStream());
                    OutputStream out = socket.getOutputStream();
                    readPacket(in); // CONNECT
                    out.write(v5 ? new byte[] {0x20, 3, 0, 0, 0} : new byte[] {0x20, 2, 0, 0});
                    byte[] subscribe = readPacket(in);
                    if (subscribe == null) {
                        continue;
                    }
                    out.write(v5 ? new byte[] {(byte) 0x90, 4, subscribe[0], subscribe[1], 0, 1}
                            : new byte[] {(byte) 0x90, 3, subscribe[0], subscribe[1], 1});
                    out.write(publish(7, "{\"n\":1}"));
                    out.write(publish(7, "{\"n\":2}")); // a new message under the same identifier, no DUP
                    out.flush();
                    while (readPacket(in) != null) {
                        // whatever the client sends until it closes
                    }
                } catch (IOException e) {
                    // the client closed the connection, or the test closed the server
                }
            }
        }

        private byte[] publish(int packetId, String payload) {
            byte[] topic = "sensor/pi-1".getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(topic.length >> 8);
            body.write(topic.length);
            body.writeBytes(topic);
            body.write(packetId >> 8);
            body.write(packetId);
            if (v5) {
                body.write(0); // no properties
            }
            body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream packet = new ByteArrayOutputStream();
            packet.write(0x32); // PUBLISH, QoS 1, DUP 0, RETAIN 0
            packet.write(body.size()); // under 128: one length byte
            packet.writeBytes(body.toByteArray());
            return packet.toByteArray();
        }

        /** Reads one packet and returns its variable header and payload, or null at the end of the stream. */
        private static byte[] readPacket(DataInputStream in) throws IOException {
            int type = in.read();
            if (type < 0) {
                return null;
            }
            int length = 0;
            int shift = 0;
            int b;
            do {
                b = in.readUnsignedByte();
                length |= (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            byte[] body = new byte[length];
            in.readFully(body);
            return body;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
