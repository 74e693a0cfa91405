package dev.edgeflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import dev.edgeflow.testkit.Peers;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, scale-out: two {@code edgeflow run} processes (the shaded jar) share one stream through
 * an MQTT shared subscription ({@code $share/gateways/sensor/#}) on a local broker and forward it to
 * a second Mosquitto, each under a topic prefix of its own ({@code gw1/}, {@code gw2/}) so that the
 * test's subscriber there sees which gateway forwarded each message. Every message carries a
 * sequence number; the subscriber counts each arrival. The local broker is Mosquitto, and in one
 * test HiveMQ CE, whose shared subscriptions behave differently when a member dies.
 *
 * <p>Each gateway has a fixed client id (so a persistent session: clean start off, session expiry
 * one hour) and a {@code spool} buffer in its own folder: a message is PUBACKed to the local broker
 * once it is on that gateway's disk.
 */
class ScaleOutIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Messages a second: steady, well below what one gateway forwards, so that the split is the broker's. */
    private static final int RATE = 500;
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    @TempDir
    Path dir;

    private AutoCloseable localBroker;
    private Endpoint local;
    private MosquittoBroker target;
    private Arrivals arrivals;
    private Publisher publisher;
    private final List<GatewayProcess> gateways = new ArrayList<>();

    @BeforeEach
    void startTheTarget() {
        Peers.requireExecutable("mosquitto", "apt-get install -y mosquitto");
        // No queue limit (0): Mosquitto's default of 1000 would drop what it queues for the test's
        // subscriber during the restarted gateway's catch-up, and the test would count the broker's
        // drops as the gateways' losses.
        target = MosquittoBroker.builder().maxQueuedMessages(0).start();
        arrivals = Arrivals.subscribe(target);
    }

    /** The local broker: Mosquitto, with no limit on what it queues for a gateway that is down. */
    private void localMosquitto() {
        MosquittoBroker m = MosquittoBroker.builder().maxQueuedMessages(0).start();
        localBroker = m;
        // MQTT 3.1.1 for the gateways' sources: Mosquitto 2.0.11 sends past an MQTT 5 receive
        // maximum once acknowledgements flow, and the source's fallback to 3.1.1 reconnects, which
        // would redeliver its window in normal operation (docs/mqtt.md). Sinks are not affected.
        local = new Endpoint(m.host(), m.port(), "3.1.1", m::log);
        publisher = Publisher.connect(local);
    }

    @AfterEach
    void stopEverything() {
        // Every process first, even when a test failed half-way: nothing may outlive the test run.
        for (GatewayProcess g : gateways) {
            g.kill();
        }
        if (publisher != null) {
            publisher.close();
        }
        if (arrivals != null) {
            arrivals.close();
        }
        if (localBroker != null) {
            try {
                localBroker.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot close the local broker " + localBroker, e);
            }
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void twoGatewaysSplitTheStreamAndDeliverEveryMessageExactlyOnce() {
        localMosquitto();
        GatewayProcess gw1 = gateway("gw1").start();
        GatewayProcess gw2 = gateway("gw2").start();
        gw1.awaitSubscribed(1);
        gw2.awaitSubscribed(1);

        int count = 2_000;
        publisher.publish(0, count, RATE).join();

        awaitUntil("every message at the target", () -> arrivals.distinct() == count, () -> describe(count));
        Tally t = arrivals.tally(count);
        System.out.printf("ScaleOutIT normal operation: %d messages, gw1 forwarded %d, gw2 %d, %d duplicates%n",
                count, t.byGateway("gw1"), t.byGateway("gw2"), t.duplicates);
        assertThat(t.missing).as("lost").isEmpty();
        // In normal operation nothing is redelivered: no connection drops, no nack, no restart.
        assertThat(t.duplicates).as("duplicates in normal operation; %s", describe(count)).isZero();
        assertThat(t.byGateway("gw1")).as("gw1's share of %d", count).isGreaterThanOrEqualTo(count / 4);
        assertThat(t.byGateway("gw2")).as("gw2's share of %d", count).isGreaterThanOrEqualTo(count / 4);
        assertThat(gw1.isAlive() && gw2.isAlive()).as(describe(count)).isTrue();
    }

    /*
     * Failover. Which duplicates are allowed, and why: the gateways deliver at least once, so a
     * message may arrive twice, but only through gw2's death and restart:
     *
     * - a message gw2 had received and not yet PUBACKed (not yet durable in its spool) when it was
     *   killed: the broker still owns it and sends it again, to gw2's persistent session on the
     *   restart (Mosquitto) or to the survivor (HiveMQ); if gw2 had forwarded it already, it
     *   arrives twice;
     * - a message gw2 had spooled and forwarded, whose confirmation its spool had not yet saved in
     *   the cursor (saved every second): the restarted gw2 replays it from the spool.
     *
     * Before the kill (normal operation), and from gw1 at any time, no duplicate is allowed.
     */

    /**
     * Mosquitto 2.0.11 hands the members of a shared subscription their turns round-robin whether
     * they are connected or not ({@code subs__shared_process} in its {@code subs.c}), so while gw2
     * is down its persistent session keeps receiving every other message, queued for its return.
     * gw1 goes on with its own half; gw2's half waits, and nothing is lost once gw2 is back.
     */
    @Test
    void whenOneGatewayIsKilledMosquittoKeepsItsShareForItsRestartAndNothingIsLost() {
        localMosquitto();
        Failover f = killGw2MidStream(3_000);

        // The survivor goes on with (at least) its share of the stream while gw2 is down.
        awaitUntil("gw1 forwarding after gw2's death",
                () -> arrivals.tally(f.count).byGatewayFrom("gw1", f.publishedBeforeKill) >= f.publishedAfterKill() * 2 / 5,
                () -> describe(f.count));

        restartGw2AndAwaitEveryMessage(f);
    }

    /**
     * A broker that shares a subscription among its connected members only, and gives the messages a
     * member had not acknowledged to the others when it goes (HiveMQ, here its Community Edition in
     * this JVM): the survivor takes the whole stream while gw2 is down, and only what gw2 had
     * acknowledged into its spool and not yet forwarded waits for its restart.
     */
    @Test
    void whenOneGatewayIsKilledTheOtherTakesTheWholeStreamOnABrokerThatSharesAmongConnectedMembers() {
        EmbeddedMqttBroker b = EmbeddedMqttBroker.builder().maxQueuedMessages(100_000).start();
        localBroker = b;
        local = new Endpoint(b.host(), b.port(), "5", () -> "(HiveMQ CE embedded in the test's JVM)");
        publisher = Publisher.connect(local);
        Failover f = killGw2MidStream(3_000);

        awaitUntil("every message published after gw2's death, through gw1",
                () -> arrivals.tally(f.count).missing.tailSet(f.publishedBeforeKill).isEmpty(),
                () -> describe(f.count));

        restartGw2AndAwaitEveryMessage(f);
    }

    /** Two gateways on the stream; gw2 killed (SIGKILL) a third of the way through; publishing goes on. */
    private Failover killGw2MidStream(int count) {
        GatewayProcess gw1 = gateway("gw1").start();
        GatewayProcess gw2 = gateway("gw2").start();
        gw1.awaitSubscribed(1);
        gw2.awaitSubscribed(1);

        CompletableFuture<Void> published = publisher.publish(0, count, RATE);
        awaitUntil("a third of the stream through both gateways",
                () -> arrivals.distinct() >= count / 3 && arrivals.tally(count).byGateway("gw2") > 0,
                () -> describe(count));
        gw2.kill();
        int publishedBeforeKill = publisher.sent();
        Tally beforeKill = arrivals.tally(count);
        assertThat(beforeKill.duplicates).as("duplicates before the kill, in normal operation; %s", beforeKill)
                .isZero();
        assertThat(publishedBeforeKill).as("the kill came mid-stream").isLessThan(count);
        published.join();
        assertThat(gw1.isAlive()).as(gw1.describe()).isTrue();
        return new Failover(count, publishedBeforeKill, beforeKill, gw1, gw2);
    }

    private void restartGw2AndAwaitEveryMessage(Failover f) {
        Tally whileDown = arrivals.tally(f.count);
        f.gw2.start();
        f.gw2.awaitSubscribed(2);
        awaitUntil("every message at the target after gw2's restart", () -> arrivals.distinct() == f.count,
                () -> describe(f.count));

        Tally end = arrivals.tally(f.count);
        System.out.printf("ScaleOutIT failover (%s): %d messages; gw2 killed after %d were published (%d had"
                        + " arrived); of the %d published after the kill, gw1 forwarded %d while gw2 was down; %d"
                        + " messages were missing until gw2 restarted; in the end gw1 forwarded %d, gw2 %d, %d"
                        + " duplicates (gw1: %d)%n",
                localBroker.getClass().getSimpleName(), f.count, f.publishedBeforeKill, f.beforeKill.distinct,
                f.publishedAfterKill(), whileDown.byGatewayFrom("gw1", f.publishedBeforeKill),
                whileDown.missing.size(), end.byGateway("gw1"), end.byGateway("gw2"), end.duplicates,
                end.duplicatesOf("gw1"));
        assertThat(end.missing).as("lost").isEmpty();
        assertThat(end.duplicatesOf("gw1")).as("duplicates forwarded by gw1, which never stopped; %s", end).isZero();
        assertThat(f.gw1.isAlive()).as(f.gw1.describe()).isTrue();
    }

    private record Failover(int count, int publishedBeforeKill, Tally beforeKill, GatewayProcess gw1,
            GatewayProcess gw2) {
        int publishedAfterKill() {
            return count - publishedBeforeKill;
        }
    }

    /** Awaitility, with what the gateways and brokers said when the condition is not met in time. */
    private static void awaitUntil(String what, Callable<Boolean> condition, Supplier<String> diagnostics) {
        try {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what + "; " + diagnostics.get(), e);
        }
    }

    private GatewayProcess gateway(String name) {
        GatewayProcess g = new GatewayProcess(name, dir.resolve(name), local, target);
        gateways.add(g);
        return g;
    }

    private String describe(int count) {
        StringBuilder s = new StringBuilder(arrivals.tally(count).toString());
        for (GatewayProcess g : gateways) {
            s.append('\n').append(g.describe());
        }
        return s.append("\nlocal broker log:\n").append(tail(local.log().get())).toString();
    }

    private static String tail(String text) {
        return text.length() <= 4_000 ? text : "..." + text.substring(text.length() - 4_000);
    }

    /** One {@code edgeflow run} process, its output in files in its own folder, kept across restarts. */
    private static final class GatewayProcess {
        private final String name;
        private final Path home;
        private final Path file;
        private Process process;

        GatewayProcess(String name, Path home, Endpoint local, MosquittoBroker target) {
            this.name = name;
            this.home = home;
            try {
                Files.createDirectories(home);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.file = CliProcess.writeFile(home.resolve("gateway.yaml"), ""
                    + "name: " + name + "\n"
                    + "sources:\n"
                    + "  local:\n"
                    + "    type: mqtt\n"
                    + "    options:\n"
                    + "      host: " + local.host + "\n"
                    + "      port: " + local.port + "\n"
                    + "      clientId: scaleout-" + name + "\n"
                    + "      cleanStart: false\n"
                    + "      sessionExpiry: 1h\n"
                    + "      version: " + local.sourceVersion + "\n"
                    + "      qos: 1\n"
                    + "      topics: ['$share/gateways/sensor/#']\n"
                    + "sinks:\n"
                    + "  target:\n"
                    + "    type: mqtt\n"
                    + "    options: {host: " + target.host() + ", port: " + target.port() + ", clientId: scaleout-"
                    + name + "-out}\n"
                    + "routes:\n"
                    + "  - name: uplink\n"
                    + "    source: local\n"
                    + "    topic: sensor/#\n"
                    + "    sink: target\n"
                    + "    targetTopicPrefix: " + name + "/\n"
                    + "    buffer: {type: spool, directory: spool}\n");
        }

        /** Starts, or starts again on the same file, spool and client ids. */
        GatewayProcess start() {
            List<String> command = List.of(CliProcess.java(), "-Xmx256m", "-XX:+UseSerialGC", "-jar",
                    CliProcess.jar().toString(), "run", "--status-interval", "1s", "--drain", "5s", file.toString());
            try {
                process = new ProcessBuilder(command).directory(home.toFile())
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("out.log").toFile()))
                        .redirectError(ProcessBuilder.Redirect.appendTo(home.resolve("err.log").toFile()))
                        .start();
                process.getOutputStream().close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command, e);
            }
            return this;
        }

        /** Waits for the source's {@code times}-th subscription since the first start (the log line after SUBACK). */
        void awaitSubscribed(int times) {
            String line = "connected as scaleout-" + name + " over";
            awaitUntil(name + "'s source subscribed (" + times + ")", () -> {
                if (!process.isAlive()) {
                    throw new AssertionError(name + " ended; " + describe());
                }
                return err().split(Pattern.quote(line), -1).length - 1 >= times;
            }, this::describe);
        }

        /** SIGKILL, as a crash would: nothing is drained, no DISCONNECT is sent. */
        void kill() {
            Process p = process;
            if (p == null || !p.isAlive()) {
                return;
            }
            p.destroyForcibly();
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    throw new AssertionError(name + " (pid " + p.pid() + ") still runs 30 s after SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        boolean isAlive() {
            return process != null && process.isAlive();
        }

        String describe() {
            String state = process == null ? "not started" : process.isAlive() ? "running"
                    : "exited " + process.exitValue();
            return name + " (" + state + ")\nout:\n" + tail(read("out.log")) + "\nerr:\n" + tail(err());
        }

        private String err() {
            return read("err.log");
        }

        private String read(String log) {
            try {
                return Files.readString(home.resolve(log), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }
    }

    /** The device side: QoS 1 readings with a sequence number, at a steady rate, on the local broker. */
    private static final class Publisher {
        private final Mqtt5AsyncClient client;
        private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "scaleout-publisher");
            t.setDaemon(true);
            return t;
        });
        private final AtomicInteger sent = new AtomicInteger();

        private Publisher(Mqtt5AsyncClient client) {
            this.client = client;
        }

        static Publisher connect(Endpoint broker) {
            Mqtt5AsyncClient c = Mqtt5Client.builder().identifier("scaleout-device").serverHost(broker.host)
                    .serverPort(broker.port).buildAsync();
            c.connectWith().cleanStart(true).send().join();
            return new Publisher(c);
        }

        /**
         * Publishes {@code from} to {@code to - 1}, {@code rate} a second, in ticks of 10 ms.
         *
         * @return completes once the broker has acknowledged every one
         */
        CompletableFuture<Void> publish(int from, int to, int rate) {
            int perTick = Math.max(1, rate / 100);
            CompletableFuture<Void> done = new CompletableFuture<>();
            List<CompletableFuture<?>> acks = new ArrayList<>();
            AtomicInteger next = new AtomicInteger(from);
            clock.scheduleAtFixedRate(() -> {
                if (done.isDone()) {
                    throw new IllegalStateException("ended"); // cancels this schedule
                }
                for (int i = 0; i < perTick && next.get() < to; i++) {
                    int seq = next.getAndIncrement();
                    acks.add(client.publishWith().topic("sensor/pi-" + seq % 4).qos(MqttQos.AT_LEAST_ONCE)
                            .payload(("{\"device\":\"pi-" + seq % 4 + "\",\"seq\":" + seq + "}")
                                    .getBytes(StandardCharsets.UTF_8))
                            .send());
                    sent.incrementAndGet();
                }
                if (next.get() >= to) {
                    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> {
                        if (failure == null) {
                            done.complete(null);
                        } else {
                            done.completeExceptionally(failure);
                        }
                    });
                    throw new IllegalStateException("ended");
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
            return done.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        int sent() {
            return sent.get();
        }

        void close() {
            clock.shutdownNow();
            client.disconnect().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
    }

    /**
     * The far side: every message the gateways forward to the target broker, by gateway (the topic
     * prefix) and sequence number. MQTT 3.1.1, which has no receive maximum for Mosquitto to
     * overrun during the restarted gateway's catch-up.
     */
    private static final class Arrivals {
        private final Mqtt3AsyncClient client;
        private final ConcurrentLinkedQueue<Arrival> all = new ConcurrentLinkedQueue<>();

        private Arrivals(Mqtt3AsyncClient client) {
            this.client = client;
        }

        static Arrivals subscribe(MosquittoBroker broker) {
            Mqtt3AsyncClient c = Mqtt3Client.builder().identifier("scaleout-far-side").serverHost(broker.host())
                    .serverPort(broker.port()).buildAsync();
            c.connectWith().cleanSession(true).send().join();
            Arrivals a = new Arrivals(c);
            c.subscribeWith().topicFilter("+/sensor/#").qos(MqttQos.AT_LEAST_ONCE).callback(p -> {
                String topic = p.getTopic().toString();
                Matcher m = SEQ.matcher(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
                a.all.add(new Arrival(topic.substring(0, topic.indexOf('/')), m.find() ? Integer.parseInt(m.group(1))
                        : -1));
            }).send().join();
            return a;
        }

        int distinct() {
            TreeSet<Integer> seen = new TreeSet<>();
            for (Arrival a : all) {
                seen.add(a.seq);
            }
            return seen.size();
        }

        Tally tally(int count) {
            return new Tally(List.copyOf(all), count);
        }

        void close() {
            client.disconnect().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
    }

    private record Arrival(String gateway, int seq) {
    }

    /** Where the local broker listens, and its log for diagnostics. */
    private record Endpoint(String host, int port, String sourceVersion, Supplier<String> log) {
    }

    /** What arrived, counted. */
    private static final class Tally {
        final List<Arrival> arrivals;
        final TreeSet<Integer> missing = new TreeSet<>();
        final Map<Integer, Integer> copies = new TreeMap<>();
        final int distinct;
        final int duplicates;

        Tally(List<Arrival> arrivals, int count) {
            this.arrivals = arrivals;
            for (Arrival a : arrivals) {
                copies.merge(a.seq, 1, Integer::sum);
            }
            for (int i = 0; i < count; i++) {
                if (!copies.containsKey(i)) {
                    missing.add(i);
                }
            }
            distinct = copies.size();
            duplicates = arrivals.size() - distinct;
        }

        int byGateway(String gateway) {
            return (int) arrivals.stream().filter(a -> a.gateway.equals(gateway)).count();
        }

        int byGatewayFrom(String gateway, int fromSeq) {
            return (int) arrivals.stream().filter(a -> a.gateway.equals(gateway) && a.seq >= fromSeq).count();
        }

        int duplicatesOf(String gateway) {
            List<Arrival> own = arrivals.stream().filter(a -> a.gateway.equals(gateway)).toList();
            return own.size() - (int) own.stream().mapToInt(Arrival::seq).distinct().count();
        }

        @Override
        public String toString() {
            return arrivals.size() + " arrivals, " + distinct + " distinct, " + duplicates + " duplicates, gw1 "
                    + byGateway("gw1") + ", gw2 " + byGateway("gw2") + ", " + missing.size() + " missing"
                    + (missing.isEmpty() ? "" : " (first " + missing.first() + ", last " + missing.last() + ")");
        }
    }
}
