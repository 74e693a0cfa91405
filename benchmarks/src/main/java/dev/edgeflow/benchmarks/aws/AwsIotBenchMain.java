package dev.edgeflow.benchmarks.aws;

import dev.edgeflow.aws.AwsIotConnection;
import dev.edgeflow.aws.AwsIotLimits;
import dev.edgeflow.aws.AwsIotSink;
import dev.edgeflow.core.Message;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.crt.mqtt5.QOS;

/**
 * edgeflow's {@link AwsIotSink} against the bare CRT MQTT 5 client, on a local Mosquitto with a
 * mutual-TLS listener (started by {@code benchmarks/awsiot-vs-crt.sh}).
 *
 * <ul>
 *   <li>{@code throughput}: {@code --messages} QoS 1 readings of about 100 bytes through the sink
 *       with {@link AwsIotLimits#NONE} and through a bare {@link BareCrtClient}, each with at most
 *       {@code --in-flight} publishes unconfirmed (a semaphore released when a send completes, as a
 *       pipeline's in-flight cap would), on connections built the same way (one event-loop thread,
 *       the same TLS files), alternating which goes first, {@code --rounds} times after one
 *       unmeasured run of each. The clock runs from the first send to the last PUBACK;
 *       connecting is outside it. Prints msg/s of each, the ratio edgeflow / bare, and the CPU
 *       time this JVM and the broker spent per message.</li>
 *   <li>{@code limits}: {@link AwsIotLimits#IOT_CORE} (checks and the 100 publishes/s limiter),
 *       optionally batching ({@code --batch-bytes}, {@code --batch-delay-ms}); sends as fast as
 *       {@code --outstanding} unconfirmed sends allow for {@code --seconds}, and prints the
 *       readings and publishes confirmed per second (after the first second, and over the whole
 *       run), readings per publish, and what a subscriber on the same broker received: readings,
 *       and the most publishes that arrived within any one second.</li>
 * </ul>
 *
 * <p>Both modes print {@code RESULT} lines with the 1-minute load average at the end of each
 * measurement, since other work may share the machine.
 */
public final class AwsIotBenchMain {
    private static final int DEVICES = 8;
    private static final byte[] READING_MARK = "{\"device_id\"".getBytes(StandardCharsets.UTF_8);

    private AwsIotBenchMain() {
    }

