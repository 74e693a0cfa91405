package dev.edgeflow.gcp;

import dev.edgeflow.testkit.PubSubEmulator;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** One emulator per test class, and fresh topic and subscription names per test. */
final class Emulator implements AutoCloseable {
    static final String PROJECT = "edgeflow-test";
    private static final AtomicInteger NEXT = new AtomicInteger();

    final PubSubEmulator process;
    final PubSubConnection connection;
    final PubSubAdmin admin;

    private Emulator(PubSubEmulator process) {
        this.process = process;
        this.connection = PubSubConnection.builder(PROJECT).emulatorHost(process.hostPort()).build();
        this.admin = PubSubAdmin.open(connection);
    }

    /** Starts the emulator, or skips the test class loudly where it is not installed. */
    static Emulator start() {
        return new Emulator(PubSubEmulator.start());
    }

    /** A fresh topic with one subscription of the same name plus "-sub"; returns the topic id. */
    String freshTopicWithSubscription(String prefix) {
        String topic = prefix + "-" + NEXT.incrementAndGet();
        admin.createTopicIfMissing(topic);
        admin.createSubscriptionIfMissing(topic + "-sub", topic, Duration.ofSeconds(10));
        return topic;
    }

    @Override
    public void close() {
        admin.close();
        process.close();
    }
}
