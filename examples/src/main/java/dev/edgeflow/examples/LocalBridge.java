package dev.edgeflow.examples;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.OverflowPolicy;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.StopReport;
import dev.edgeflow.core.TopicRewrite;
import dev.edgeflow.core.spool.SpoolStats;
import dev.edgeflow.mqtt.MqttConnection;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tutorial's local bridge with an MQTT target: everything on {@code sensor/#} and
 * {@code device/+/status} at the local broker goes, wrapped in the tutorial's envelope
 * ({@link BridgeEnvelope}), to a second broker under a topic prefix. At least once: a message is
 * acknowledged to the local broker only when the target broker has confirmed it.
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.LocalBridge
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.LocalBridge \
 *     -Dexec.args="--source mqtt://localhost:1883 --target mqtt://cloud-gw:1883 --prefix site-7/"
 * </pre>
 *
 * <p>With no {@code --source}, it starts two embedded brokers and a few simulated devices
 * publishing to the first, so it runs on a machine with only a JDK. Every
 * {@code --status-interval} seconds it prints the tutorial's status line (received, forwarded,
 * errors) plus dropped and in flight; Ctrl-C drains and prints the totals.
 *
 * <p>With {@code --spool DIR} it is a store-and-forward bridge ({@code OverflowPolicy.SPOOL}):
 * the local broker's messages are acknowledged once they are on disk in {@code DIR}, and sent
 * to the target from there, in order, when it is reachable; the status line then shows how
 * many messages the spool holds and the age of the oldest.
 */
public final class LocalBridge {
    private static final Logger LOG = LoggerFactory.getLogger("edgeflow.bridge");
    static final List<String> TOPICS = List.of("sensor/#", "device/+/status");

    private LocalBridge() {
    }