    public static void main(String[] argv) throws Exception {
        String mode = argv.length > 0 ? argv[0] : "";
        String port = arg(argv, "--port", null);
        String certs = arg(argv, "--certs", null);
        if (port == null || certs == null || !(mode.equals("throughput") || mode.equals("limits"))) {
            System.err.println("usage: AwsIotBenchMain throughput|limits --port P --certs DIR [--broker-pid PID]"
                    + " [--messages N] [--rounds R] [--in-flight N]"
                    + " [--seconds S] [--outstanding N] [--batch-bytes B] [--batch-delay-ms MS]\n"
                    + "DIR holds ca.pem, client.pem and client.key");
            System.exit(2);
        }
        Path dir = Path.of(certs);
        TlsFiles tls = new TlsFiles(dir.resolve("ca.pem"), dir.resolve("client.pem"), dir.resolve("client.key"));
        Target target = new Target("localhost", Integer.parseInt(port), tls,
                Long.parseLong(arg(argv, "--broker-pid", "0")));
        if (mode.equals("throughput")) {
            throughput(target, Integer.parseInt(arg(argv, "--messages", "100000")),
                    Integer.parseInt(arg(argv, "--rounds", "9")), Integer.parseInt(arg(argv, "--in-flight", "100")));
        } else {
            limits(target, Integer.parseInt(arg(argv, "--seconds", "10")),
                    Integer.parseInt(arg(argv, "--outstanding", "20000")),
                    Integer.parseInt(arg(argv, "--batch-bytes", "0")),
                    Integer.parseInt(arg(argv, "--batch-delay-ms", "1000")));
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

    /** Where the broker is, and its process for the CPU figures (0: not known). */
    private record Target(String host, int port, TlsFiles tls, long brokerPid) {
    }

    /**
     * One measured path: the rate, CPU time per message of this JVM and of the broker, and the
     * busiest threads of this JVM with the share of the run each was on a CPU.
     */
    private record Run(double msgPerS, double jvmCpuMicros, double brokerCpuMicros, long failed, String threads) {
    }

    // ---- throughput: limits off, the sink against the bare client ----

    private static void throughput(Target t, int messages, int rounds, int inFlight) throws Exception {
        byte[][] readings = readings(messages);
        String[] topics = topics();
        // A whole run of each first: with a fifth, C2 still compiled the bare path in round 2.
        runBare(t, "warmup", readings, topics, messages, inFlight);
        runSink(t, "warmup", readings, topics, messages, inFlight);
        double[] bare = new double[rounds];
        double[] sink = new double[rounds];
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            Run b;
            Run s;
            boolean bareFirst = r % 2 == 0;
            if (bareFirst) {
                b = runBare(t, "r" + r, readings, topics, messages, inFlight);
                s = runSink(t, "r" + r, readings, topics, messages, inFlight);
            } else {
                s = runSink(t, "r" + r, readings, topics, messages, inFlight);
                b = runBare(t, "r" + r, readings, topics, messages, inFlight);
            }
            bare[r] = b.msgPerS();
            sink[r] = s.msgPerS();
            ratio[r] = s.msgPerS() / b.msgPerS();
            System.out.printf(Locale.ROOT, "RESULT throughput round=%d first=%s messages=%d inFlight=%d "
                    + "bareMsgPerS=%.0f edgeflowMsgPerS=%.0f ratio=%.3f bareJvmCpuUsPerMsg=%.2f "
                    + "edgeflowJvmCpuUsPerMsg=%.2f bareBrokerCpuUsPerMsg=%.2f edgeflowBrokerCpuUsPerMsg=%.2f "
                    + "failed=%d load=%s%n    bareThreads=%s%n    edgeflowThreads=%s%n", r + 1, bareFirst ? "bare" : "edgeflow", messages, inFlight, b.msgPerS(),
                    s.msgPerS(), ratio[r], b.jvmCpuMicros(), s.jvmCpuMicros(), b.brokerCpuMicros(),
                    s.brokerCpuMicros(), b.failed() + s.failed(), load(), b.threads(), s.threads());
        }
        System.out.printf(Locale.ROOT, "RESULT throughput median rounds=%d bareMsgPerS=%.0f edgeflowMsgPerS=%.0f "
                + "ratio=%.3f (median of the per-round ratios)%n", rounds, median(bare), median(sink), median(ratio));
    }

    private static Run runBare(Target t, String label, byte[][] readings, String[] topics, int messages, int inFlight)
            throws Exception {
        try (BareCrtClient client = new BareCrtClient(t.host(), t.port(), "bench-bare-" + label, t.tls(), null)) {
            Semaphore window = new Semaphore(inFlight);
            LongAdder failed = new LongAdder();
            Cpu cpu = Cpu.start(t.brokerPid());
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                window.acquire();
                client.publish(topics[i % DEVICES], readings[i], QOS.AT_LEAST_ONCE)
                        .whenComplete((r, f) -> {
                            if (f != null) {
                                failed.increment();
                            }
                            window.release();
                        });
            }
            window.acquire(inFlight);
            return cpu.stop(messages, System.nanoTime() - start, failed.sum());
        }
    }

