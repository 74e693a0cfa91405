package dev.edgeflow.examples;

import dev.edgeflow.core.Message;
import dev.edgeflow.gcp.PubSubAdmin;
import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.gcp.PubSubPuller;
import dev.edgeflow.gcp.PubSubSink;
import dev.edgeflow.testkit.PubSubEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Pub/Sub emulator per test class, fresh topic and subscription names per test, and a
 * subscription of the test's own on each topic to see what really arrived there.
 */
final class PubSubTestEmulator implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger();

    final PubSubEmulator process;
    final PubSubConnection connection;
    final PubSubAdmin admin;

    private PubSubTestEmulator(PubSubEmulator process) {
        this.process = process;
        this.connection = PubSubConnection.builder("edgeflow-examples-it").emulatorHost(process.hostPort()).build();
        this.admin = PubSubAdmin.open(connection);
    }

    /** Starts the emulator, or skips the test class loudly where it is not installed. */
    static PubSubTestEmulator start() {
        return new PubSubTestEmulator(PubSubEmulator.start());
    }

    /** A name no other test uses. */
    static String fresh(String prefix) {
        return prefix + "-" + NEXT.incrementAndGet();
    }

    /** Creates a topic and the test's subscription {@code <topic>-audit} on it; returns a puller on that. */
    PubSubPuller topicWithAudit(String topic) {
        admin.createTopicIfMissing(topic);
        admin.createSubscriptionIfMissing(topic + "-audit", topic, Duration.ofSeconds(60));
        return PubSubPuller.open(connection, topic + "-audit");
    }

    /**
     * Returns what a test's subscription holds, without waiting on an empty one: publishes a
     * marker and pulls until it arrives. The emulator answers a pull on an empty subscription
     * only at the call's deadline, a minute later; with the marker there it answers at once.
     * Everything published before the marker was stored before it and comes in the same pulls.
     *
     * @param topic the topic
     * @param audit a puller on the test's subscription to it
     * @return the messages other than the marker, acked
     */
    List<Message> drainBeforeMarker(String topic, PubSubPuller audit) throws Exception {
        String marker;
        try (PubSubSink sink = PubSubSink.builder(connection, topic).build()) {
            marker = sink.sendForId(Message.of("test/marker", "marker")).get(30, TimeUnit.SECONDS);
        }
        List<Message> others = new ArrayList<>();
        boolean seen = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!seen && System.nanoTime() < deadline) {
            List<PubSubPuller.Pulled> pulled = audit.pull(100);
            audit.ack(pulled);
            for (PubSubPuller.Pulled p : pulled) {
                if (p.message().id().equals(marker)) {
                    seen = true;
                } else {
                    others.add(p.message());
                }
            }
        }
        if (!seen) {
            throw new IllegalStateException("the marker " + marker + " published to " + topic + " was not pulled "
                    + "from its test subscription within 30 s");
        }
        return others;
    }

    @Override
    public void close() {
        admin.close();
        process.close();
    }
}
