package dev.edgeflow.examples;

import dev.edgeflow.aws.AwsIotConnection;
import dev.edgeflow.aws.AwsIotSink;
import dev.edgeflow.aws.DeviceConfig;
import dev.edgeflow.core.Headers;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.Sink;
import dev.edgeflow.memory.MemorySource;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The tutorial's AWS IoT client (section 2.3) in Java: connect to AWS IoT Core with the device's
 * certificate (client id = thing name, a session that is rejoined after a reconnect, keep-alive
 * 30 s) and publish ten readings to {@code sensor/data} at QoS 1, each printed once its PUBACK
 * has arrived.
 *
 * <p>The readings go through a {@link Pipeline} into an {@link AwsIotSink}, not through one
 * blocking {@code future.result()} after another: the sink keeps up to 100 publishes in flight,
 * IoT Core's limits are checked before sending, and a reading IoT Core refuses for good (too
 * large, not allowed by the policy) is printed as rejected with the reason instead of stopping the
 * loop.
 *
 * <p>With no connection options it starts a local stand-in for IoT Core ({@link LocalIotCore}):
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.AwsPublishReadings
 * </pre>
 *
 * <p>Against AWS: {@code --config ~/iot-certs/edgeflow-aws.json} (written by {@link AwsRegisterThing}),
 * or {@code --endpoint --cert --key --ca --client-id} as in the tutorial.
 */
