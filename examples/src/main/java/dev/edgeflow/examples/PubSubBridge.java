package dev.edgeflow.examples;

import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.StopReport;
import dev.edgeflow.core.TopicFilter;
import dev.edgeflow.gcp.PubSubAdmin;
import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.gcp.PubSubPuller;
import dev.edgeflow.gcp.PubSubSink;
import dev.edgeflow.mqtt.MqttConnection;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tutorial's local-to-cloud bridge (section 4.1): everything on {@code sensor/#} and
 * {@code device/+/status} at the local MQTT broker goes to the Pub/Sub topic
 * {@code iot-sensor-data}, in the tutorial's envelope ({@link BridgeEnvelope}:
 * {@code {"source_topic", "data", "timestamp"}}, a payload that is not JSON kept as
 * {@code {"raw": ...}}) and with the MQTT topic in the attribute {@code source_topic}.
 *
 * <p>The topic mapping is the tutorial's {@code topic_mapping}, with a Pub/Sub topic per MQTT
 * filter: {@code --map 'device/+/status=iot-device-status'} sends the status lines to a topic of
 * their own. At least once: a message is acknowledged to the local broker only once Pub/Sub
 * has returned its message id. Every {@code --status-interval} seconds it prints the tutorial's
 * status line; Ctrl-C (or the end of {@code --duration}) drains and prints the totals.
 *
 * <p>With no arguments it starts the Pub/Sub emulator, an embedded MQTT broker and a few
 * simulated devices publishing readings and plain-text status lines, and at the end prints
 * a few of the messages that reached Pub/Sub:
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.PubSubBridge \
 *     -Dexec.args="--duration 15"
 * </pre>
 */
public final class PubSubBridge {
    static final String SOURCE_TOPIC_ATTRIBUTE = "source_topic";
    static final String DEFAULT_PUBSUB_TOPIC = "iot-sensor-data";
    private static final Logger LOG = LoggerFactory.getLogger("edgeflow.bridge");
    private static final Set<String> ARGS = Set.of("--project", "--emulator", "--credentials", "--broker", "--map",
            "--client-id", "--duration", "--status-interval");
    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: PubSubBridge [--broker mqtt://host:1883] [--map <mqtt-filter>=<pubsub-topic>]...",
            "       [--client-id mqtt_bridge] [--duration s] [--status-interval s]",
            "       [--emulator host:port | --project id [--credentials file]]",
            "  --broker   the local MQTT broker (default: an embedded one, with simulated devices)",
            "  --map      an MQTT filter and the Pub/Sub topic it goes to, repeatable",
            "             (default sensor/#=iot-sensor-data and device/+/status=iot-sensor-data)",
            "  --duration seconds to run, 0 = until Ctrl-C (default 0)",
            ExampleArgs.PUBSUB_USAGE);

    private PubSubBridge() {
    }

