package dev.edgeflow.benchmarks.gateway;

import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.core.InstantiatingExecutorProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.AckReplyConsumer;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.PubsubMessage;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Load and counting for {@code benchmarks/gateway-footprint.sh}, on the HiveMQ MQTT client and the
 * bare google-cloud-pubsub {@link Subscriber}, so that it shares no code with the gateway it
 * measures (the {@code edgeflow run} jar in a JVM of its own).
 *
 * <ul>
 *   <li>{@code publish}: QoS 1 JSON readings of about 200 bytes on
 *       {@code sensor/RaspberryPi-NNN/reading}, at a steady {@code --rate} per second, paced on the
 *       clock rather than on the broker's acknowledgements (a sensor does not wait either), with at
 *       most {@code --window} unconfirmed. {@code --seconds 0} publishes until the process is
 *       stopped. Prints {@code READY} once connected and a {@code RESULT publish} line at the end:
 *       published, confirmed, failed, the rate reached, and how far it fell behind its schedule.</li>
 *   <li>{@code consume}: a streaming pull on {@code --subscription} that acks every message and
 *       counts each reading of {@code --run} once by its sequence number. It ends when
 *       {@code --expect} distinct readings arrived, or {@code --idle-seconds} after the last one,
 *       and prints {@code RESULT consume}: distinct, duplicates, foreign (not of this run), and the
 *       rate from the first receipt to the last. With {@code --first} it prints, for the first
 *       message, {@code FIRST} and three epoch milliseconds: when it was pulled, when the emulator
 *       took it from the gateway (its publish time), and when it was published to MQTT (the
 *       reading's {@code sent_ms}); then it ends.</li>
 * </ul>
 */
public final class FootprintLoadMain {
    private static final String USAGE = "usage: FootprintLoadMain publish --mqtt mqtt://host:port --run id"
            + " [--rate 1000] [--seconds 0] [--window 1000] [--devices 10]\n"
            + "       FootprintLoadMain consume --emulator host:port --project id --subscription id --run id"
            + " [--expect 0] [--idle-seconds 30] [--first true] [--timeout-seconds 600]";
    private static final byte[] SEQ_KEY = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SENT_KEY = "\"sent_ms\":".getBytes(StandardCharsets.US_ASCII);
    private static final int PAYLOAD_BYTES = 200;

    private FootprintLoadMain() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println(USAGE);
            System.exit(2);
        }
        Map<String, String> args = options(argv);
        switch (argv[0]) {
            case "publish" -> publish(args);
            case "consume" -> consume(args);
            default -> {
                System.err.println(USAGE);
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static Map<String, String> options(String[] argv) {
        Map<String, String> values = new HashMap<>();
        for (int i = 1; i < argv.length; i += 2) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --name value, got '" + argv[i] + "'\n" + USAGE);
            }
            values.put(argv[i].substring(2), argv[i + 1]);
        }
        return values;
    }

    private static String required(Map<String, String> args, String name) {
        String v = args.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required\n" + USAGE);
        }
        return v;
    }

    private static long number(Map<String, String> args, String name, long fallback) {
        String v = args.get(name);
        try {
            return v == null ? fallback : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + v + "'", e);
        }
    }

    /** A reading of exactly {@value #PAYLOAD_BYTES} bytes: the sequence number, then padding. */
    static byte[] reading(String run, long seq, int device) {
        Instant now = Instant.now();
        String head = String.format(Locale.ROOT, "{\"device_id\":\"RaspberryPi-%03d\",\"run\":\"%s\",\"seq\":%d,"
                + "\"temperature\":%.2f,\"humidity\":%.2f,\"pressure\":%.2f,\"timestamp\":\"%s\",\"sent_ms\":%d,"
                + "\"pad\":\"", device, run, seq, 20 + (seq % 50) / 10.0, 40 + (seq % 30) / 10.0,
                1013 + (seq % 7) / 10.0, now, now.toEpochMilli());
        int pad = Math.max(0, PAYLOAD_BYTES - head.length() - 2);
        return (head + "x".repeat(pad) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static void publish(Map<String, String> args) throws Exception {
        URI mqtt = URI.create(required(args, "mqtt"));
        String run = required(args, "run");
        long rate = number(args, "rate", 1000);
        long seconds = number(args, "seconds", 0);
        int window = (int) number(args, "window", 1000);
        int devices = (int) number(args, "devices", 10);
        long total = seconds == 0 ? Long.MAX_VALUE : rate * seconds;

        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("footprint-load-" + run)
                .serverHost(mqtt.getHost()).serverPort(mqtt.getPort()).buildAsync();
        client.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
        String[] topics = new String[devices];
        for (int d = 0; d < devices; d++) {
            topics[d] = String.format(Locale.ROOT, "sensor/RaspberryPi-%03d/reading", d + 1);
        }
        Semaphore unconfirmed = new Semaphore(window);
        AtomicLong confirmed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long[] published = {0};
        long[] maxBehindNanos = {0};
        long start = System.nanoTime();
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        Thread stopper = new Thread(() -> report(published[0], confirmed, failed, start, maxBehindNanos[0], rate));
        Runtime.getRuntime().addShutdownHook(stopper);
        System.out.println("READY");
        System.out.flush();
        while (published[0] < total) {
            long due = start + published[0] * period;
            long now = System.nanoTime();
            if (now < due) {
                LockSupport.parkNanos(Math.min(due - now, 1_000_000));
                continue;
            }
            maxBehindNanos[0] = Math.max(maxBehindNanos[0], now - due);
            unconfirmed.acquire();
            long seq = published[0];
            int device = (int) (seq % devices);
            client.publishWith().topic(topics[device]).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(reading(run, seq, device + 1)).send().whenComplete((r, e) -> {
                        if (e != null || r.getError().isPresent()) {
                            failed.incrementAndGet();
                        } else {
                            confirmed.incrementAndGet();
                        }
                        unconfirmed.release();
                    });
            published[0]++;
        }
        // Every publish confirmed by the broker before the count is reported.
        unconfirmed.acquire(window);
        Runtime.getRuntime().removeShutdownHook(stopper);
        report(published[0], confirmed, failed, start, maxBehindNanos[0], rate);
        client.disconnect().get(10, TimeUnit.SECONDS);
    }

    private static void report(long published, AtomicLong confirmed, AtomicLong failed, long start,
            long maxBehindNanos, long rate) {
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "RESULT publish published=%d confirmed=%d failed=%d seconds=%.1f "
                + "msgPerS=%.0f targetMsgPerS=%d maxBehindMs=%.0f%n", published, confirmed.get(), failed.get(),
                seconds, published / seconds, rate, maxBehindNanos / 1e6);
        System.out.flush();
    }

    private static void consume(Map<String, String> args) throws Exception {
        String emulator = required(args, "emulator");
        String project = required(args, "project");
        String subscription = required(args, "subscription");
        String run = required(args, "run");
        long expect = number(args, "expect", 0);
        long idleSeconds = number(args, "idle-seconds", 30);
        long timeoutSeconds = number(args, "timeout-seconds", 600);
        boolean first = Boolean.parseBoolean(args.getOrDefault("first", "false"));
        byte[] runKey = ("\"run\":\"" + run + "\"").getBytes(StandardCharsets.US_ASCII);

        BitSet seen = new BitSet();
        long[] counts = new long[3]; // distinct, duplicates, foreign
        long[] firstAndLast = {0, 0};
        AtomicLong lastReceipt = new AtomicLong(System.nanoTime());
        CountDownLatch done = new CountDownLatch(1);
        Object lock = new Object();
        ManagedChannel channel = ManagedChannelBuilder.forTarget(emulator).usePlaintext().build();
        Subscriber subscriber = Subscriber.newBuilder(ProjectSubscriptionName.of(project, subscription),
                (PubsubMessage m, AckReplyConsumer reply) -> {
                    long nowMillis = System.currentTimeMillis();
                    reply.ack();
                    byte[] data = m.getData().toByteArray();
                    synchronized (lock) {
                        if (first && firstAndLast[0] == 0) {
                            firstAndLast[0] = nowMillis;
                            long published = m.getPublishTime().getSeconds() * 1000 + m.getPublishTime().getNanos() / 1_000_000;
                            System.out.println("FIRST " + nowMillis + " " + published + " " + numberAfter(data, SENT_KEY)
                                    + " " + m.getAttributesOrDefault("source_topic", "-"));
                            System.out.flush();
                            done.countDown();
                            return;
                        }
                        long seq = indexOf(data, runKey) < 0 ? -1 : numberAfter(data, SEQ_KEY);
                        if (seq < 0 || seq > Integer.MAX_VALUE) {
                            counts[2]++;
                            return;
                        }
                        if (seen.get((int) seq)) {
                            counts[1]++;
                        } else {
                            seen.set((int) seq);
                            counts[0]++;
                        }
                        if (firstAndLast[0] == 0) {
                            firstAndLast[0] = nowMillis;
                        }
                        firstAndLast[1] = nowMillis;
                        lastReceipt.set(System.nanoTime());
                        if (expect > 0 && counts[0] >= expect) {
                            done.countDown();
                        }
                    }
                })
                .setChannelProvider(FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                .setCredentialsProvider(NoCredentialsProvider.create())
                .setParallelPullCount(1)
                .setExecutorProvider(InstantiatingExecutorProvider.newBuilder().setExecutorThreadCount(2).build())
                .setFlowControlSettings(FlowControlSettings.newBuilder().setMaxOutstandingElementCount(5000L).build())
                .build();
        subscriber.startAsync().awaitRunning(30, TimeUnit.SECONDS);
        System.out.println("READY");
        System.out.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!done.await(1, TimeUnit.SECONDS)) {
            boolean started;
            synchronized (lock) {
                started = firstAndLast[0] != 0;
            }
            boolean idle = started && System.nanoTime() - lastReceipt.get() > TimeUnit.SECONDS.toNanos(idleSeconds);
            if (idle || System.nanoTime() > deadline) {
                break;
            }
        }
        subscriber.stopAsync().awaitTerminated(30, TimeUnit.SECONDS);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (first) {
            if (firstAndLast[0] == 0) {
                System.out.println("FIRST none within " + timeoutSeconds + " s");
            }
            return;
        }
        synchronized (lock) {
            double seconds = (firstAndLast[1] - firstAndLast[0]) / 1000.0;
            System.out.printf(Locale.ROOT, "RESULT consume distinct=%d expected=%d missing=%d duplicates=%d "
                    + "foreign=%d seconds=%.1f msgPerS=%.0f%n", counts[0], expect, Math.max(0, expect - counts[0]),
                    counts[1], counts[2], seconds, seconds > 0 ? counts[0] / seconds : 0.0);
        }
    }

    /** The whole number after {@code key} in the payload, or -1. */
    private static long numberAfter(byte[] data, byte[] key) {
        int at = indexOf(data, key);
        if (at < 0) {
            return -1;
        }
        long v = 0;
        int i = at + key.length;
        int digits = 0;
        while (i < data.length && data[i] >= '0' && data[i] <= '9') {
            v = v * 10 + (data[i++] - '0');
            digits++;
        }
        return digits == 0 ? -1 : v;
    }

    private static int indexOf(byte[] data, byte[] key) {
        outer:
        for (int i = 0; i + key.length <= data.length; i++) {
            for (int j = 0; j < key.length; j++) {
                if (data[i + j] != key[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