public final class AwsPublishReadings {
    static final String TOPIC = "sensor/data";
    static final String DEVICE = "RaspberryPi-001";
    private static final Duration CONNECT_WAIT = Duration.ofSeconds(30);
    private static final Duration CONFIRM_WAIT = Duration.ofSeconds(60);
    private static final Set<String> CONNECTION_ARGS = Set.of("--config", "--endpoint", "--port", "--cert", "--key",
            "--ca");
    private static final Set<String> ARGS = Set.of("--config", "--endpoint", "--port", "--cert", "--key", "--ca",
            "--client-id", "--topic", "--count", "--interval");
    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: AwsPublishReadings [--topic sensor/data] [--count 10] [--interval 1]",
            "       [--config edgeflow-aws.json | --endpoint host --cert file --key file [--ca file] [--port 8883]]",
            "       [--client-id RaspberryPi-001]",
            "  --config <file>       the device config AwsRegisterThing (ThingRegistration) wrote",
            "  --endpoint <host>     the account's iot:Data-ATS endpoint (aws iot describe-endpoint)",
            "  --cert, --key <file>  the device certificate and private key (PEM)",
            "  --ca <file>           the root CA (AmazonRootCA1.pem); default the system's trust store",
            "  --port <n>            8883, or 443 (ALPN x-amzn-mqtt-ca) where 8883 is blocked",
            "  --client-id <id>      the thing name; default RaspberryPi-001, or the config's",
            "  --topic <topic>       default sensor/data",
            "  --count <n>           readings to publish, default 10",
            "  --interval <seconds>  pause between readings, default 1 (the tutorial sleeps 5); 0 for none",
            "  (no --config, --endpoint, --cert, --key, --ca or --port: a local stand-in for AWS IoT Core is",
            "  started, with a TLS listener that requires a client certificate, and stopped at the end)");

    private AwsPublishReadings() {
    }

    /**
     * What one run did, for tests.
     *
     * @param confirmed the readings whose PUBACK arrived, in the order it arrived
     * @param rejected the readings refused for good, with the reason in {@link Headers#DEAD_LETTER_REASON}
     * @param cloudReceived what the local stand-in's subscriber received; empty against AWS
     * @param stats the pipeline's counters at the end
     */
    record Result(List<Message> confirmed, List<Message> rejected, List<Message> cloudReceived, PipelineStats stats) {
    }

    /**
     * Connects and publishes.
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) {
        ExampleArgs.runAndExit("AwsPublishReadings", USAGE, () -> {
            Result result = run(args, System.out);
            return result == null || result.rejected().isEmpty() ? 0 : 1;
        });
    }

    /**
     * Parses the command line, connects (or starts the local stand-in), publishes and disconnects.
     *
     * @param args the command line
     * @param out where the tutorial's lines go
     * @return what happened, or {@code null} after {@code --help}
     * @throws IllegalArgumentException for a bad argument, a bad file or a bad config
     * @throws dev.edgeflow.aws.AwsIotException if the connection does not come up within 30 s, saying why
     * @throws IllegalStateException if readings are still unconfirmed after 60 s
     * @throws InterruptedException if interrupted
     */
    static Result run(String[] args, PrintStream out) throws InterruptedException {
        ExampleArgs a = ExampleArgs.parse(args, ARGS);
        if (a.help()) {
            out.println(USAGE);
            return null;
        }
        String topic = a.get("--topic", TOPIC);
        int count = (int) a.wholeNumber("--count", 10, 1, 100_000);
        Duration interval = Duration.ofMillis(a.wholeNumber("--interval", 1, 0, 3_600) * 1_000);
        if (a.anyOf(CONNECTION_ARGS)) {
            AwsIotConnection.Builder connection = AwsIotConnection.builder();
            String clientId = DEVICE;
            if (a.path("--config") != null) {
                DeviceConfig config = DeviceConfig.load(a.path("--config"));
                connection.config(config);
                clientId = config.clientId();
            }
            if (a.get("--endpoint", null) != null) {
                connection.endpoint(a.get("--endpoint", null));
            }
            if (a.get("--port", null) != null) {
                connection.port((int) a.wholeNumber("--port", 8883, 1, 65_535));
            }
            if (a.path("--cert") != null || a.path("--key") != null) {
                if (a.path("--cert") == null || a.path("--key") == null) {
                    throw new IllegalArgumentException("--cert and --key go together: the device certificate and "
                            + "its private key");
                }
                connection.certificate(a.path("--cert"), a.path("--key"));
            }
            if (a.path("--ca") != null) {
                connection.caCertificate(a.path("--ca"));
            }
            clientId = a.get("--client-id", clientId);
            return publish(connection.clientId(clientId), clientId, topic, count, interval, null, out);
        }
        try (LocalIotCore local = LocalIotCore.start(out)) {
            String clientId = a.get("--client-id", DEVICE);
            return publish(local.connection().clientId(clientId), clientId, topic, count, interval, local, out);
        }
    }

    private static Result publish(AwsIotConnection.Builder builder, String deviceId, String topic, int count,
            Duration interval, LocalIotCore local, PrintStream out) throws InterruptedException {
        List<Message> confirmed = Collections.synchronizedList(new ArrayList<>());
        List<Message> rejected = Collections.synchronizedList(new ArrayList<>());
        PipelineStats stats;
        try (AwsIotConnection connection = builder.build()) {
            out.println("Connecting to AWS IoT: " + connection.endpoint() + ":" + connection.port() + " as "
                    + connection.clientId());
            connection.awaitReady(CONNECT_WAIT);
            out.println("Connected successfully!");

            MemorySource readings = MemorySource.create("readings", count);
            try (AwsIotSink sink = AwsIotSink.builder().connection(connection).name("aws-iot").build()) {
                Pipeline pipeline = Pipeline.from(readings).name("publish-readings")
                        .to(new PrintWhenConfirmed(sink, confirmed, out))
                        .maxInFlight(100) // IoT Core's receive maximum: more would only wait in the sink
                        .deadLetter(new PrintRejected(rejected, out))
                        .start();
                for (int i = 0; i < count; i++) {
                    if (i > 0 && !interval.isZero()) {
                        Thread.sleep(interval.toMillis());
                    }
                    readings.offer(Message.ofJson(topic, reading(deviceId, i)));
                }
                readings.complete();
                stats = awaitCompletion(pipeline);
            }
        }
        out.println("Disconnected");
        List<Message> atCloud = List.of();
        if (local != null) {
            atCloud = local.awaitReceived(confirmed.size(), Duration.ofSeconds(10));
            out.println("The cloud received " + atCloud.size() + " of " + count + " readings");
        }
        synchronized (confirmed) {
            synchronized (rejected) {
                return new Result(List.copyOf(confirmed), List.copyOf(rejected), atCloud, stats);
            }
        }
    }

    private static PipelineStats awaitCompletion(Pipeline pipeline) throws InterruptedException {
        try {
            return pipeline.completion().toCompletableFuture().get(CONFIRM_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            PipelineStats s = pipeline.stop(Duration.ofSeconds(5)).stats();
            throw new IllegalStateException("readings still unconfirmed after " + CONFIRM_WAIT.toSeconds()
                    + " s: " + s, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** The tutorial's reading; the temperature rounded to one decimal (Python prints 25.800000000000004). */
    static Map<String, Object> reading(String deviceId, int i) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("device_id", deviceId);
        data.put("temperature", Math.round((25.5 + i * 0.1) * 10) / 10.0);
        data.put("humidity", 60 + i);
        data.put("timestamp", Instant.now().getEpochSecond());
        return data;
    }

    /** The AWS IoT sink, printing each reading when its send completes: at its PUBACK. */
    private static final class PrintWhenConfirmed implements Sink {
        private final AwsIotSink sink;
        private final List<Message> confirmed;
        private final PrintStream out;

        PrintWhenConfirmed(AwsIotSink sink, List<Message> confirmed, PrintStream out) {
            this.sink = sink;
            this.confirmed = confirmed;
            this.out = out;
        }

        @Override
        public String name() {
            return sink.name();
        }

        @Override
        public CompletionStage<Void> send(Message message) {
            return sink.send(message).thenRun(() -> {
                confirmed.add(message);
                out.println("Published: " + message.topic() + " = " + message.payloadAsString());
            });
        }

        @Override
        public CompletionStage<Void> flush() {
            return sink.flush();
        }

        @Override
        public void close() {
            // the AWS IoT sink is closed by the program
        }
    }

    /** The dead letter: a reading IoT Core can never take, with the reason. */
    private static final class PrintRejected implements Sink {
        private final List<Message> rejected;
        private final PrintStream out;

        PrintRejected(List<Message> rejected, PrintStream out) {
            this.rejected = rejected;
            this.out = out;
        }

        @Override
        public String name() {
            return "rejected";
        }

        @Override
        public CompletionStage<Void> send(Message message) {
            rejected.add(message);
            out.println("Rejected: " + message.topic() + " = " + message.payloadAsString() + ": "
                    + message.header(Headers.DEAD_LETTER_REASON));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }
}