    /**
     * Runs the bridge.
     *
     * @param args see {@code --help}
     * @throws InterruptedException if interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        ExampleArgs a;
        Map<String, String> mapping;
        long duration;
        long statusSeconds;
        try {
            a = ExampleArgs.parse(args, ARGS);
            if (a.help()) {
                System.out.println(USAGE);
                return;
            }
            mapping = parseMapping(a.all("--map", List.of("sensor/#=" + DEFAULT_PUBSUB_TOPIC,
                    "device/+/status=" + DEFAULT_PUBSUB_TOPIC)));
            duration = a.wholeNumber("--duration", 0, 0, Integer.MAX_VALUE);
            statusSeconds = a.wholeNumber("--status-interval", 10, 1, 3600);
        } catch (IllegalArgumentException e) {
            ExampleArgs.exitWithUsage("PubSubBridge", e.getMessage(), USAGE);
            return;
        }

        List<AutoCloseable> resources = new ArrayList<>();
        Bridge bridge;
        LocalBridge.DemoDevices devices = null;
        PubSubEnvironment pubSub;
        try {
            pubSub = a.pubSub();
            resources.add(pubSub);
            String broker = a.get("--broker", null);
            if (broker == null) {
                EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                resources.add(local);
                broker = local.uri();
                LOG.info("embedded MQTT broker {}; simulated devices publish to it", broker);
            }
            if (pubSub.isEmulator()) {
                // Somewhere to read what arrived, for the report at the end.
                createTopicsAndSubscriptions(pubSub.connection(), new LinkedHashSet<>(mapping.values()));
            }
            bridge = Bridge.start(broker, pubSub.connection(), mapping, a.get("--client-id", "mqtt_bridge"),
                    pubSub.isEmulator());
            if (a.get("--broker", null) == null) {
                bridge.source.awaitReady(Duration.ofSeconds(30));
                devices = LocalBridge.DemoDevices.start(broker);
            }
        } catch (RuntimeException e) {
            System.err.println("PubSubBridge: " + e.getMessage());
            LocalBridge.closeAll(resources);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        LocalBridge.DemoDevices publisher = devices;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (publisher != null) {
                publisher.close();
            }
            bridge.stopAndPrint(System.out);
            if (pubSub.isEmulator()) {
                printArrived(pubSub.connection(), new LinkedHashSet<>(mapping.values()), System.out);
            }
            LocalBridge.closeAll(resources);
            stopped.countDown();
        }, "edgeflow-bridge-shutdown"));
        long deadline = duration > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(duration) : Long.MAX_VALUE;
        while (System.nanoTime() < deadline && !stopped.await(
                Math.min(statusSeconds, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()))),
                TimeUnit.SECONDS)) {
            System.out.println(LocalBridge.statusLine("Bridge status", bridge.pipeline.stats()));
        }
        System.exit(0); // runs the shutdown hook: drain, totals, emulator and broker stopped
    }

    /**
     * Parses {@code filter=topic} pairs, in order.
     *
     * @param pairs such as {@code sensor/#=iot-sensor-data}
     * @return filter to Pub/Sub topic id
     * @throws IllegalArgumentException naming the pair that is not valid
     */
    static Map<String, String> parseMapping(List<String> pairs) {
        Map<String, String> mapping = new LinkedHashMap<>();
        for (String pair : pairs) {
            int eq = pair.lastIndexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException("--map is '" + pair + "': give <mqtt-filter>=<pubsub-topic>, "
                        + "such as sensor/#=iot-sensor-data");
            }
            String filter = pair.substring(0, eq);
            String topic = pair.substring(eq + 1);
            try {
                TopicFilter.of(filter); // a bad Pub/Sub topic id fails when its sink is built, with the rules
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--map is '" + pair + "': " + e.getMessage(), e);
            }
            mapping.put(filter, topic);
        }
        return mapping;
    }

    /** On an emulator: creates each topic, and a subscription {@code <topic>-sub} to read it back from. */
    static void createTopicsAndSubscriptions(PubSubConnection connection, Set<String> topics) {
        try (PubSubAdmin admin = PubSubAdmin.open(connection)) {
            for (String topic : topics) {
                admin.createTopicIfMissing(topic);
                admin.createSubscriptionIfMissing(topic + "-sub", topic, Duration.ofSeconds(60));
            }
        }
    }

    /** Pulls (and acks) up to three messages per topic from the subscriptions made on the emulator. */
    static void printArrived(PubSubConnection connection, Set<String> topics, PrintStream out) {
        for (String topic : topics) {
            try (PubSubPuller puller = PubSubPuller.open(connection, topic + "-sub")) {
                List<PubSubPuller.Pulled> some = puller.pull(3);
                out.println("A few of the messages on Pub/Sub topic " + topic + ":");
                for (PubSubPuller.Pulled p : some) {
                    out.println("  " + p.message().headers() + " " + p.message().payloadAsString());
                }
                puller.ack(some);
            } catch (RuntimeException e) {
                out.println("could not read back from " + topic + "-sub: " + e.getMessage());
            }
        }
    }

    /** The bridge itself: a source on the local broker, one pipeline, a Pub/Sub sink per topic. */
    static final class Bridge {
        final MqttSource source;
        final Map<String, PubSubSink> sinks;
        final Pipeline pipeline;
        private boolean stopped;

        private Bridge(MqttSource source, Map<String, PubSubSink> sinks, Pipeline pipeline) {
            this.source = source;
            this.sinks = sinks;
            this.pipeline = pipeline;
        }

        /**
         * Starts bridging.
         *
         * @param brokerUri the local broker
         * @param connection where Pub/Sub is
         * @param mapping MQTT filter to Pub/Sub topic id
         * @param clientId the MQTT client id
         * @param createTopics whether to create missing topics (on an emulator; on Google Cloud the
         *     project's owner usually does)
         * @return the running bridge
         */
        static Bridge start(String brokerUri, PubSubConnection connection, Map<String, String> mapping,
                String clientId, boolean createTopics) {
            Map<String, PubSubSink> sinks = new LinkedHashMap<>();
            try {
                for (String topic : mapping.values()) {
                    sinks.computeIfAbsent(topic, t -> PubSubSink.builder(connection, t)
                            .name("pubsub:" + t)
                            .topicAttribute(SOURCE_TOPIC_ATTRIBUTE)
                            .createTopicIfMissing(createTopics)
                            .build());
                }
            } catch (RuntimeException e) {
                sinks.values().forEach(PubSubSink::close);
                throw e;
            }
            MqttSource.Builder sb = MqttSource.builder()
                    .connection(MqttConnection.builder().serverUri(brokerUri).clientId(clientId).build())
                    .qos(Qos.AT_LEAST_ONCE)
                    .name("local");
            mapping.keySet().forEach(sb::subscribe);
            MqttSource source = sb.build();
            Pipeline.Builder p = Pipeline.from(source).name("pubsub-bridge")
                    .map("envelope", BridgeEnvelope::wrap);
            mapping.forEach((filter, topic) -> p.route(filter, sinks.get(topic)));
            // At or below the publisher's 1000 outstanding messages, so that a send never blocks
            // the pipeline's thread: the pipeline holds back instead, and so does the broker.
            sinks.values().forEach(s -> p.maxInFlight(s, 500));
            LOG.info("bridging {} {} -> Pub/Sub {} (topics {}), attribute {}", brokerUri, mapping.keySet(),
                    connection, new LinkedHashSet<>(mapping.values()), SOURCE_TOPIC_ATTRIBUTE);
            return new Bridge(source, sinks, p.start());
        }

        synchronized void stopAndPrint(PrintStream out) {
            if (stopped) {
                return;
            }
            stopped = true;
            StopReport report = pipeline.stop(Duration.ofSeconds(5));
            source.close();
            sinks.values().forEach(PubSubSink::close);
            PipelineStats s = report.stats();
            out.println();
            out.println("Bridge statistics:");
            out.println("  Received: " + s.received());
            out.println("  Forwarded: " + s.forwarded());
            out.println("  Errors: " + (s.failed() + s.deadLettered()));
            out.println("  Not mapped: " + s.filtered());
            out.println("  In flight at stop: " + s.inFlight());
        }
    }
}
