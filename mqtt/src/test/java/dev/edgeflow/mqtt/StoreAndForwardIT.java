package dev.edgeflow.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.OverflowPolicy;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.Qos;
import dev.edgeflow.testkit.FaultProxy;
import dev.edgeflow.testkit.TestMessages;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT bridge under real faults: broker processes stopped and restarted mid-stream, a slow
 * link made by the testkit's {@link FaultProxy}. Messages are counted at the target by their
 * sequence numbers: every one must arrive, first copies in order; duplicates are counted.
 */
class StoreAndForwardIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    /**
     * Broker A (Mosquitto with persistence) holds a backlog for the bridge's persistent session
     * and is restarted while the bridge is forwarding it: A writes the session, its queue and
     * what was in flight to the bridge, and sends them again when the bridge reconnects.
     */
    @Test
    void aSourceBrokerRestartMidStreamLosesNothing() throws Exception {
        int count = 10_000;
        // A window of 1: Mosquitto 2.0.11 keeps that one (see docs/mqtt.md), so the backlog stays in A
        // instead of being pushed into the bridge's client, and the restart is A's to survive.
        try (MosquittoBroker a = MosquittoBroker.builder().persistence(true).maxInflightMessages(1)
                        .maxQueuedMessages(100_000).start();
                EmbeddedMqttBroker b = EmbeddedMqttBroker.builder().start();
                // About 1 200 msg/s towards B, so that A still holds most of the backlog when it restarts.
                FaultProxy slowLink = FaultProxy.to(b.host(), b.port()).name("to-b").start()
                        .upstreamBandwidth(150_000);
                TestClient counter = TestClient.connect(b.uri()).subscribe("sensor/#", Qos.AT_LEAST_ONCE)) {
            MqttSource source = bridgeSource(a.uri(), "restart-bridge-in");
            MqttSink sink = MqttSink.builder().connection(bridgeConnection(slowLink.uri("mqtt"), "restart-bridge-out"))
                    .build();
            Pipeline bridge = Pipeline.from(source).name("restart-bridge").to(sink).start();
            try {
                source.awaitReady(WAIT);
                try (TestClient device = TestClient.connect(a.uri())) {
                    device.publish(TestMessages.readings("sensor/pi-1", 0, count), Qos.AT_LEAST_ONCE);
                }
                Awaitility.await().atMost(WAIT).until(() -> counter.received().size() >= 1_000);
                a.restart();
                int before = counter.received().size();

                Awaitility.await().atMost(WAIT).alias("every message at B after A's restart")
                        .until(() -> distinct(counter.received()).size() == count);
                Checked checked = check(counter.received(), count);
                assertThat(checked.missing).as("lost").isEmpty();
                assertThat(checked.outOfOrder).as("first copies out of order").isEmpty();
                assertThat(before).as("the restart came mid-stream").isLessThan(count);
                assertThat(a.log().split("connected from .* as restart-bridge-in", -1).length - 1)
                        .as("the bridge connected to A again after the restart").isGreaterThanOrEqualTo(2);
                System.out.printf("StoreAndForwardIT source restart: %d messages, %d arrived before the restart, "
                        + "%d duplicates at B%n", count, before, checked.duplicates);
            } finally {
                bridge.stop(Duration.ofSeconds(5));
                source.close();
                sink.close();
            }
        }
    }

    /**
     * The cloud side goes away: broker B's process is stopped for 30 seconds while 50 000 QoS 1
     * messages flow through the bridge, then started again. The bridge's spool takes the
     * messages meanwhile (A is acknowledged at disk speed and holds no backlog), and replays
     * them when B is back.
     */
    @Test
    void aTargetBrokerDownForThirtySecondsLosesNothing(@TempDir Path spoolDir) throws Exception {
        int count = 50_000;
        int topics = 4;
        int window = 256;
        try (MosquittoBroker a = MosquittoBroker.builder().maxQueuedMessages(100_000).start();
                MosquittoBroker b = MosquittoBroker.builder().persistence(true).maxQueuedMessages(200_000).start();
                TestClient counter = TestClient.connectPersistent(b.uri(), "outage-counter")
                        .subscribe("sensor/#", Qos.AT_LEAST_ONCE)) {
            MqttSource source = bridgeSource(a.uri(), "outage-bridge-in");
            MqttSink sink = MqttSink.builder().connection(bridgeConnection(b.uri(), "outage-bridge-out"))
                    .name("cloud").build();
            Pipeline bridge = Pipeline.from(source).name("outage-bridge").to(sink)
                    .buffer(1024, OverflowPolicy.SPOOL).spool(spoolDir).maxInFlight(window).start();
            ExecutorService publisher = Executors.newSingleThreadExecutor();
            try {
                source.awaitReady(WAIT);
                // 50 000 readings over about 30 seconds, in chunks of 500, round-robin over 4 topics.
                Future<?> publishing = publisher.submit(() -> {
                    try (TestClient device = TestClient.connect(a.uri())) {
                        for (int first = 0; first < count; first += 500) {
                            long started = System.nanoTime();
                            List<Message> chunk = new ArrayList<>();
                            for (int i = first; i < first + 500; i++) {
                                chunk.add(TestMessages.reading("sensor/pi-" + (i % topics), i));
                            }
                            device.publish(chunk, Qos.AT_LEAST_ONCE);
                            LockSupport.parkNanos(started + 300_000_000L - System.nanoTime()); // the pace
                        }
                    }
                    return null;
                });
                Awaitility.await().atMost(WAIT).until(() -> counter.received().size() >= 5_000);
                b.stop();
                long stoppedAt = System.nanoTime();
                // While B is down the bridge keeps taking from A into its spool.
                Awaitility.await().atMost(WAIT).until(() -> bridge.spoolStats().get(sink.name()).records() >= 10_000);
                LockSupport.parkNanos(stoppedAt + 30_000_000_000L - System.nanoTime()); // the 30 s outage
                long heldAtRestart = bridge.spoolStats().get(sink.name()).records();
                b.restart();
                publishing.get(WAIT.toSeconds(), TimeUnit.SECONDS);

                Awaitility.await().atMost(WAIT).alias("every message at B after its restart")
                        .until(() -> distinct(counter.received()).size() == count);
                List<Message> arrived = counter.received();
                for (int t = 0; t < topics; t++) {
                    String topic = "sensor/pi-" + t;
                    List<Message> onTopic = arrived.stream().filter(m -> m.topic().equals(topic))
                            .collect(Collectors.toList());
                    Checked checked = check(onTopic, count, t, topics);
                    assertThat(checked.missing).as("lost on " + topic).isEmpty();
                    assertThat(checked.outOfOrder).as("first copies out of order on " + topic).isEmpty();
                }
                int duplicates = arrived.size() - count;
                // The bridge resends at most its window to B; B may resend its own window (Mosquitto's
                // default max_inflight_messages, 20) to the counter when both come back.
                assertThat(duplicates).as("duplicates, at most the bridge's window towards B")
                        .isLessThanOrEqualTo(window + 20);
                assertThat(heldAtRestart).as("the spool held the outage's messages").isGreaterThanOrEqualTo(10_000);
                System.out.printf("StoreAndForwardIT target outage: %d messages, %d held in the spool when B came back, "
                        + "%d duplicates at B%n", count, heldAtRestart, duplicates);
            } finally {
                publisher.shutdownNow();
                bridge.stop(Duration.ofSeconds(5));
                source.close();
                sink.close();
            }
        }
    }

    /**
     * The bridge crashes: it runs in a child JVM that is killed with SIGKILL mid-stream and
     * started again on the same spool. Every message broker A had acknowledged to the bridge
     * was in the spool and arrives at B; what A had not, A sends again.
     */
    @Test
    void aBridgeKilledMidStreamLosesNothingThatItAcknowledged(@TempDir Path spoolDir) throws Exception {
        int count = 20_000;
        try (MosquittoBroker a = MosquittoBroker.builder().maxQueuedMessages(100_000).start();
                EmbeddedMqttBroker b = EmbeddedMqttBroker.builder().start();
                // About 1 200 msg/s towards B: the spool holds a backlog acknowledged to A when the bridge dies.
                FaultProxy slowLink = FaultProxy.to(b.host(), b.port()).name("to-b").start()
                        .upstreamBandwidth(150_000);
                TestClient counter = TestClient.connect(b.uri()).subscribe("sensor/#", Qos.AT_LEAST_ONCE)) {
            BridgeProcess first = BridgeProcess.start(a.uri(), slowLink.uri("mqtt"), spoolDir);
            BridgeProcess second = null;
            try {
                first.awaitLine("ready");
                try (TestClient device = TestClient.connect(a.uri())) {
                    device.publish(TestMessages.readings("sensor/pi-1", 0, count), Qos.AT_LEAST_ONCE);
                }
                Awaitility.await().atMost(WAIT).until(() -> counter.received().size() >= 3_000);
                first.kill();
                int before = counter.received().size();

                second = BridgeProcess.start(a.uri(), slowLink.uri("mqtt"), spoolDir);
                String spooled = second.awaitLine("spooled ");
                second.awaitLine("ready");
                Awaitility.await().atMost(WAIT).alias("every message at B after the bridge's restart")
                        .until(() -> distinct(counter.received()).size() == count);
                Checked checked = check(counter.received(), count, 0, 1);
                assertThat(checked.missing).as("lost").isEmpty();
                long held = Long.parseLong(spooled.substring("spooled ".length()).trim());
                assertThat(held).as("messages acknowledged to A that only the spool had").isPositive();
                assertThat(before).as("the kill came mid-stream").isLessThan(count);
                System.out.printf("StoreAndForwardIT crash: %d messages, %d at B before the kill, %d in the spool "
                        + "at restart, %d duplicates at B%n", count, before, held, checked.duplicates);
            } finally {
                first.kill();
                if (second != null) {
                    second.kill();
                }
            }
        }
    }

    /**
     * A damaged spool: the bridge holds messages acknowledged to A in its spool (the link to B
     * is stalled), is killed, and its segment is damaged: bytes flipped in the middle and the
     * last record cut in half. The restarted bridge delivers every intact record and reports the
     * damage with the segment and offset.
     */
    @Test
    void aDamagedSpoolDeliversEveryIntactRecordAfterARestart(@TempDir Path spoolDir) throws Exception {
        int count = 2_000;
        try (MosquittoBroker a = MosquittoBroker.builder().maxQueuedMessages(100_000).start();
                EmbeddedMqttBroker b = EmbeddedMqttBroker.builder().start();
                FaultProxy link = FaultProxy.to(b.host(), b.port()).name("to-b").start();
                TestClient counter = TestClient.connect(b.uri()).subscribe("sensor/#", Qos.AT_LEAST_ONCE)) {
            link.pause();
            BridgeProcess first = BridgeProcess.start(a.uri(), link.uri("mqtt"), spoolDir);
            BridgeProcess second = null;
            try {
                first.awaitLine("ready");
                try (TestClient device = TestClient.connect(a.uri())) {
                    device.publish(TestMessages.readings("sensor/pi-1", 0, count), Qos.AT_LEAST_ONCE);
                }
                // Every message is in the spool and acknowledged to A, so A sends none of them again,
                // except perhaps the last ones, whose acknowledgements may not have reached A yet.
                first.awaitLine("holding " + count + " acknowledged " + count);
                first.kill();

                List<Path> segments;
                try (var files = java.nio.file.Files.list(spoolDir.resolve("target"))) {
                    segments = files.filter(f -> f.toString().endsWith(".seg")).sorted().collect(Collectors.toList());
                }
                Path segment = segments.get(segments.size() - 1);
                try (var ch = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.READ,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    long middle = ch.size() / 2;
                    java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
                    ch.read(one, middle);
                    one.put(0, (byte) ~one.get(0)).rewind();
                    ch.write(one, middle);
                    ch.truncate(ch.size() - 40); // a record is about 150 bytes: the last one cut in half
                }

                link.resume();
                second = BridgeProcess.start(a.uri(), link.uri("mqtt"), spoolDir);
                second.awaitLine("ready");
                BridgeProcess restarted = second;
                Awaitility.await().atMost(WAIT).alias("the restarted bridge's spool forwarded")
                        .until(() -> restarted.lines.stream().anyMatch(l -> l.startsWith("holding 0 "))
                                && counter.received().size() >= count - 3);
                Checked checked = check(counter.received(), count);
                // Missing: the record with the flipped byte (two if the byte hit a record's header
                // and the scan resumed past the next one), and the cut last record, unless A sends
                // them again: the kill can come before their acknowledgements have left the
                // bridge's socket (seen on a loaded machine, where A then sent every damaged record
                // again). That the damage was found is asserted on the bridge's log below.
                assertThat(checked.missing).as("the damaged records, and only those").hasSizeBetween(0, 3)
                        .allMatch(i -> i == count - 1 || Math.abs(i - count / 2) < count / 10);
                // A record A sends again goes into the spool behind the ones already there, so it
                // arrives late: only such records may be out of order.
                assertThat(checked.outOfOrder).as("first copies out of order: only damaged records A sent again")
                        .hasSizeLessThanOrEqualTo(3).allMatch(i -> i == count - 1 || Math.abs(i - count / 2) < count / 10);
                assertThat(restarted.errors()).as("the restarted bridge's log")
                        .contains(segment.getFileName().toString()).contains("damaged bytes at offset")
                        .contains("unfinished record");
                System.out.printf("StoreAndForwardIT damaged spool: %d messages spooled, %d delivered after the restart, "
                        + "missing %s%n", count, count - checked.missing.size(), checked.missing);
            } finally {
                first.kill();
                if (second != null) {
                    second.kill();
                }
            }
        }
    }

    /** {@link SpoolBridgeMain} in a child JVM with this test's class path. */
    private static final class BridgeProcess {
        private final Process process;
        private final Path errors;
        private final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

        private BridgeProcess(Process process, Path errors) {
            this.process = process;
            this.errors = errors;
            Thread reader = new Thread(() -> {
                try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                        java.nio.charset.StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (java.io.IOException e) {
                    // the process ended
                }
            }, "bridge-process-output");
            reader.setDaemon(true);
            reader.start();
        }

        static BridgeProcess start(String sourceUri, String targetUri, Path spoolDir) throws java.io.IOException {
            String javaCommand = ProcessHandle.current().info().command().orElse("java");
            Path errors = java.nio.file.Files.createTempFile("bridge-process", ".log");
            errors.toFile().deleteOnExit();
            Process p = new ProcessBuilder(javaCommand, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                    SpoolBridgeMain.class.getName(), sourceUri, targetUri, spoolDir.toString())
                    .redirectError(errors.toFile())
                    .start();
            return new BridgeProcess(p, errors);
        }

        /** What the process logged (its standard error). */
        String errors() throws java.io.IOException {
            return java.nio.file.Files.readString(errors);
        }

        String awaitLine(String prefix) {
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                    .alias("the bridge process printing '" + prefix + "'")
                    .until(() -> lines.stream().anyMatch(l -> l.startsWith(prefix)) || !process.isAlive());
            return lines.stream().filter(l -> l.startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("the bridge process ended (exit "
                            + process.exitValue() + ") without printing '" + prefix + "'; it printed " + lines));
        }

        /** SIGKILL: no shutdown hook, no flush, no cursor saved. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A bridge end's connection: persistent session under the client id, MQTT 3.1.1 (what
     * Mosquitto 2.0.11 keeps its window for), quick reconnects for brokers that restart.
     */
    static MqttConnection bridgeConnection(String uri, String clientId) {
        return MqttConnection.builder().serverUri(uri).clientId(clientId).version(MqttVersion.MQTT_3_1_1)
                .reconnect(Duration.ofMillis(100), Duration.ofSeconds(1)).build();
    }

    /** The bridge's source: {@code sensor/#} at QoS 1 on {@link #bridgeConnection(String, String)}. */
    static MqttSource bridgeSource(String uri, String clientId) {
        return MqttSource.builder().connection(bridgeConnection(uri, clientId)).subscribe("sensor/#").build();
    }

    private static Set<Integer> distinct(List<Message> messages) {
        return new HashSet<>(TestMessages.sequencesOf(messages));
    }

    /** What arrived: missing sequence numbers, duplicates, first copies that came after a higher one. */
    private record Checked(List<Integer> missing, int duplicates, List<Integer> outOfOrder) {
    }

    private static Checked check(List<Message> arrived, int count) {
        return check(arrived, count, 0, 1);
    }

    /** As {@link #check(List, int)} for the sequence numbers {@code first, first + step, ...} below {@code count}. */
    private static Checked check(List<Message> arrived, int count, int first, int step) {
        Set<Integer> seen = new HashSet<>();
        int duplicates = 0;
        List<Integer> outOfOrder = new ArrayList<>();
        int last = -1;
        for (int sequence : TestMessages.sequencesOf(arrived)) {
            if (!seen.add(sequence)) {
                duplicates++;
            } else {
                if (sequence < last) {
                    outOfOrder.add(sequence);
                }
                last = sequence;
            }
        }
        List<Integer> missing = new ArrayList<>();
        for (int i = first; i < count; i += step) {
            if (!seen.contains(i)) {
                missing.add(i);
            }
        }
        return new Checked(missing, duplicates, outOfOrder);
    }
}
