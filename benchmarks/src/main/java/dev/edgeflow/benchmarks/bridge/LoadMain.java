package dev.edgeflow.benchmarks.bridge;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load for {@code bridge-vs-mosquitto.sh}, on the HiveMQ MQTT client directly so that it shares
 * no code with the edgeflow bridge under test. A counting subscriber on broker B tracks each
 * topic's sequence numbers; a publisher on broker A sends N readings of about 100 bytes, round
 * robin over a few topics {@code sensor/sensor-NNN/temperature}, as fast as the broker takes them
 * with at most {@code --window} publishes unconfirmed. Then it waits until all N arrived at B, or
 * until nothing arrived for {@code --idle-seconds}, and prints one {@code RESULT} line on stdout:
 * msg/s is distinct messages received over the time from the first publish to the last receipt.
 */
public final class LoadMain {
    private static final String USAGE = "usage: LoadMain --publish mqtt://host:port --subscribe mqtt://host:port"
            + " [--qos 0|1|2] [--messages 100000] [--topics 8] [--window 1000] [--receive-maximum 256]"
            + " [--subscribe-prefix ''] [--idle-seconds 10] [--warmup 0] [--label name]";
    private static final byte[] SEQ_KEY = "\"seq\":".getBytes(StandardCharsets.US_ASCII);

    private final Map<String, Integer> topicIndex = new HashMap<>();
    private final BitSet[] seen;
    private final long[] lastSeq;
    private long receivedTotal;
    private long unique;
    private long duplicates;
    private long outOfOrder;
    private long unparsable;
    private volatile long lastReceiveNanos;
    private volatile long uniqueSnapshot;

    private LoadMain(String subscribePrefix, String[] topics) {
        seen = new BitSet[topics.length];
        lastSeq = new long[topics.length];
        for (int i = 0; i < topics.length; i++) {
            topicIndex.put(subscribePrefix + topics[i], i);
            seen[i] = new BitSet();
            lastSeq[i] = -1;
        }
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv, Set.of("publish", "subscribe", "qos", "messages", "topics", "window",
                "receive-maximum", "subscribe-prefix", "idle-seconds", "warmup", "label"), USAGE);
        URI publishUri = URI.create(args.string("publish", "mqtt://127.0.0.1:1883"));
        URI subscribeUri = URI.create(args.string("subscribe", "mqtt://127.0.0.1:1883"));
        MqttQos qos = MqttQos.fromCode(args.integer("qos", 1));
        int messages = args.integer("messages", 100_000);
        int topicCount = args.integer("topics", 8);
        int window = args.integer("window", 1000);
        int receiveMaximum = args.integer("receive-maximum", 256);
        String subscribePrefix = args.string("subscribe-prefix", "");
        int idleSeconds = args.integer("idle-seconds", 10);
        String label = args.string("label", "run");
        int warmup = args.integer("warmup", 0);

        String[] topics = new String[topicCount];
        String[] devices = new String[topicCount];
        for (int i = 0; i < topicCount; i++) {
            devices[i] = String.format(Locale.ROOT, "sensor-%03d", i + 1);
            topics[i] = "sensor/" + devices[i] + "/temperature";
        }
        // Warm-up readings go to topics of their own through the same path (sensor/#), so that
        // the JITs of the load generator and of a Java bridge are warm when the count starts.
        String[] warmupTopics = new String[topicCount];
        for (int i = 0; i < topicCount; i++) {
            warmupTopics[i] = "sensor/warmup-" + devices[i] + "/temperature";
        }
        LoadMain counter = new LoadMain(subscribePrefix, topics);
        LoadMain warmupCounter = new LoadMain(subscribePrefix, warmupTopics);

        Mqtt5AsyncClient subscriber = MqttClient.builder().useMqttVersion5().identifier("bench-counter")
                .serverHost(subscribeUri.getHost()).serverPort(subscribeUri.getPort())
                .addDisconnectedListener(c -> System.err.println("load " + label + ": counter disconnected ("
                        + c.getSource() + "): " + c.getCause()))
                .buildAsync();
        // The subscriber's receive maximum is the broker's in-flight window towards it (MQTT 5).
        subscriber.connectWith().cleanStart(true)
                .restrictions().receiveMaximum(receiveMaximum).applyRestrictions()
                .send().get(10, TimeUnit.SECONDS);
        subscriber.subscribeWith().topicFilter(subscribePrefix + "sensor/#").qos(qos)
                .callback(p -> {
                    if (p.getTopic().toString().contains("/warmup-")) {
                        warmupCounter.received(p);
                    } else {
                        counter.received(p);
                    }
                }).send().get(10, TimeUnit.SECONDS);

        Mqtt5AsyncClient publisher = MqttClient.builder().useMqttVersion5().identifier("bench-publisher")
                .serverHost(publishUri.getHost()).serverPort(publishUri.getPort())
                .addDisconnectedListener(c -> System.err.println("load " + label + ": publisher disconnected ("
                        + c.getSource() + "): " + c.getCause()))
                .buildAsync();
        Mqtt5ConnAck connAck = publisher.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
        int brokerReceiveMaximum = connAck.getRestrictions().getReceiveMaximum();

