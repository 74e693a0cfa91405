package dev.edgeflow.examples;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.Sink;
import dev.edgeflow.gcp.PubSubAdmin;
import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.gcp.PubSubPuller;
import dev.edgeflow.gcp.PubSubSink;
import dev.edgeflow.gcp.PubSubSource;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The tutorial's Pub/Sub client (section 3.3) in Java, in four steps on one topic and one
 * subscription, created if missing ({@code iot-sensor-data} and {@code iot-sensor-sub}):
 *
 * <ol>
 *   <li><b>publish with attributes</b>: five readings from {@code pi-001}, each with the attribute
 *       {@code device_type=raspberry_pi} (a message header becomes an attribute), each waiting for
 *       its message id as the tutorial's {@code future.result()} does;</li>
 *   <li><b>pull with ack</b>: {@link PubSubPuller} pulls them and acknowledges them after they are
 *       printed (the tutorial acks before its caller has seen them);</li>
 *   <li><b>batch publish</b>: {@code --batch} readings sent at once; the sink batches them into few
 *       requests and the program waits for every id;</li>
 *   <li><b>streaming subscribe</b>: a {@link PubSubSource} in a pipeline receives the batch; the
 *       callback is the pipeline's sink, and a message is acked once the callback returned.</li>
 * </ol>
 *
 * <p>With no arguments it starts the Pub/Sub emulator and stops it at the end:
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.PubSubClientExample
 * </pre>
 *
 * <p>{@code --project my-project} runs it against Google Cloud; see {@link PubSubEnvironment}.
 */
