package dev.edgeflow.cli.pubsub;

import dev.edgeflow.cli.DurationConverter;
import dev.edgeflow.cli.ExitCodes;
import dev.edgeflow.cli.Progress;
import dev.edgeflow.core.Message;
import dev.edgeflow.gcp.PubSubAdmin;
import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.gcp.PubSubPuller;
import dev.edgeflow.gcp.PubSubSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code edgeflow pubsub}: the tutorial's Pub/Sub set-up (section 3.2, {@code gcloud pubsub topics
 * create} and {@code subscriptions create}) and its client (3.3, publish and pull), on
 * {@link PubSubAdmin}, {@link PubSubSink} and {@link PubSubPuller}.
 *
 * @since 0.1.0
 */
@Command(name = "pubsub",
        mixinStandardHelpOptions = true,
        description = "Google Cloud Pub/Sub: create a topic and a subscription, publish, pull (the tutorial's 3.2 and 3.3).")
public final class PubSubCommand implements Callable<Integer> {
    private static final Duration PUBLISH_WAIT = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    /** Creates the command; picocli calls this. */
    public PubSubCommand() {
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing command: give create-topic, create-subscription, "
                + "publish or pull");
    }

    @Command(name = "create-topic", mixinStandardHelpOptions = true,
            description = "Create a topic unless it exists (gcloud pubsub topics create).")
    int createTopic(@Mixin PubSubOptions where,
            @Parameters(paramLabel = "<topic>", description = "The topic's id, e.g. iot-sensor-data.") String topic) {
        PubSubConnection connection = where.connection();
        Progress progress = new Progress(spec.commandLine().getOut());
        String name = "projects/" + connection.projectId() + "/topics/" + topic;
        try (PubSubAdmin admin = PubSubAdmin.open(connection)) {
            if (admin.createTopicIfMissing(topic)) {
                progress.created("TOPIC", name);
            } else {
                progress.exists("TOPIC", name);
            }
        }
        return ExitCodes.OK;
    }

    @Command(name = "create-subscription", mixinStandardHelpOptions = true,
            description = "Create a pull subscription on a topic unless it exists (gcloud pubsub subscriptions create).")
    int createSubscription(@Mixin PubSubOptions where,
            @Parameters(paramLabel = "<subscription>", description = "The subscription's id, e.g. iot-sensor-sub.")
                    String subscription,
            @Option(names = "--topic", required = true, paramLabel = "<topic>",
                    description = "The topic it receives from, which must exist.") String topic,
            @Option(names = "--ack-deadline", paramLabel = "<duration>", defaultValue = "60s",
                    converter = DurationConverter.class,
                    description = "10 s to 600 s: how long a message may stay unacknowledged (default ${DEFAULT-VALUE}).")
                    Duration ackDeadline,
            @Option(names = "--ordering", description = "Deliver messages with the same ordering key in order.")
                    boolean ordering,
            @Option(names = "--exactly-once", description = "Exactly-once delivery.") boolean exactlyOnce) {
        if (ackDeadline.compareTo(Duration.ofSeconds(10)) < 0 || ackDeadline.compareTo(Duration.ofSeconds(600)) > 0) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--ack-deadline': "
                    + ackDeadline.toSeconds() + " s; give 10 s to 600 s");
        }
        PubSubConnection connection = where.connection();
        Progress progress = new Progress(spec.commandLine().getOut());
        String name = "projects/" + connection.projectId() + "/subscriptions/" + subscription;
        try (PubSubAdmin admin = PubSubAdmin.open(connection)) {
            if (admin.createSubscriptionIfMissing(subscription, topic, ackDeadline, ordering, exactlyOnce)) {
                progress.created("SUBSCRIPTION", name + " on topic " + topic);
            } else {
                progress.exists("SUBSCRIPTION", name + " (its settings left as they are)");
            }
        }
        return ExitCodes.OK;
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = {"Publish messages and print the id Pub/Sub gives each. The messages are the",
                "arguments after the topic; with none, each line of standard input is one message."})
    int publish(@Mixin PubSubOptions where,
            @Parameters(index = "0", paramLabel = "<topic>", description = "The topic's id.") String topic,
            @Parameters(index = "1..*", paramLabel = "<message>", description = "The messages' data, e.g. '{\"temperature\": 25.5}'.")
                    List<String> messages,
            @Option(names = {"-a", "--attribute"}, paramLabel = "<name=value>",
                    description = "Repeatable: an attribute on every message, e.g. device_type=raspberry_pi.")
                    Map<String, String> attributes) {
        PubSubConnection connection = where.connection();
        List<String> data = messages != null ? messages : readLines();
        PrintWriter w = spec.commandLine().getOut();
        Map<String, String> headers = attributes != null ? attributes : new LinkedHashMap<>();
        List<CompletableFuture<String>> ids = new ArrayList<>();
        try (PubSubSink sink = PubSubSink.builder(connection, topic).name("edgeflow-cli").build()) {
            for (String d : data) {
                ids.add(sink.sendForId(Message.builder(topic).payload(d).headers(headers).build()));
            }
            for (CompletableFuture<String> id : ids) {
                w.println("Published: " + await(id, topic));
            }
        }
        w.println("Published " + ids.size() + " message(s) to projects/" + connection.projectId() + "/topics/" + topic);
        w.flush();
        return ExitCodes.OK;
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = {"Pull messages, print each (id, attributes, data), then acknowledge them.",
                "Ends when --max messages came or --wait passed; no message is not an error."})
    int pull(@Mixin PubSubOptions where,
            @Parameters(paramLabel = "<subscription>", description = "The subscription's id.") String subscription,
            @Option(names = "--max", paramLabel = "<n>", defaultValue = "10",
                    description = "1 to 1000: at most this many (default ${DEFAULT-VALUE}).") int max,
            @Option(names = "--wait", paramLabel = "<duration>", defaultValue = "10s", converter = DurationConverter.class,
                    description = "How long to wait for them (default ${DEFAULT-VALUE}).") Duration wait,
            @Option(names = "--no-ack", description = "Leave them unacknowledged: Pub/Sub delivers them again.")
                    boolean noAck) {
        if (max < 1 || max > 1000) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--max': '" + max
                    + "'; give 1 to 1000");
        }
        if (wait.compareTo(Duration.ofMillis(100)) < 0) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--wait': give 100ms or more");
        }
        PubSubConnection connection = where.connection();
        PrintWriter w = spec.commandLine().getOut();
        try (PubSubPuller puller = PubSubPuller.open(connection, subscription)) {
            List<PubSubPuller.Pulled> pulled = puller.pullAtLeast(max, wait);
            for (PubSubPuller.Pulled p : pulled) {
                Message m = p.message();
                w.println(m.id() + " " + m.headers() + " " + m.payloadAsString());
            }
            if (!noAck) {
                // Acked once printed: a crash before this line gets them delivered again.
                puller.ack(pulled);
            }
            w.println("Pulled " + pulled.size() + " message(s) from projects/" + connection.projectId()
                    + "/subscriptions/" + subscription + (noAck ? ", not acknowledged" : ", acknowledged"));
        }
        w.flush();
        return ExitCodes.OK;
    }

    private static List<String> readLines() {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isEmpty()) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the messages from standard input: " + e.getMessage(), e);
        }
        return lines;
    }

    private static String await(CompletableFuture<String> id, String topic) {
        try {
            return id.get(PUBLISH_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing to " + topic + " failed: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("a message to " + topic + " was not confirmed within "
                    + PUBLISH_WAIT.toSeconds() + " s: is Pub/Sub reachable from here?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing to " + topic, e);
        }
    }
}
