package dev.edgeflow.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.PayloadFormatException;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.StopReport;
import dev.edgeflow.core.Taps;
import dev.edgeflow.gcp.PubSubAdmin;
import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.gcp.PubSubPuller;
import dev.edgeflow.gcp.PubSubSink;
import dev.edgeflow.log.LogSink;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.mqtt.MqttConnection;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The tutorial's comprehensive IoT pipeline (section 6): an MQTT subscription on
 * {@code sensor/#} and {@code device/+/status}, each message parsed into the tutorial's
 * {@code IoTMessage} ({@code device_id}, {@code data}, {@code timestamp}, {@code source}), then
 * its three handlers:
 *
 * <ul>
 *   <li><b>log</b>: a tap that logs {@code [timestamp] device: data} (one message a second, as
 *       the demo does, so that the alerts stay readable);</li>
 *   <li><b>alert</b>: a tap that warns for a temperature above 35 °C;</li>
 *   <li><b>cloud</b>: with {@code --gcp-enabled true}, the pipeline's sink is the Pub/Sub topic
 *       {@code iot-sensor-data}, which gets {@code {"device_id", "data", "timestamp"}} as the
 *       tutorial's {@code cloud_handler} sends it, plus the attribute {@code source_topic}; a
 *       message is acked to the broker once Pub/Sub has it. With {@code gcp_enabled} off (the
 *       tutorial's default) there is no Pub/Sub at all, not even a connection: the pipeline ends
 *       in a sink that discards, and a message is acked once the taps have seen it.</li>
 * </ul>
 *
 * <p>A message that is not JSON (the devices' plain-text status lines) cannot become an
 * {@code IoTMessage}: where the tutorial prints "Message processing error", it goes to a
 * dead-letter log with the reason, and is counted.
 *
 * <p>With no {@code --broker} it starts an embedded broker and a few simulated devices; with
 * {@code --gcp-enabled true} and no Pub/Sub named, it starts the Pub/Sub emulator:
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.IoTPipeline \
 *     -Dexec.args="--gcp-enabled true --duration 15"
 * </pre>
 */
public final class IoTPipeline {
    static final List<String> DEFAULT_TOPICS = List.of("sensor/#", "device/+/status");
    static final String DEFAULT_GCP_TOPIC = "iot-sensor-data";
    static final String LOG_LOGGER = "edgeflow.pipeline.log";
    static final String DEAD_LETTER_LOGGER = "edgeflow.pipeline.rejected";
    private static final Logger LOG = LoggerFactory.getLogger("edgeflow.pipeline");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ARGS = Set.of("--project", "--emulator", "--credentials", "--broker", "--topic",
            "--gcp-enabled", "--gcp-topic", "--duration", "--status-interval");
    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: IoTPipeline [--gcp-enabled true|false] [--gcp-topic iot-sensor-data] [--broker mqtt://host:1883]",
            "       [--topic <mqtt-filter>]... [--duration s] [--status-interval s]",
            "       [--emulator host:port | --project id [--credentials file]]",
            "  --gcp-enabled  forward to Pub/Sub (default false: log and alert only, no Pub/Sub at all)",
            "  --broker       the MQTT broker (default: an embedded one, with simulated devices)",
            "  --topic        an MQTT filter to subscribe to, repeatable (default sensor/# and device/+/status)",
            ExampleArgs.PUBSUB_USAGE);

    private final MqttSource source;
    private final PubSubSink cloud;
    private final Sink end;
    private final LogSink deadLetters;
    private final Pipeline pipeline;
    private boolean stopped;

    private IoTPipeline(MqttSource source, PubSubSink cloud, Sink end, LogSink deadLetters, Pipeline pipeline) {
        this.source = source;
        this.cloud = cloud;
        this.end = end;
        this.deadLetters = deadLetters;
        this.pipeline = pipeline;
    }

    /**
     * Runs the pipeline.
     *
     * @param args see {@code --help}
     * @throws InterruptedException if interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        ExampleArgs a;
        boolean gcpEnabled;
        long duration;
        long statusSeconds;
        try {
            a = ExampleArgs.parse(args, ARGS);
            if (a.help()) {
                System.out.println(USAGE);
                return;
            }
            gcpEnabled = bool("--gcp-enabled", a.get("--gcp-enabled", "false"));
            duration = a.wholeNumber("--duration", 0, 0, Integer.MAX_VALUE);
            statusSeconds = a.wholeNumber("--status-interval", 10, 1, 3600);
        } catch (IllegalArgumentException e) {
            ExampleArgs.exitWithUsage("IoTPipeline", e.getMessage(), USAGE);
            return;
        }
        String gcpTopic = a.get("--gcp-topic", DEFAULT_GCP_TOPIC);
        List<AutoCloseable> resources = new ArrayList<>();
        IoTPipeline running;
        LocalBridge.DemoDevices devices = null;
        PubSubEnvironment pubSub = null;
        try {
            if (gcpEnabled) {
                pubSub = a.pubSub();
                resources.add(pubSub);
                if (pubSub.isEmulator()) {
                    PubSubBridge.createTopicsAndSubscriptions(pubSub.connection(), Set.of(gcpTopic));
                }
            }
            String broker = a.get("--broker", null);
            if (broker == null) {
                EmbeddedMqttBroker local = EmbeddedMqttBroker.builder().start();
                resources.add(local);
                broker = local.uri();
            }
            PubSubEnvironment gcp = pubSub;
            running = start(broker, a.all("--topic", DEFAULT_TOPICS), gcpEnabled,
                    () -> gcp.connection(), gcpTopic, logAlert());
            if (a.get("--broker", null) == null) {
                running.source.awaitReady(Duration.ofSeconds(30));
                devices = LocalBridge.DemoDevices.start(broker);
            }
        } catch (RuntimeException e) {
            System.err.println("IoTPipeline: " + e.getMessage());
            LocalBridge.closeAll(resources);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        LocalBridge.DemoDevices publisher = devices;
        PubSubEnvironment gcp = pubSub;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (publisher != null) {
                publisher.close();
            }
            running.stopAndPrint(System.out);
            if (gcp != null && gcp.isEmulator()) {
                PubSubBridge.printArrived(gcp.connection(), Set.of(gcpTopic), System.out);
            }
            LocalBridge.closeAll(resources);
            stopped.countDown();
        }, "edgeflow-pipeline-shutdown"));
        long deadline = duration > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(duration) : Long.MAX_VALUE;
        while (System.nanoTime() < deadline && !stopped.await(
                Math.min(statusSeconds, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()))),
                TimeUnit.SECONDS)) {
            LOG.info("status: {}", running.pipeline.stats());
        }
        System.exit(0); // runs the shutdown hook: drain, totals, emulator and broker stopped
    }

    /**
     * Starts the pipeline.
     *
     * @param brokerUri the MQTT broker
     * @param topics the MQTT filters to subscribe to
     * @param gcpEnabled whether the cloud handler is on; when off, {@code gcp} is never called
     * @param gcp where Pub/Sub is, asked for only when {@code gcpEnabled}
     * @param gcpTopic the Pub/Sub topic of the cloud handler, which must exist
     * @param onAlert the alert handler's action, for each reading above 35 °C; must not block
     * @return the running pipeline
     */
    static IoTPipeline start(String brokerUri, List<String> topics, boolean gcpEnabled,
            Supplier<PubSubConnection> gcp, String gcpTopic, Consumer<? super Message> onAlert) {
        Objects.requireNonNull(onAlert, "onAlert");
        PubSubSink cloud = null;
        Sink end;
        if (gcpEnabled) {
            cloud = PubSubSink.builder(gcp.get(), gcpTopic).name("cloud:" + gcpTopic)
                    .topicAttribute(PubSubBridge.SOURCE_TOPIC_ATTRIBUTE).build();
            end = cloud;
        } else {
            end = MemorySink.discarding("handlers-only");
        }
        LogSink deadLetters = LogSink.builder().name(DEAD_LETTER_LOGGER).level(Level.WARN).build();
        MqttSource.Builder sb = MqttSource.builder()
                .connection(MqttConnection.builder().serverUri(brokerUri).clientId("iot-pipeline").build())
                .qos(Qos.AT_LEAST_ONCE)
                .name("mqtt");
        topics.forEach(sb::subscribe);
        MqttSource source = sb.build();
        Pipeline.Builder p = Pipeline.from(source).name("iot-pipeline")
                .map("parse", IoTPipeline::toIoTMessage)
                .tap("log", DemoPipeline.sampled(logHandler(), Duration.ofSeconds(1)))
                .tap("alert", Taps.alert(IoTPipeline::isHighTemperature, onAlert))
                .to(end)
                .deadLetter(deadLetters);
        if (cloud != null) {
            p.maxInFlight(cloud, 500); // below the publisher's 1000 outstanding: sends never block
        }
        LOG.info("IoT pipeline: {} at {} -> log, alert above {} °C{}", topics, brokerUri,
                DemoPipeline.HIGH_TEMPERATURE_CELSIUS, gcpEnabled ? ", cloud (Pub/Sub topic " + gcpTopic + ")"
                        : "; gcp_enabled is off: no Pub/Sub");
        return new IoTPipeline(source, cloud, end, deadLetters, p.start());
    }

    /**
     * Parses a message into the tutorial's {@code IoTMessage}, in the form its cloud handler sends:
     * {@code {"device_id": <from the payload, or "unknown">, "data": <the payload>, "timestamp":
     * <ISO-8601 receipt time>}}. The topic, the tutorial's {@code source}, stays the message's topic.
     *
     * @param message a message from the broker
     * @return the parsed message
     * @throws PayloadFormatException if the payload is not a JSON object
     */
    static Message toIoTMessage(Message message) {
        JsonNode data = message.payloadAsJson();
        if (!data.isObject()) {
            throw new PayloadFormatException("message " + message.id() + " on topic '" + message.topic()
                    + "' is JSON but not an object, so it has no device_id", null);
        }
        ObjectNode iot = JSON.createObjectNode();
        iot.put("device_id", data.path("device_id").asText("unknown"));
        iot.set("data", data);
        iot.put("timestamp", Instant.now().toString());
        return message.toBuilder().payload(iot.toString()).build();
    }

    /**
     * Tells whether a parsed message's temperature is above the tutorial's 35 °C.
     *
     * @param iotMessage a message from {@link #toIoTMessage}
     * @return whether to alert
     */
    static boolean isHighTemperature(Message iotMessage) {
        JsonNode t = iotMessage.payloadAsJson().path("data").path("temperature");
        return t.isNumber() && t.doubleValue() > DemoPipeline.HIGH_TEMPERATURE_CELSIUS;
    }

    /** The tutorial's {@code log_handler}: {@code [timestamp] device: data}. */
    private static Consumer<Message> logHandler() {
        Logger log = LoggerFactory.getLogger(LOG_LOGGER);
        return m -> {
            JsonNode iot = m.payloadAsJson();
            log.info("[{}] {}: {}", iot.path("timestamp").asText(), iot.path("device_id").asText(), iot.path("data"));
        };
    }

    /** The tutorial's {@code alert_handler}'s warning. */
    static Consumer<Message> logAlert() {
        Logger log = LoggerFactory.getLogger(DemoPipeline.ALERTS_LOGGER);
        return m -> {
            JsonNode iot = m.payloadAsJson();
            log.warn("[ALERT] High temperature detected: {} = {} °C", iot.path("device_id").asText(),
                    iot.path("data").path("temperature").asDouble());
        };
    }

    /**
     * Returns the pipeline's counters.
     *
     * @return the stats
     */
    PipelineStats stats() {
        return pipeline.stats();
    }

    /**
     * Returns the MQTT source, to wait until it has subscribed.
     *
     * @return the source
     */
    MqttSource source() {
        return source;
    }

    /**
     * Tells whether the cloud handler is on.
     *
     * @return whether a Pub/Sub sink exists
     */
    boolean forwardsToCloud() {
        return cloud != null;
    }

    /**
     * Drains for up to 5 s, closes everything and prints the totals.
     *
     * @param out where the totals go
     * @return the final stats
     */
    synchronized PipelineStats stopAndPrint(PrintStream out) {
        StopReport report = pipeline.stop(Duration.ofSeconds(5));
        if (stopped) {
            return report.stats();
        }
        stopped = true;
        source.close();
        end.close();
        deadLetters.close();
        PipelineStats s = report.stats();
        out.println();
        out.println("IoT pipeline statistics:");
        out.println("  Received: " + s.received());
        out.println("  Handled" + (cloud != null ? " and forwarded to Pub/Sub" : " (gcp_enabled off: not forwarded)")
                + ": " + s.forwarded());
        out.println("  Not JSON, dead-lettered: " + s.deadLettered());
        out.println("  Failed: " + s.failed());
        return s;
    }

    private static boolean bool(String name, String value) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(name + " is '" + value + "': use true or false");
    }
}
