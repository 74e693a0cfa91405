package dev.edgeflow.benchmarks.bridge;

import dev.edgeflow.core.OverflowPolicy;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.StopReport;
import dev.edgeflow.core.TopicRewrite;
import dev.edgeflow.core.spool.Durability;
import dev.edgeflow.mqtt.MqttConnection;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.mqtt.MqttVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An edgeflow MQTT-to-MQTT bridge for {@code bridge-vs-mosquitto.sh}: {@link MqttSource} on broker
 * A, a pipeline, {@link MqttSink} on broker B. Prints {@code ready} once both ends are connected,
 * a status line every interval, and a {@code final} line with the stop report and heap figures
 * when it gets SIGTERM; all on stderr.
 */
public final class BridgeMain {
    private static final String USAGE = "usage: BridgeMain --source mqtt://host:port --target mqtt://host:port"
            + " [--qos 0|1|2] [--filter sensor/#] [--prefix target/prefix/] [--buffer 1024]"
            + " [--max-in-flight 256] [--receive-maximum 256] [--source-mqtt-version 5|3] [--target-mqtt-version 5|3] [--status-ms 1000] [--heap-sample-ms 50]"
            + " [--spool DIR [--durability BATCH|ALWAYS|INTERVAL]]";

    private BridgeMain() {
    }

    private static MqttVersion version(int v) {
        if (v != 3 && v != 5) {
            throw new IllegalArgumentException("MQTT version must be 3 (3.1.1) or 5, was " + v);
        }
        return v == 3 ? MqttVersion.MQTT_3_1_1 : MqttVersion.MQTT_5;
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of("source", "target", "qos", "filter", "prefix", "buffer", "max-in-flight",
                "receive-maximum", "source-mqtt-version", "target-mqtt-version", "status-ms", "heap-sample-ms", "spool", "durability"), USAGE);
        String sourceUri = args.string("source", "mqtt://127.0.0.1:1883");
        String targetUri = args.string("target", "mqtt://127.0.0.1:1884");
        Qos qos = Qos.ofLevel(args.integer("qos", 1));
        String filter = args.string("filter", "sensor/#");
        String prefix = args.string("prefix", "");
        int buffer = args.integer("buffer", 1024);
        int maxInFlight = args.integer("max-in-flight", MqttSink.DEFAULT_MAX_IN_FLIGHT);
        int receiveMaximum = args.integer("receive-maximum", MqttSource.DEFAULT_RECEIVE_MAXIMUM);
        MqttVersion sourceVersion = version(args.integer("source-mqtt-version", 5));
        MqttVersion targetVersion = version(args.integer("target-mqtt-version", 5));
        int statusMillis = args.integer("status-ms", 1000);
        int heapSampleMillis = args.integer("heap-sample-ms", 50);
        // With --spool the bridge is the store-and-forward one: OverflowPolicy.SPOOL, A acknowledged
        // once a message is durable in the spool, B fed from the spool.
        String spool = args.string("spool", null);
        Durability durability = Durability.valueOf(args.string("durability", "BATCH"));

        // The source keeps edgeflow's default persistent session (a client id of its own, clean start
        // off): Mosquitto's bridge lives inside A and never loses A's queue, while a clean session here
        // would drop every message A holds for the bridge whenever the source reconnects. The sink's
        // session is clean, like the Mosquitto bridge's connection to B (cleansession true).
        MqttSource source = MqttSource.builder()
                .connection(MqttConnection.builder().serverUri(sourceUri).clientId("edgeflow-bridge-in")
                        .version(sourceVersion).build())
                .subscribe(filter)
                .qos(qos)
                .receiveMaximum(receiveMaximum)
                .build();
        MqttSink sink = MqttSink.builder()
                .connection(MqttConnection.builder().serverUri(targetUri).clientId("edgeflow-bridge-out")
                        .version(targetVersion).cleanStart(true).sessionExpiry(Duration.ZERO).build())
                .maxInFlight(maxInFlight)
                .build();
        Pipeline.Builder builder = Pipeline.from(source)
                .name("bench-bridge")
                .route(filter, TopicRewrite.prefix(prefix), sink)
                .buffer(buffer, spool == null ? OverflowPolicy.BACKPRESSURE : OverflowPolicy.SPOOL)
                .maxInFlight(maxInFlight);
        if (spool != null) {
            builder.spool(Path.of(spool), b -> b.spool(s -> s.durability(durability)));
        }
        Pipeline pipeline = builder.start();
        sink.awaitReady(Duration.ofSeconds(10));
        source.awaitReady(Duration.ofSeconds(10));
        System.err.printf("ready source=%s target=%s qos=%d filter=%s prefix='%s' buffer=%d maxInFlight=%d"
                        + " receiveMaximum=%d mqtt=%s->%s heapMaxMiB=%s java=%s%n", sourceUri, targetUri, qos.level(), filter,
                prefix, buffer, maxInFlight, receiveMaximum, sourceVersion, targetVersion, HeapSampler.mib(HeapSampler.heapMax()),
                Runtime.version());

        HeapSampler heap = new HeapSampler();
        long started = System.nanoTime();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bridge-status");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(heap::sample, 0, heapSampleMillis, TimeUnit.MILLISECONDS);
        long[] lastForwarded = {0};
        timer.scheduleAtFixedRate(() -> {
            PipelineStats s = pipeline.stats();
            long rate = (s.forwarded() - lastForwarded[0]) * 1000 / statusMillis;
            lastForwarded[0] = s.forwarded();
            String spooled = pipeline.spoolStats().values().stream()
                    .map(st -> " spooledRecords=" + st.records() + " spooledBytes=" + st.bytes())
                    .findFirst().orElse("");
            System.err.printf("status t=%ds rate=%d/s %s sourceAcked=%d sinkPublished=%d heapUsedMiB=%s%s%n",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), rate, s,
                    source.acknowledgedCount(), sink.publishedCount(), HeapSampler.mib(heap.usedNow()), spooled);
        }, statusMillis, statusMillis, TimeUnit.MILLISECONDS);

        pipeline.completion().whenComplete((stats, failure) -> {
            if (failure != null) {
                System.err.printf("failed %s%n", failure.getMessage());
            }
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            StopReport report = pipeline.stop(Duration.ofSeconds(10));
            timer.shutdownNow();
            heap.sample();
            source.close();
            sink.close();
            System.err.printf("final drained=%s nackedUnsent=%d stillInFlight=%d %s sourceReceived=%d"
                            + " sourceAcked=%d sourceNacked=%d sinkPublished=%d sinkFailed=%d"
                            + " heapMaxMiB=%s peakHeapUsedSampledMiB=%s peakLiveAfterGcMiB=%s"
                            + " sumOfPoolPeaksMiB=%s%n",
                    report.drained(), report.nackedUnsent(), report.stillInFlight(), report.stats(),
                    source.receivedCount(), source.acknowledgedCount(), source.nackedCount(),
                    sink.publishedCount(), sink.failedCount(), HeapSampler.mib(HeapSampler.heapMax()),
                    HeapSampler.mib(heap.maxUsed()), HeapSampler.mib(heap.maxLiveAfterGc()),
                    HeapSampler.mib(heap.sumOfPoolPeaks()));
            stopped.countDown();
        }, "bridge-shutdown"));
        // The main thread has nothing more to do; the JVM exits on SIGTERM through the hook.
        stopped.await();
    }
}
