package dev.edgeflow.gcp;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Source;
import dev.edgeflow.testkit.SourceContract;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The source contract against the Pub/Sub emulator: messages published to the topic reach the source. */
class PubSubSourceContractIT extends SourceContract {
    private static Emulator emulator;
    private String topic;

    @BeforeAll
    static void startEmulator() {
        emulator = Emulator.start();
    }

    @AfterAll
    static void stopEmulator() {
        if (emulator != null) {
            emulator.close();
        }
    }

    @Override
    protected Source createSource() {
        topic = emulator.freshTopicWithSubscription("source-contract");
        return PubSubSource.builder(emulator.connection, topic + "-sub").topicFromAttribute("source_topic")
                .maxOutstandingMessages(100).closeTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    protected void publish(List<Message> messages) throws Exception {
        try (PubSubSink sink = PubSubSink.builder(emulator.connection, topic).topicAttribute("source_topic").build()) {
            CompletableFuture<?>[] sent = messages.stream().map(sink::sendForId).toArray(CompletableFuture[]::new);
            CompletableFuture.allOf(sent).get();
        }
    }

    /** Acks the source handed to the client for sending; the emulator does not tell what it holds outstanding. */
    @Override
    protected OptionalLong acknowledgedCount(Source source) {
        return OptionalLong.of(((PubSubSource) source).counts()[1]);
    }

    /** Deleting the subscription ends the streaming pull with NOT_FOUND. */
    @Override
    protected Optional<Runnable> breakFarSide(Source source) {
        return Optional.of(() -> emulator.admin.deleteSubscriptionIfExists(topic + "-sub"));
    }

    /** The emulator's output reader belongs to the test. */
    @Override
    protected boolean isSourceThread(Thread thread) {
        return !thread.getName().startsWith("pubsub-emulator-output") && super.isSourceThread(thread);
    }

    @Override
    protected Duration quietPeriod() {
        return Duration.ofSeconds(2);
    }
}
