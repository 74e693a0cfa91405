package dev.edgeflow.benchmarks.pubsub;

import com.google.api.core.ApiFuture;
import com.google.api.gax.batching.BatchingSettings;
import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.batching.FlowController.LimitExceededBehavior;
import com.google.api.gax.core.InstantiatingExecutorProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.OverflowPolicy;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.Qos;
import dev.edgeflow.gcp.PubSubAdmin;
import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.gcp.PubSubSink;
import dev.edgeflow.mqtt.MqttConnection;
import dev.edgeflow.mqtt.MqttSource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Pub/Sub benchmarks against the emulator (started by {@code benchmarks/pubsub-vs-publisher.sh}).
 *
 * <ul>
 *   <li>{@code sink}: {@code --messages} readings of about 200 bytes through edgeflow's
 *       {@link PubSubSink} and through a bare {@link Publisher} with the same batching (100
 *       messages, 256 KiB, 10 ms), flow control (1000 outstanding, block) and executor (2
 *       threads, the sink's default), alternating which
 *       goes first, {@code --rounds} times. Prints msg/s of each and the ratio sink / bare per
 *       round. Each path waits for every message id before its clock stops.</li>
 *   <li>{@code uplink}: the local-to-cloud bridge end to end: a publisher puts {@code --messages}
 *       QoS 1 readings on the MQTT broker at {@code --mqtt} (at most 1000 unconfirmed), an
 *       edgeflow pipeline ({@link MqttSource} to {@link PubSubSink}) forwards them,
 *       and the clock
 *       stops when the pipeline has forwarded them all (every one has a Pub/Sub message id).</li>
 * </ul>
 */
public final class PubSubBenchMain {
    private static final String PROJECT = "edgeflow-bench";

    private PubSubBenchMain() {
    }

    public static void main(String[] argv) throws Exception {
        String mode = argv.length > 0 ? argv[0] : "";
        String emulator = arg(argv, "--emulator", null);
        int messages = Integer.parseInt(arg(argv, "--messages", "100000"));
        int rounds = Integer.parseInt(arg(argv, "--rounds", "3"));
        if (emulator == null || !(mode.equals("sink") || mode.equals("uplink"))) {
            System.err.println("usage: PubSubBenchMain sink|uplink --emulator host:port [--messages N] [--rounds R]"
                    + " [--mqtt mqtt://host:port]");
            System.exit(2);
        }
        PubSubConnection connection = PubSubConnection.builder(PROJECT).emulatorHost(emulator).build();
        try (PubSubAdmin admin = PubSubAdmin.open(connection)) {
            admin.createTopicIfMissing("bench");
            admin.createSubscriptionIfMissing("bench-sub", "bench", Duration.ofSeconds(60));
        }
        if (mode.equals("sink")) {
            sinkVersusPublisher(connection, emulator, messages, rounds);
        } else {
            uplink(connection, arg(argv, "--mqtt", "mqtt://127.0.0.1:1883"), messages, rounds);
        }
        System.exit(0);
    }

    private static String arg(String[] argv, String name, String fallback) {
        for (int i = 1; i + 1 < argv.length; i++) {
            if (argv[i].equals(name)) {
                return argv[i + 1];
            }
        }
        return fallback;
    }

    private static byte[] reading(int i) {
        String s = String.format(Locale.ROOT, "{\"device_id\":\"RaspberryPi-%03d\",\"temperature\":%.2f,"
                + "\"humidity\":%.2f,\"timestamp\":\"2026-11-28T04:00:00Z\",\"seq\":%d,\"pad\":\"%s\"}",
                i % 100, 20 + (i % 50) / 10.0, 40 + (i % 30) / 10.0, i, "x".repeat(60));
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void sinkVersusPublisher(PubSubConnection connection, String emulator, int messages, int rounds)
            throws Exception {
        // warm-up of both paths
        runBare(emulator, messages / 5);
        runSink(connection, messages / 5);
        for (int r = 1; r <= rounds; r++) {
            double bare;
            double sink;
            if (r % 2 == 1) {
                bare = runBare(emulator, messages);
                sink = runSink(connection, messages);
            } else {
                sink = runSink(connection, messages);
                bare = runBare(emulator, messages);
            }
            System.out.printf(Locale.ROOT, "RESULT round=%d messages=%d bareMsgPerS=%.0f sinkMsgPerS=%.0f "
                    + "ratio=%.2f%n", r, messages, bare, sink, sink / bare);
        }
    }

    private static double runBare(String emulator, int messages) throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(emulator).usePlaintext().build();
        Publisher publisher = Publisher.newBuilder(TopicName.of(PROJECT, "bench"))
                .setChannelProvider(FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                .setCredentialsProvider(NoCredentialsProvider.create())
                .setBatchingSettings(BatchingSettings.newBuilder()
                        .setElementCountThreshold(100L)
                        .setRequestByteThreshold(256L * 1024)
                        .setDelayThresholdDuration(Duration.ofMillis(10))
                        .setFlowControlSettings(FlowControlSettings.newBuilder()
                                .setMaxOutstandingElementCount(1000L)
                                .setMaxOutstandingRequestBytes(64L << 20)
                                .setLimitExceededBehavior(LimitExceededBehavior.Block).build())
                        .build())
                .setExecutorProvider(InstantiatingExecutorProvider.newBuilder().setExecutorThreadCount(2).build())
                .build();
        long start = System.nanoTime();
        Deque<ApiFuture<String>> pending = new ArrayDeque<>();
        for (int i = 0; i < messages; i++) {
            pending.add(publisher.publish(PubsubMessage.newBuilder().setData(ByteString.copyFrom(reading(i)))
                    .putAttributes("source_topic", "sensor/RaspberryPi-" + (i % 100) + "/reading").build()));
            while (!pending.isEmpty() && pending.peekFirst().isDone()) {
                pending.pollFirst().get();
            }
        }
        for (ApiFuture<String> f : pending) {
            f.get();
        }
        double rate = messages / ((System.nanoTime() - start) / 1e9);
        publisher.shutdown();
        publisher.awaitTermination(30, TimeUnit.SECONDS);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        return rate;
    }

    private static double runSink(PubSubConnection connection, int messages) throws Exception {
        try (PubSubSink sink = PubSubSink.builder(connection, "bench").topicAttribute("source_topic")
                .maxOutstandingMessages(1000).build()) {
            long start = System.nanoTime();
            Deque<CompletableFuture<String>> pending = new ArrayDeque<>();
            for (int i = 0; i < messages; i++) {
                pending.add(sink.sendForId(Message.of("sensor/RaspberryPi-" + (i % 100) + "/reading", reading(i))));
                while (!pending.isEmpty() && pending.peekFirst().isDone()) {
                    pending.pollFirst().join();
                }
            }
            for (CompletableFuture<String> f : pending) {
                f.join();
            }
            return messages / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static void uplink(PubSubConnection connection, String mqtt, int messages, int rounds) throws Exception {
        java.net.URI uri = java.net.URI.create(mqtt);
        for (int r = 0; r <= rounds; r++) { // round 0 warms up
            int n = r == 0 ? messages / 5 : messages;
            MqttSource source = MqttSource.builder()
                    // MQTT 5: Mosquitto 2.0.11 sends past the receive maximum, the source then falls back to
                    // 3.1.1 on the same session, and the broker redelivers the window (RESULTS.md).
                    .connection(MqttConnection.builder().serverUri(mqtt).clientId("bench-uplink-" + r).build())
                    .subscribe("sensor/#").qos(Qos.AT_LEAST_ONCE).receiveMaximum(1000).build();
            PubSubSink sink = PubSubSink.builder(connection, "bench").topicAttribute("source_topic")
                    .maxOutstandingMessages(1000).build();
            Pipeline pipeline = Pipeline.from(source).name("bench-uplink").route("sensor/#", sink)
                    .buffer(1024, OverflowPolicy.BACKPRESSURE).maxInFlight(1000).start();
            source.awaitReady(Duration.ofSeconds(10));
            Mqtt5AsyncClient publisher = MqttClient.builder().useMqttVersion5().identifier("bench-load-" + r)
                    .serverHost(uri.getHost()).serverPort(uri.getPort()).buildAsync();
            publisher.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
            long start = System.nanoTime();
            Deque<CompletableFuture<?>> window = new ArrayDeque<>();
            for (int i = 0; i < n; i++) {
                if (window.size() >= 1000) {
                    window.pollFirst().get(60, TimeUnit.SECONDS);
                }
                window.add(publisher.publishWith().topic("sensor/RaspberryPi-" + (i % 100) + "/reading")
                        .qos(MqttQos.AT_LEAST_ONCE).payload(reading(i)).send());
            }
            for (CompletableFuture<?> f : window) {
                f.get(60, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (pipeline.stats().forwarded() < n && System.nanoTime() < deadline) {
                Thread.sleep(1); // polling the count; the clock's resolution is a millisecond
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long forwarded = pipeline.stats().forwarded();
            String stats = pipeline.stats().toString();
            pipeline.stop(Duration.ofSeconds(10));
            publisher.disconnect().get(10, TimeUnit.SECONDS);
            source.close();
            sink.close();
            if (r > 0) {
                System.out.printf(Locale.ROOT, "RESULT uplink round=%d messages=%d forwarded=%d msgPerS=%.0f %s%n", r,
                        n, forwarded, forwarded / seconds, stats);
            }
        }
    }
}