    /**
     * Runs the bridge.
     *
     * @param args {@code --source URI}, {@code --target URI}, {@code --prefix P},
     *     {@code --client-id ID}, {@code --duration S}, {@code --status-interval S}, {@code --spool DIR}
     * @throws Exception if it cannot start
     */
    public static void main(String[] args) throws Exception {
        String source = null;
        String target = null;
        String prefix = "bridge/";
        String clientId = "edgeflow-local-bridge";
        long duration = 0;
        long statusSeconds = 10;
        Path spool = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--source": source = require(args[i], value); i++; break;
                case "--target": target = require(args[i], value); i++; break;
                case "--prefix": prefix = require(args[i], value); i++; break;
                case "--client-id": clientId = require(args[i], value); i++; break;
                case "--duration": duration = Long.parseLong(require(args[i], value)); i++; break;
                case "--status-interval": statusSeconds = Long.parseLong(require(args[i], value)); i++; break;
                case "--spool": spool = Path.of(require(args[i], value)); i++; break;
                default:
                    System.err.println("unknown argument " + args[i] + "; usage: LocalBridge [--source mqtt://host:1883] "
                            + "[--target mqtt://host:1883] [--prefix bridge/] [--client-id id] [--duration s] "
                            + "[--status-interval s] [--spool dir]");
                    System.exit(2);
            }
        }
        if ((source == null) != (target == null)) {
            System.err.println("give both --source and --target, or neither for the embedded brokers");
            System.exit(2);
        }

        List<AutoCloseable> resources = new ArrayList<>();
        DemoDevices devices = null;
        if (source == null) {
            EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
            resources.add(local);
            EmbeddedMqttBroker cloud = EmbeddedMqttBroker.builder().start();
            resources.add(cloud);
            source = local.uri();
            target = cloud.uri();
            LOG.info("embedded brokers: local {} and target {}; simulated devices publish to the local one",
                    source, target);
        }
        Bridge bridge = Bridge.start(source, target, prefix, clientId, spool);
        if (resources.size() == 2) {
            // Devices start once the bridge's subscription stands: a broker drops what nobody subscribes to.
            bridge.source.awaitReady(Duration.ofSeconds(30));
            devices = DemoDevices.start(source);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        DemoDevices publisher = devices;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (publisher != null) {
                publisher.close();
            }
            bridge.stopAndPrint();
            closeAll(resources);
            stopped.countDown();
        }, "edgeflow-bridge-shutdown"));
        long deadline = duration > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(duration) : Long.MAX_VALUE;
        while (System.nanoTime() < deadline && !stopped.await(
                Math.min(statusSeconds, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()))),
                TimeUnit.SECONDS)) {
            System.out.println(statusLine("Bridge status", bridge.pipeline.stats())
                    + spoolStatus(bridge.pipeline.spoolStats()));
        }
        System.exit(0); // runs the shutdown hook: drain, totals, brokers closed
    }

    private static String require(String flag, String value) {
        if (value == null) {
            System.err.println(flag + " needs a value");
            System.exit(2);
        }
        return value;
    }

    static String statusLine(String label, PipelineStats s) {
        return String.format(Locale.ROOT, "%s: received=%d, forwarded=%d, errors=%d, dropped=%d, in-flight=%d",
                label, s.received(), s.forwarded(), s.failed() + s.deadLettered(), s.dropped(), s.inFlight());
    }

    static String spoolStatus(Map<String, SpoolStats> spools) {
        StringBuilder b = new StringBuilder();
        spools.forEach((sink, st) -> b.append(String.format(Locale.ROOT, ", spooled=%d (%d KiB, oldest %d s)",
                st.records(), st.bytes() / 1024, st.oldestRecordAge().toSeconds())));
        return b.toString();
    }

    /** Closes in reverse order, logging (not throwing) what fails; the Pub/Sub examples use it too. */
    static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", resources.get(i), e.toString());
            }
        }
    }

    /** The bridge itself: a source on the local broker, one pipeline, a sink on the target. */
    static final class Bridge {
        final MqttSource source;
        final MqttSink sink;
        final Pipeline pipeline;
        private boolean stopped;

        private Bridge(MqttSource source, MqttSink sink, Pipeline pipeline) {
            this.source = source;
            this.sink = sink;
            this.pipeline = pipeline;
        }

        static Bridge start(String sourceUri, String targetUri, String prefix, String clientId, Path spool) {
            MqttSource.Builder sb = MqttSource.builder()
                    .connection(MqttConnection.builder().serverUri(sourceUri).clientId(clientId).build())
                    .qos(Qos.AT_LEAST_ONCE);
            TOPICS.forEach(sb::subscribe);
            MqttSource source = sb.build();
            MqttSink sink = MqttSink.builder()
                    .connection(MqttConnection.builder().serverUri(targetUri).clientId(clientId + "-out").build())
                    .build();
            Pipeline.Builder p = Pipeline.from(source).name("local-bridge")
                    .map("envelope", BridgeEnvelope::wrap)
                    .buffer(1024, spool == null ? OverflowPolicy.BACKPRESSURE : OverflowPolicy.SPOOL);
            if (spool != null) {
                p.spool(spool);
            }
            for (String filter : TOPICS) {
                p.route(filter, TopicRewrite.prefix(prefix), sink);
            }
            LOG.info("bridging {} {} -> {} under '{}'{}", sourceUri, TOPICS, targetUri, prefix,
                    spool == null ? "" : ", store and forward through " + spool);
            return new Bridge(source, sink, p.start());
        }

        synchronized void stopAndPrint() {
            if (stopped) {
                return;
            }
            stopped = true;
            StopReport report = pipeline.stop(Duration.ofSeconds(5));
            sink.close();
            source.close();
            PipelineStats s = report.stats();
            System.out.println();
            System.out.println("Bridge statistics:");
            System.out.println("  Received: " + s.received());
            System.out.println("  Forwarded: " + s.forwarded());
            System.out.println("  Errors: " + (s.failed() + s.deadLettered()));
            System.out.println("  Dropped: " + s.dropped());
            System.out.println("  In flight at stop: " + s.inFlight());
        }
    }

    /** A few devices publishing readings and status texts (not JSON) to the local broker. */
    static final class DemoDevices implements AutoCloseable {
        private final SimulatedSensorSource sensors;
        private final MqttSink sink;
        private final Pipeline pipeline;

        private DemoDevices(SimulatedSensorSource sensors, MqttSink sink, Pipeline pipeline) {
            this.sensors = sensors;
            this.sink = sink;
            this.pipeline = pipeline;
        }

        static DemoDevices start(String brokerUri) {
            SimulatedSensorSource sensors = SimulatedSensorSource.builder().devices(3).ratePerDevice(5).build();
            MqttSink sink = MqttSink.builder().serverUri(brokerUri).name("devices").build();
            long[] count = new long[1];
            Pipeline pipeline = Pipeline.from(sensors).name("devices")
                    .map("status", m -> {
                        // Every 20th reading is followed, in its place, by a plain-text status line.
                        if (++count[0] % 20 == 0) {
                            String device = m.topic().split("/")[1];
                            return Message.of("device/" + device + "/status", "online uptime=" + count[0]);
                        }
                        return m;
                    })
                    .to(sink)
                    .start();
            return new DemoDevices(sensors, sink, pipeline);
        }

        @Override
        public void close() {
            sensors.complete();
            pipeline.stop(Duration.ofSeconds(2));
            sink.close();
        }
    }
}