        if (warmup > 0) {
            run(publisher, warmupCounter, warmupTopics, devices, qos, warmup, window, idleSeconds,
                    label + " warm-up");
            System.err.printf("load %s: warm-up %d of %d received%n", label, warmupCounter.unique, warmup);
        }
        Phase p = run(publisher, counter, topics, devices, qos, messages, window, idleSeconds, label);
        publisher.disconnect().get(10, TimeUnit.SECONDS);
        subscriber.disconnect().get(10, TimeUnit.SECONDS);

        synchronized (counter) {
            long lastReceive = counter.lastReceiveNanos;
            double elapsedSeconds = lastReceive > p.firstPublish ? (lastReceive - p.firstPublish) / 1e9 : Double.NaN;
            double publishSeconds = (p.published - p.firstPublish) / 1e9;
            System.out.printf(Locale.ROOT, "RESULT label=%s qos=%d messages=%d received=%d lost=%d dupes=%d"
                            + " outOfOrder=%d unparsable=%d publishFailed=%d elapsedMs=%.0f msgPerS=%.0f"
                            + " publishMsgPerS=%.0f brokerReceiveMaximum=%d window=%d topics=%d warmup=%d%n",
                    label, qos.getCode(), messages, counter.unique, messages - counter.unique, counter.duplicates,
                    counter.outOfOrder, counter.unparsable, p.publishFailed, elapsedSeconds * 1000,
                    counter.unique / elapsedSeconds, messages / publishSeconds, brokerReceiveMaximum, window,
                    topicCount, warmup);
        }
    }

    /** Timestamps of one publishing phase. */
    private static final class Phase {
        final long firstPublish;
        final long published;
        final long publishFailed;

        Phase(long firstPublish, long published, long publishFailed) {
            this.firstPublish = firstPublish;
            this.published = published;
            this.publishFailed = publishFailed;
        }
    }

    /** Publishes {@code messages} readings and waits until all arrived or none arrived for a while. */
    private static Phase run(Mqtt5AsyncClient publisher, LoadMain counter, String[] topics, String[] devices,
            MqttQos qos, int messages, int window, int idleSeconds, String label) throws InterruptedException {
        int topicCount = topics.length;
        Semaphore inFlight = new Semaphore(window);
        AtomicLong publishFailed = new AtomicLong();
        long firstPublish = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            int t = i % topicCount;
            long seq = i / topicCount;
            inFlight.acquire();
            publisher.publishWith().topic(topics[t]).qos(qos).payload(payload(devices[t], seq, i)).send()
                    .whenComplete((result, failure) -> {
                        if (failure != null || result.getError().isPresent()) {
                            publishFailed.incrementAndGet();
                        }
                        inFlight.release();
                    });
        }
        inFlight.acquire(window);
        long published = System.nanoTime();
        Phase phase = new Phase(firstPublish, published, publishFailed.get());

        long lastProgress = System.nanoTime();
        long lastUnique = -1;
        long lastReport = System.nanoTime();
        while (true) {
            long u = counter.uniqueSnapshot;
            long now = System.nanoTime();
            if (u >= messages) {
                break;
            }
            if (u != lastUnique) {
                lastUnique = u;
                lastProgress = now;
            } else if (now - lastProgress > TimeUnit.SECONDS.toNanos(idleSeconds)) {
                break;
            }
            if (now - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                System.err.printf("load %s: %d of %d received%n", label, u, messages);
                lastReport = now;
            }
            Thread.sleep(20);
        }
        return phase;
    }

    private static byte[] payload(String device, long seq, int i) {
        // About 100 bytes, the size of a typical JSON sensor reading.
        StringBuilder b = new StringBuilder(112);
        b.append("{\"device_id\":\"").append(device).append("\",\"seq\":").append(seq)
                .append(",\"temperature\":").append(18 + (i % 90) / 10.0)
                .append(",\"humidity\":").append(40 + (i % 200) / 10.0)
                .append(",\"battery\":97,\"ts\":1712345678901}");
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private synchronized void received(Mqtt5Publish publish) {
        receivedTotal++;
        lastReceiveNanos = System.nanoTime();
        Integer t = topicIndex.get(publish.getTopic().toString());
        long seq = t == null ? -1 : parseSeq(publish.getPayloadAsBytes());
        if (seq < 0) {
            unparsable++;
            return;
        }
        BitSet s = seen[t];
        if (s.get((int) seq)) {
            duplicates++;
            return;
        }
        s.set((int) seq);
        unique++;
        uniqueSnapshot = unique;
        if (seq < lastSeq[t]) {
            outOfOrder++;
        } else {
            lastSeq[t] = seq;
        }
    }

    private static long parseSeq(byte[] p) {
        outer:
        for (int i = 0; i + SEQ_KEY.length < p.length; i++) {
            for (int k = 0; k < SEQ_KEY.length; k++) {
                if (p[i + k] != SEQ_KEY[k]) {
                    continue outer;
                }
            }
            long v = 0;
            int j = i + SEQ_KEY.length;
            int start = j;
            while (j < p.length && p[j] >= '0' && p[j] <= '9') {
                v = v * 10 + (p[j++] - '0');
            }
            return j > start ? v : -1;
        }
        return -1;
    }
}
