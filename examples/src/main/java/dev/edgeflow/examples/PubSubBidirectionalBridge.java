package dev.edgeflow.examples;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.Qos;
import dev.edgeflow.gcp.PubSubAdmin;
import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.gcp.PubSubSink;
import dev.edgeflow.gcp.PubSubSource;
import dev.edgeflow.mqtt.MqttConnection;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tutorial's bidirectional bridge (section 4.2), as two pipelines:
 *
 * <ul>
 *   <li><b>up</b> ({@code [UP]}): {@code sensor/#} at the local MQTT broker to the Pub/Sub topic
 *       {@code iot-sensor-data}, in the same envelope and with the same {@code source_topic}
 *       attribute as {@link PubSubBridge}, so that the cloud reads one format from both bridges;</li>
 *   <li><b>down</b> ({@code [DOWN]}): the subscription {@code iot-commands-sub} (on the topic
 *       {@code iot-commands}) to the local broker. A command is
 *       {@code {"topic": "device/pi-1/command", "payload": {...}}}; its payload is published on its
 *       topic at QoS 1, and the Pub/Sub message is acked once the local broker has it.</li>
 * </ul>
 *
 * <p><b>The allow-list.</b> A command is published only if its topic matches one of the
 * {@code --allow} MQTT filters (default {@code command} and {@code device/+/command}); see
 * {@link DownlinkCommands}. A refused command (not on the list, not JSON, a topic with wildcards)
 * is counted, logged with the reason, and <em>dead-lettered</em>: published to the topic
 * {@code iot-commands-rejected} with the reason in the attribute
 * {@code edgeflow-dead-letter-reason}, then acked. Not nacked: Pub/Sub redelivers a nacked
 * message at once, and a command that is refused now is refused on every delivery, so a nack
 * would loop until the message expires. If the dead-letter topic cannot take it, the command is
 * nacked and comes back.
 *
 * <p>With no arguments it starts the Pub/Sub emulator and an embedded MQTT broker, sends one
 * allowed and one forbidden command and a sensor reading, and shows where each went:
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java \
 *     -Dexec.mainClass=dev.edgeflow.examples.PubSubBidirectionalBridge -Dexec.args="--duration 10"
 * </pre>
 */
public final class PubSubBidirectionalBridge {
    static final String UP_FILTER = "sensor/#";
    static final String UP_TOPIC = "iot-sensor-data";
    static final String DOWN_TOPIC = "iot-commands";
    static final String DOWN_SUBSCRIPTION = "iot-commands-sub";
    static final String REJECTED_TOPIC = "iot-commands-rejected";
    static final List<String> DEFAULT_ALLOW_LIST = List.of(DownlinkCommands.DEFAULT_TOPIC, "device/+/command");
    private static final Logger LOG = LoggerFactory.getLogger("edgeflow.bridge");
    private static final Set<String> ARGS = Set.of("--project", "--emulator", "--credentials", "--broker", "--allow",
            "--duration", "--status-interval");
    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: PubSubBidirectionalBridge [--broker mqtt://host:1883] [--allow <mqtt-filter>]...",
            "       [--duration s] [--status-interval s] [--emulator host:port | --project id [--credentials file]]",
            "  --broker  the local MQTT broker (default: an embedded one, and a few sample messages)",
            "  --allow   a local topic filter commands may publish to, repeatable",
            "            (default " + String.join(" and ", DEFAULT_ALLOW_LIST) + ")",
            ExampleArgs.PUBSUB_USAGE);

    private PubSubBidirectionalBridge() {
    }

    /**
     * Runs the bridge.
     *
     * @param args see {@code --help}
     * @throws Exception if interrupted or a sample message cannot be sent
     */
    public static void main(String[] args) throws Exception {
        ExampleArgs a;
        DownlinkCommands commands;
        long duration;
        long statusSeconds;
        try {
            a = ExampleArgs.parse(args, ARGS);
            if (a.help()) {
                System.out.println(USAGE);
                return;
            }
            commands = new DownlinkCommands(a.all("--allow", DEFAULT_ALLOW_LIST));
            duration = a.wholeNumber("--duration", 0, 0, Integer.MAX_VALUE);
            statusSeconds = a.wholeNumber("--status-interval", 10, 1, 3600);
        } catch (IllegalArgumentException e) {
            ExampleArgs.exitWithUsage("PubSubBidirectionalBridge", e.getMessage(), USAGE);
            return;
        }
        List<AutoCloseable> resources = new ArrayList<>();
        Bridge bridge;
        try {
            PubSubEnvironment pubSub = a.pubSub();
            resources.add(pubSub);
            String broker = a.get("--broker", null);
            if (broker == null) {
                EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                resources.add(local);
                broker = local.uri();
            }
            if (pubSub.isEmulator()) {
                createTopics(pubSub.connection());
            }
            bridge = Bridge.start(broker, pubSub.connection(), commands, "edgeflow-bidirectional-bridge");
            if (a.get("--broker", null) == null) {
                bridge.up.awaitReady(Duration.ofSeconds(30));
                sendSamples(broker, pubSub.connection());
            }
        } catch (RuntimeException e) {
            System.err.println("PubSubBidirectionalBridge: " + e.getMessage());
            LocalBridge.closeAll(resources);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bridge.stopAndPrint(System.out);
            LocalBridge.closeAll(resources);
            stopped.countDown();
        }, "edgeflow-bridge-shutdown"));
        long deadline = duration > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(duration) : Long.MAX_VALUE;
        while (System.nanoTime() < deadline && !stopped.await(
                Math.min(statusSeconds, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()))),
                TimeUnit.SECONDS)) {
            System.out.println(bridge.statusLine());
        }
        System.exit(0); // runs the shutdown hook: drain, totals, emulator and broker stopped
    }

    /**
     * Creates the uplink topic, the command topic and subscription and the dead-letter topic, if
     * missing: on the emulator, where nobody else does.
     *
     * @param connection where Pub/Sub is
     */
    static void createTopics(PubSubConnection connection) {
        try (PubSubAdmin admin = PubSubAdmin.open(connection)) {
            admin.createTopicIfMissing(UP_TOPIC);
            admin.createTopicIfMissing(DOWN_TOPIC);
            admin.createTopicIfMissing(REJECTED_TOPIC);
            admin.createSubscriptionIfMissing(DOWN_SUBSCRIPTION, DOWN_TOPIC, Duration.ofSeconds(30));
        }
    }

    /** A reading from a device, one allowed and one forbidden command from the cloud. */
    private static void sendSamples(String brokerUri, PubSubConnection connection) throws Exception {
        try (MqttSink device = MqttSink.builder().serverUri(brokerUri).name("sample-device").build();
                PubSubSink cloud = PubSubSink.builder(connection, DOWN_TOPIC).name("sample-cloud").build()) {
            device.send(Message.ofJson("sensor/pi-001/reading", PubSubClientExample.reading("pi-001", 24.5)))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            cloud.sendForId(Message.of("cloud/commands",
                    "{\"topic\": \"device/pi-001/command\", \"payload\": {\"action\": \"reboot\"}}"))
                    .get(30, TimeUnit.SECONDS);
            // A forged reading: the uplink would carry it back to the cloud as if a sensor had sent it.
            cloud.sendForId(Message.of("cloud/commands",
                    "{\"topic\": \"sensor/pi-001/reading\", \"payload\": {\"temperature\": 99}}"))
                    .get(30, TimeUnit.SECONDS);
        }
        LOG.info("sent a reading to sensor/pi-001/reading, and two commands to Pub/Sub topic {}: one for "
                + "device/pi-001/command (allowed), one for sensor/pi-001/reading (refused)", DOWN_TOPIC);
    }

    /** Both directions: their sources, sinks and pipelines. */
    static final class Bridge {
        final MqttSource up;
        final PubSubSink cloud;
        final Pipeline uplink;
        final PubSubSource down;
        final MqttSink local;
        final PubSubSink rejected;
        final Pipeline downlink;
        final DownlinkCommands commands;
        private boolean stopped;

        private Bridge(MqttSource up, PubSubSink cloud, Pipeline uplink, PubSubSource down, MqttSink local,
                PubSubSink rejected, Pipeline downlink, DownlinkCommands commands) {
            this.up = up;
            this.cloud = cloud;
            this.uplink = uplink;
            this.down = down;
            this.local = local;
            this.rejected = rejected;
            this.downlink = downlink;
            this.commands = commands;
        }

        /**
         * Starts both directions on the default topics and subscription, which must exist.
         *
         * @param brokerUri the local broker
         * @param connection where Pub/Sub is
         * @param commands the downlink step with its allow-list
         * @param clientId the MQTT client id; the downlink's publisher adds {@code -down}
         * @return the running bridge
         */
        static Bridge start(String brokerUri, PubSubConnection connection, DownlinkCommands commands,
                String clientId) {
            return start(brokerUri, connection, commands, clientId, UP_TOPIC, DOWN_SUBSCRIPTION, REJECTED_TOPIC);
        }

        static Bridge start(String brokerUri, PubSubConnection connection, DownlinkCommands commands, String clientId,
                String upTopic, String downSubscription, String rejectedTopic) {
            Logger up = LoggerFactory.getLogger("edgeflow.bridge.up");
            Logger down = LoggerFactory.getLogger("edgeflow.bridge.down");
            MqttSource sensors = MqttSource.builder()
                    .connection(MqttConnection.builder().serverUri(brokerUri).clientId(clientId).build())
                    .subscribe(UP_FILTER)
                    .qos(Qos.AT_LEAST_ONCE)
                    .name("local")
                    .build();
            PubSubSink cloud = PubSubSink.builder(connection, upTopic).name("pubsub:" + upTopic)
                    .topicAttribute(PubSubBridge.SOURCE_TOPIC_ATTRIBUTE).build();
            Pipeline uplink = Pipeline.from(sensors).name("uplink")
                    .map("envelope", BridgeEnvelope::wrap)
                    .tap("[UP]", m -> up.info("[UP] {}", m.topic()))
                    .to(cloud)
                    .maxInFlight(cloud, 500)
                    .start();

            PubSubSource fromCloud = PubSubSource.builder(connection, downSubscription)
                    .name("pubsub:" + downSubscription)
                    .topic("cloud/commands")
                    // Commands are few; a small window keeps a burst of them from waiting on the broker
                    // while their ack deadlines run.
                    .maxOutstandingMessages(100)
                    .closeTimeout(Duration.ofSeconds(5))
                    .build();
            MqttSink toDevices = MqttSink.builder()
                    .connection(MqttConnection.builder().serverUri(brokerUri).clientId(clientId + "-down").build())
                    .qos(Qos.AT_LEAST_ONCE)
                    .name("local")
                    .build();
            PubSubSink refused = PubSubSink.builder(connection, rejectedTopic).name("pubsub:" + rejectedTopic).build();
            Pipeline downlink = Pipeline.from(fromCloud).name("downlink")
                    .map("allow-list", commands::toLocal)
                    .tap("[DOWN]", m -> down.info("[DOWN] {}", m.topic()))
                    .to(toDevices)
                    .deadLetter(refused)
                    .start();
            LOG.info("bridging up {} at {} -> Pub/Sub {}, down {} -> {} allowing {}; refused commands to {}",
                    UP_FILTER, brokerUri, upTopic, downSubscription, brokerUri, commands.allowList(), rejectedTopic);
            return new Bridge(sensors, cloud, uplink, fromCloud, toDevices, refused, downlink, commands);
        }

        String statusLine() {
            PipelineStats u = uplink.stats();
            PipelineStats d = downlink.stats();
            return String.format(Locale.ROOT, "Bridge status: up forwarded=%d errors=%d; down published=%d "
                    + "refused=%d errors=%d", u.forwarded(), u.failed() + u.deadLettered(), d.forwarded(),
                    commands.rejected(), d.failed());
        }

        synchronized void stopAndPrint(PrintStream out) {
            if (stopped) {
                return;
            }
            stopped = true;
            PipelineStats u = uplink.stop(Duration.ofSeconds(5)).stats();
            PipelineStats d = downlink.stop(Duration.ofSeconds(5)).stats();
            up.close();
            down.close();
            cloud.close();
            local.close();
            rejected.close();
            out.println();
            out.println("Bridge statistics:");
            out.println("  Up: received " + u.received() + ", forwarded " + u.forwarded() + ", errors "
                    + (u.failed() + u.deadLettered()));
            out.println("  Down: received " + d.received() + ", published " + d.forwarded() + ", refused by the "
                    + "allow-list " + commands.rejected() + " (dead-lettered " + d.deadLettered() + "), errors "
                    + d.failed());
        }
    }
}