    private static Run runSink(Target t, String label, byte[][] readings, String[] topics, int messages, int inFlight)
            throws Exception {
        AwsIotConnection connection = connection(t, "bench-edgeflow-" + label, AwsIotLimits.NONE);
        try (AwsIotSink sink = AwsIotSink.builder().connection(connection).maxInFlight(inFlight).build()) {
            Semaphore window = new Semaphore(inFlight);
            LongAdder failed = new LongAdder();
            Cpu cpu = Cpu.start(t.brokerPid());
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                window.acquire();
                sink.send(Message.of(topics[i % DEVICES], readings[i])).whenComplete((r, f) -> {
                    if (f != null) {
                        failed.increment();
                    }
                    window.release();
                });
            }
            window.acquire(inFlight);
            Run run = cpu.stop(messages, System.nanoTime() - start, failed.sum());
            if (sink.publishedCount() != messages) {
                throw new IllegalStateException("the sink confirmed " + sink.publishedCount() + " of " + messages);
            }
            return run;
        } finally {
            connection.close();
        }
    }

    // ---- limits on: the rate limiter, with and without batching ----

    private static void limits(Target t, int seconds, int outstanding, int batchBytes, int batchDelayMs)
            throws Exception {
        byte[][] readings = readings(100_000);
        String[] topics = topics();
        List<Long> arrivals = new ArrayList<>();
        AtomicLong received = new AtomicLong();
        String mode = batchBytes > 0 ? "batching" : "single";
        try (BareCrtClient counter = new BareCrtClient(t.host(), t.port(), "bench-counter-" + mode, t.tls(),
                payload -> {
                    synchronized (arrivals) {
                        arrivals.add(System.nanoTime());
                    }
                    received.addAndGet(count(payload, READING_MARK));
                })) {
            counter.subscribe("dt/bench/#", QOS.AT_LEAST_ONCE);
            AwsIotConnection connection = connection(t, "bench-limits-" + mode, AwsIotLimits.IOT_CORE);
            AwsIotSink.Builder builder = AwsIotSink.builder().connection(connection).maxInFlight(100)
                    .maxQueued(outstanding).closeTimeout(Duration.ofSeconds(5));
            if (batchBytes > 0) {
                builder.batching(batchBytes, Duration.ofMillis(batchDelayMs));
            }
            AwsIotSink sink = builder.build();
            Semaphore window = new Semaphore(outstanding);
            LongAdder failed = new LongAdder();
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            long oneSecond = start + TimeUnit.SECONDS.toNanos(1);
            long[] atOneSecond = null;
            long sent = 0;
            long now;
            while ((now = System.nanoTime()) < end) {
                if (atOneSecond == null && now >= oneSecond) {
                    atOneSecond = new long[] {now, sink.publishedCount(), sink.publishCount()};
                }
                if (!window.tryAcquire(1, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                int i = (int) (sent++ % readings.length);
                sink.send(Message.of(topics[i % DEVICES], readings[i])).whenComplete((r, f) -> {
                    if (f != null) {
                        failed.increment();
                    }
                    window.release();
                });
            }
            long confirmed = sink.publishedCount();
            long publishes = sink.publishCount();
            String loadAtEnd = load();
            long closing = System.nanoTime();
            sink.close();
            long closeMillis = (System.nanoTime() - closing) / 1_000_000;
            connection.close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.get() < sink.publishedCount() && System.nanoTime() < deadline) {
                Thread.sleep(10); // waits for the last deliveries to the counting subscriber
            }
            double total = (now - start) / 1e9;
            double steady = (now - atOneSecond[0]) / 1e9;
            System.out.printf(Locale.ROOT, "RESULT limits mode=%s seconds=%d outstanding=%d batchBytes=%d "
                    + "batchDelayMs=%d readingsPerS=%.0f publishesPerS=%.1f readingsPerPublish=%.1f "
                    + "readingsPerSAll=%.0f publishesPerSAll=%.1f sent=%d confirmedAtEnd=%d publishesAtEnd=%d "
                    + "confirmedAfterClose=%d failed=%d closeMs=%d subscriberReadings=%d subscriberPublishes=%d "
                    + "maxPublishesInAnySecond=%d load=%s%n", mode, seconds, outstanding, batchBytes,
                    batchBytes > 0 ? batchDelayMs : 0, (confirmed - atOneSecond[1]) / steady,
                    (publishes - atOneSecond[2]) / steady,
                    publishes == 0 ? 0.0 : (double) confirmed / publishes, confirmed / total, publishes / total, sent,
                    confirmed, publishes, sink.publishedCount(), failed.sum(), closeMillis, received.get(), arrivals.size(),
                    maxInOneSecond(arrivals), loadAtEnd);
        }
    }

    /** The most arrival times that fall within any one-second window. */
    private static int maxInOneSecond(List<Long> arrivals) {
        long[] times;
        synchronized (arrivals) {
            times = arrivals.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        int best = 0;
        int from = 0;
        for (int to = 0; to < times.length; to++) {
            while (times[to] - times[from] >= TimeUnit.SECONDS.toNanos(1)) {
                from++;
            }
            best = Math.max(best, to - from + 1);
        }
        return best;
    }

    private static int count(byte[] payload, byte[] mark) {
        int n = 0;
        outer:
        for (int i = 0; i + mark.length <= payload.length; i++) {
            for (int j = 0; j < mark.length; j++) {
                if (payload[i + j] != mark[j]) {
                    continue outer;
                }
            }
            n++;
        }
        return n;
    }

    // ---- shared ----

    private static AwsIotConnection connection(Target t, String clientId, AwsIotLimits limits) throws Exception {
        AwsIotConnection c = AwsIotConnection.builder().endpoint(t.host()).port(t.port()).clientId(clientId)
                .certificate(t.tls().certificate(), t.tls().key()).caCertificate(t.tls().ca())
                .limits(limits).build();
        c.awaitReady(Duration.ofSeconds(15));
        return c;
    }

    /**
     * Readings as the seed's gateway writes them, about 105 bytes each, built before any clock
     * starts so that both paths send the same bytes and neither pays for the formatting.
     */
    private static byte[][] readings(int n) {
        byte[][] r = new byte[n][];
        for (int i = 0; i < n; i++) {
            r[i] = String.format(Locale.ROOT, "{\"device_id\":\"RaspberryPi-%03d\",\"temperature\":%.2f,"
                    + "\"humidity\":%.2f,\"timestamp\":\"2026-11-28T04:%02d:%02d.%03dZ\"}", i % DEVICES,
                    20 + (i % 500) / 100.0, 40 + (i % 300) / 100.0, (i / 60_000) % 60, (i / 1000) % 60, i % 1000)
                    .getBytes(StandardCharsets.UTF_8);
        }
        return r;
    }

    private static String[] topics() {
        String[] t = new String[DEVICES];
        for (int d = 0; d < DEVICES; d++) {
            t[d] = String.format(Locale.ROOT, "dt/bench/RaspberryPi-%03d/reading", d);
        }
        return t;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /**
     * CPU time of this JVM (all threads: sender, CRT event loop, GC, JIT), of each of its threads,
     * and of the broker. A thread near 100 % of the run is the one that sets the rate.
     */
    private static final class Cpu {
        private final long brokerPid;
        private final long jvmStart;
        private final long brokerStart;
        private final Map<String, Long> threadsStart;

        private Cpu(long brokerPid) {
            this.brokerPid = brokerPid;
            this.jvmStart = jvmCpuNanos();
            this.brokerStart = brokerCpuNanos(brokerPid);
            this.threadsStart = threadTicks();
        }

        static Cpu start(long brokerPid) {
            return new Cpu(brokerPid);
        }

        Run stop(int messages, long elapsedNanos, long failed) {
            double jvm = (jvmCpuNanos() - jvmStart) / 1e3 / messages;
            double broker = brokerPid > 0 ? (brokerCpuNanos(brokerPid) - brokerStart) / 1e3 / messages : Double.NaN;
            Map<String, Long> threadsEnd = threadTicks();
            StringBuilder threads = new StringBuilder();
            threadsEnd.entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue() - threadsStart.getOrDefault(e.getKey(), 0L)))
                    .filter(e -> e.getValue() * 10_000_000.0 / elapsedNanos >= 0.05)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> threads.append(threads.length() > 0 ? "," : "").append(e.getKey()).append(':')
                            .append(String.format(Locale.ROOT, "%.0f%%", e.getValue() * 1e9 / elapsedNanos)));
            return new Run(messages / (elapsedNanos / 1e9), jvm, broker, failed, threads.toString());
        }

        /** CPU clock ticks (10 ms) of each thread of this JVM, by "name/tid" from /proc/self/task. */
        private static Map<String, Long> threadTicks() {
            Map<String, Long> ticks = new HashMap<>();
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    try {
                        String stat = Files.readString(task.resolve("stat"));
                        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(' ', '_');
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks.put(name + "/" + task.getFileName(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
                    } catch (java.io.IOException | RuntimeException e) {
                        // the thread ended meanwhile
                    }
                }
            } catch (java.io.IOException e) {
                return ticks;
            }
            return ticks;
        }

        private static long jvmCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }

        /** utime + stime from /proc/PID/stat, in clock ticks of 10 ms (USER_HZ 100 on Linux). */
        private static long brokerCpuNanos(long pid) {
            if (pid <= 0) {
                return 0;
            }
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
            } catch (java.io.IOException | RuntimeException e) {
                return 0;
            }
        }
    }
}
