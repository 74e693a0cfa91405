package dev.edgeflow.gcp;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.testkit.SinkContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The sink contract against the Pub/Sub emulator: a synchronous pull on the topic's subscription reads back. */
class PubSubSinkContractIT extends SinkContract {
    static Emulator emulator;
    private PubSubPuller puller;

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
    protected Sink createSink() {
        String topic = emulator.freshTopicWithSubscription("sink-contract");
        if (puller != null) {
            puller.close();
        }
        puller = PubSubPuller.open(emulator.connection, topic + "-sub");
        return PubSubSink.builder(emulator.connection, topic).topicAttribute("source_topic").transport(transport())
                .build();
    }

    /** The transport under test: the client library's gRPC publisher here. */
    protected PubSubSink.Transport transport() {
        return PubSubSink.Transport.GRPC;
    }

    /** Pulls and acks; the topic comes back from the source_topic attribute the sink wrote. */
    @Override
    protected List<Message> readBack(int expected, Duration timeout) {
        List<PubSubPuller.Pulled> pulled = puller.pullAtLeast(expected, timeout);
        puller.ack(pulled);
        List<Message> out = new ArrayList<>();
        for (PubSubPuller.Pulled p : pulled) {
            Message m = p.message();
            Message.Builder b = Message.builder(m.headers().get("source_topic")).id(m.id()).payload(m.payload())
                    .timestamp(m.timestamp());
            m.headers().forEach((k, v) -> {
                if (!k.equals("source_topic")) {
                    b.header(k, v);
                }
            });
            out.add(b.build());
        }
        return out;
    }

    /** Publishing without ordering keys: Pub/Sub does not keep order between batches. */
    @Override
    protected boolean preservesOrder() {
        return false;
    }

    /** Nothing listens on the port: every publish fails once the short retry budget is spent. */
    @Override
    protected Optional<Sink> createBrokenSink() {
        PubSubConnection nowhere = PubSubConnection.builder(Emulator.PROJECT)
                .emulatorHost("127.0.0.1:" + FreePorts.loopbackPort()).build();
        return Optional.of(PubSubSink.builder(nowhere, "nowhere").transport(transport())
                .retryTimeout(Duration.ofSeconds(10))
                .closeTimeout(Duration.ofSeconds(2)).build());
    }

    /** The client's channel and executor threads belong to the sink; the emulator's output reader is the test's. */
    @Override
    protected boolean isSinkThread(Thread thread) {
        return !thread.getName().startsWith("pubsub-emulator-output") && super.isSinkThread(thread);
    }

    @Override
    protected void cleanup() {
        if (puller != null) {
            puller.close();
            puller = null;
        }
    }
}