public final class PubSubClientExample {
    static final String TOPIC = "iot-sensor-data";
    static final String SUBSCRIPTION = "iot-sensor-sub";
    static final String DEVICE_TOPIC = "sensor/pi-001/reading";
    static final int SINGLE_PUBLISHES = 5;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Set<String> ARGS = Set.of("--project", "--emulator", "--credentials", "--topic",
            "--subscription", "--batch");
    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: PubSubClientExample [--topic iot-sensor-data] [--subscription iot-sensor-sub] [--batch 20]",
            "       [--emulator host:port | --project id [--credentials file]]",
            ExampleArgs.PUBSUB_USAGE);

    private PubSubClientExample() {
    }

    /**
     * What one run did, for the report and for tests.
     *
     * @param publishedIds the ids of the five single publishes, in order
     * @param pulled the messages pulled and acked
     * @param batchIds the ids of the batch
     * @param streamed the messages the streaming subscription handed to the callback
     * @param streamAcked how many of those the source acked to Pub/Sub
     */
    record Result(List<String> publishedIds, List<Message> pulled, List<String> batchIds, List<Message> streamed,
            long streamAcked) {
    }

    /**
     * Runs the four steps.
     *
     * @param args {@code --topic}, {@code --subscription}, {@code --batch}, and where Pub/Sub is:
     *     {@code --emulator host:port} or {@code --project id [--credentials file]}; none starts the emulator
     */
    public static void main(String[] args) {
        ExampleArgs a;
        try {
            a = ExampleArgs.parse(args, ARGS);
            if (a.help()) {
                System.out.println(USAGE);
                return;
            }
            a.wholeNumber("--batch", 20, 1, 1000);
        } catch (IllegalArgumentException e) {
            ExampleArgs.exitWithUsage("PubSubClientExample", e.getMessage(), USAGE);
            return;
        }
        try (PubSubEnvironment pubSub = a.pubSub()) {
            run(pubSub.connection(), a.get("--topic", TOPIC), a.get("--subscription", SUBSCRIPTION),
                    (int) a.wholeNumber("--batch", 20, 1, 1000), System.out);
        } catch (RuntimeException e) {
            System.err.println("PubSubClientExample: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Creates the topic and subscription if missing, then publishes, pulls, batch-publishes and
     * streams.
     *
     * @param connection where Pub/Sub is
     * @param topicId the topic
     * @param subscriptionId a subscription on it
     * @param batchSize how many readings the batch holds
     * @param out where the tutorial's lines are printed
     * @return what happened
     * @throws IllegalStateException if a step does not finish within 30 s
     */
    static Result run(PubSubConnection connection, String topicId, String subscriptionId, int batchSize,
            PrintStream out) {
        try (PubSubAdmin admin = PubSubAdmin.open(connection)) {
            admin.createTopicIfMissing(topicId);
            admin.createSubscriptionIfMissing(subscriptionId, topicId, Duration.ofSeconds(60));
        }
        List<String> ids = new ArrayList<>();
        List<String> batchIds;
        List<Message> pulled;
        Streamed streamed;
        try (PubSubSink publisher = PubSubSink.builder(connection, topicId).name("publisher").build()) {
            out.println("1. publish with attributes to " + publisher.topic());
            for (int i = 0; i < SINGLE_PUBLISHES; i++) {
                Message reading = Message.builder(DEVICE_TOPIC)
                        .jsonPayload(reading("pi-001", 25.5 + i * 0.5))
                        .header("device_type", "raspberry_pi")
                        .build();
                String id = await(publisher.sendForId(reading), "publishing reading " + i);
                out.println("Published: " + id);
                ids.add(id);
            }

            out.println("2. pull with ack from " + subscriptionId);
            pulled = pullAndAck(connection, subscriptionId, SINGLE_PUBLISHES, out);

            out.println("3. batch publish of " + batchSize + " readings");
            List<CompletableFuture<String>> futures = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                futures.add(publisher.sendForId(Message.ofJson(DEVICE_TOPIC, reading("pi-001", 20.0 + i * 0.1))));
            }
            batchIds = new ArrayList<>();
            for (CompletableFuture<String> f : futures) {
                batchIds.add(await(f, "the batch publish"));
            }
            out.println("Batch publish complete: " + batchIds.size() + " messages");
        }

        out.println("4. streaming subscribe to " + subscriptionId);
        streamed = stream(connection, subscriptionId, batchSize, out);
        return new Result(List.copyOf(ids), pulled, List.copyOf(batchIds), streamed.messages(), streamed.acked());
    }

    private static List<Message> pullAndAck(PubSubConnection connection, String subscriptionId, int count,
            PrintStream out) {
        try (PubSubPuller puller = PubSubPuller.open(connection, subscriptionId)) {
            List<PubSubPuller.Pulled> batch = puller.pullAtLeast(count, WAIT);
            List<Message> messages = new ArrayList<>();
            for (PubSubPuller.Pulled p : batch) {
                Message m = p.message();
                out.println("Pulled " + m.id() + ": data=" + m.payloadAsString() + " attributes=" + m.headers());
                messages.add(m);
            }
            // Acked once handled: a crash before this line gets them delivered again.
            puller.ack(batch);
            if (messages.size() < count) {
                throw new IllegalStateException("pulled " + messages.size() + " of the " + count
                        + " messages published to subscription " + subscriptionId + " within " + WAIT.toSeconds()
                        + " s");
            }
            return List.copyOf(messages);
        }
    }

    private static Streamed stream(PubSubConnection connection, String subscriptionId, int count, PrintStream out) {
        List<Message> streamed = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch received = new CountDownLatch(count);
        PubSubSource source = PubSubSource.builder(connection, subscriptionId)
                .topic("cloud/" + subscriptionId)
                .maxOutstandingMessages(100)
                .closeTimeout(Duration.ofSeconds(5))
                .build();
        Sink callback = new CallbackSink("callback", m -> {
            out.println("Received " + m.id() + ": data=" + m.payloadAsString() + " attributes=" + m.headers());
            streamed.add(m);
            received.countDown();
        });
        Pipeline pipeline = Pipeline.from(source).name("subscriber").to(callback).start();
        out.println("Subscription started: projects/" + connection.projectId() + "/subscriptions/" + subscriptionId);
        try {
            if (!received.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the streaming subscription received " + streamed.size() + " of "
                        + count + " messages within " + WAIT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for messages", e);
        } finally {
            // The drain settles what the callback has handled: the source acks it to Pub/Sub.
            pipeline.stop(Duration.ofSeconds(5));
            source.close();
        }
        return new Streamed(List.copyOf(streamed), source.counts()[1]);
    }

    private record Streamed(List<Message> messages, long acked) {
    }

    static Map<String, Object> reading(String deviceId, double temperature) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("device_id", deviceId);
        data.put("temperature", Math.round(temperature * 10) / 10.0);
        data.put("timestamp", Instant.now().getEpochSecond());
        return data;
    }

    private static <T> T await(CompletableFuture<T> f, String what) {
        try {
            return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " was not confirmed within " + WAIT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        }
    }

    /** The tutorial's streaming callback as a sink: it handles a message, then the pipeline acks it. */
    private static final class CallbackSink implements Sink {
        private final String name;
        private final Consumer<Message> callback;

        CallbackSink(String name, Consumer<Message> callback) {
            this.name = name;
            this.callback = callback;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public CompletionStage<Void> send(Message message) {
            try {
                callback.accept(message);
                return CompletableFuture.completedFuture(null);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public void close() {
        }
    }
}
