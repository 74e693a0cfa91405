package dev.edgeflow.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.aws.AwsIotConnection;
import dev.edgeflow.aws.DeviceConfig;
import dev.edgeflow.aws.DeviceShadow;
import dev.edgeflow.aws.ShadowDeltaSource;
import dev.edgeflow.aws.ShadowDocument;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.Sink;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A device and its Device Shadow (tutorial section 1.2): the device reports its state (a reading
 * and its relay) with {@link DeviceShadow#updateReported(Object)}, reads the shadow back, counts
 * its boots with a version-conflict-safe {@link DeviceShadow#updateWithRetry}, and then follows
 * desired state: a {@link ShadowDeltaSource} feeds a pipeline whose last step is the actuator,
 * which switches the relay ({@code Relay set to on}) and reports the new state back, so that the
 * delta clears.
 *
 * <p>With no {@code --config} it starts a local stand-in for IoT Core with the emulated shadow
 * service ({@link LocalIotCore#startWithServices(PrintStream)}), which also plays the cloud: it
 * sets the desired relay state twice, and, while the boot count is being written, another client
 * reports to the same shadow, so that the update conflicts once and is retried:
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.AwsShadowExample
 * </pre>
 *
 * <p>Against AWS, {@code --config ~/iot-certs/edgeflow-aws.json}; the cloud side is then yours,
 * for example {@code aws iot-data update-thing-shadow} with a desired relay state.
 */
public final class AwsShadowExample {
    static final String RELAY = "relay";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_WAIT = Duration.ofSeconds(30);
    private static final Duration ANSWER_WAIT = Duration.ofSeconds(30);
    private static final Set<String> ARGS = Set.of("--config", "--thing", "--shadow", "--duration");
    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: AwsShadowExample [--config edgeflow-aws.json] [--thing RaspberryPi-001] [--shadow <name>]",
            "       [--duration 60]",
            "  --config <file>       the device config AwsRegisterThing (ThingRegistration) wrote",
            "  --thing <name>        the thing whose shadow it is; default the config's, else RaspberryPi-001",
            "  --shadow <name>       a named shadow; default the thing's classic shadow",
            "  --duration <seconds>  how long to follow desired state; default 60 against AWS, and locally at",
            "                        most 30 (the run ends once the local cloud's two changes are applied)",
            "  (no --config: a local stand-in for AWS IoT Core with an emulated shadow service is started,",
            "  which also plays the cloud that sets the desired relay state, and stopped at the end)");

    private AwsShadowExample() {
    }

    /**
     * What one run did, for tests.
     *
     * @param relaySettings the relay states the actuator set, in order
     * @param bootCountAttempts how often {@code updateWithRetry} applied its change (2 after one conflict)
     * @param finalShadow the shadow as read at the end
     * @param deltasDelivered the deltas the source handed to the pipeline
     */
    record Result(List<String> relaySettings, int bootCountAttempts, Optional<ShadowDocument> finalShadow,
            long deltasDelivered) {
    }

    /**
     * Runs the device.
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) {
        ExampleArgs.runAndExit("AwsShadowExample", USAGE, () -> {
            run(args, System.out);
            return 0;
        });
    }

    /**
     * Parses the command line, connects (or starts the local stand-in), and runs the device.
     *
     * @param args the command line
     * @param out where the device's lines go
     * @return what happened, or {@code null} after {@code --help}
     * @throws IllegalArgumentException for a bad argument, a bad config or a bad thing or shadow name
     * @throws dev.edgeflow.aws.AwsIotException if the connection does not come up in 30 s, or a shadow
     *     request is refused or unanswered, saying why
     * @throws IllegalStateException if, locally, the device does not apply a desired change in time
     * @throws InterruptedException if interrupted
     */
    static Result run(String[] args, PrintStream out) throws InterruptedException {
        ExampleArgs a = ExampleArgs.parse(args, ARGS);
        if (a.help()) {
            out.println(USAGE);
            return null;
        }
        String shadowName = a.get("--shadow", null);
        if (a.path("--config") != null) {
            DeviceConfig config = DeviceConfig.load(a.path("--config"));
            String thing = a.get("--thing", config.thingName());
            Duration duration = Duration.ofSeconds(a.wholeNumber("--duration", 60, 1, 86_400));
            AwsIotConnection.Builder connection = AwsIotConnection.builder().config(config);
            return new Device(thing, shadowName, out).run(connection, null, duration);
        }
        String thing = a.get("--thing", AwsPublishReadings.DEVICE);
        Duration duration = Duration.ofSeconds(a.wholeNumber("--duration", 30, 1, 86_400));
        try (LocalIotCore local = LocalIotCore.startWithServices(out)) {
            return new Device(thing, shadowName, out).run(local.connection().clientId(thing), local, duration);
        }
    }

    /** The device: its relay, its shadow, and the cloud it runs against locally. */
    private static final class Device {
        private final String thing;
        private final String shadowName;
        private final PrintStream out;
        private final List<String> relaySettings = Collections.synchronizedList(new ArrayList<>());
        /** The relay states reported back, for the local cloud to wait on. */
        private final BlockingQueue<String> reported = new LinkedBlockingQueue<>();
        private volatile String relay = "off";

        Device(String thing, String shadowName, PrintStream out) {
            this.thing = thing;
            this.shadowName = shadowName;
            this.out = out;
        }

        Result run(AwsIotConnection.Builder builder, LocalIotCore local, Duration duration)
                throws InterruptedException {
            Result result;
            try (AwsIotConnection connection = builder.build()) {
                out.println("Connecting to AWS IoT: " + connection.endpoint() + ":" + connection.port() + " as "
                        + connection.clientId());
                connection.awaitReady(CONNECT_WAIT);
                out.println("Connected successfully!");
                try (DeviceShadow shadow = DeviceShadow.builder(connection, thing).shadowName(shadowName).build()) {
                    String which = shadowName == null ? "classic shadow of " + thing
                            : "shadow '" + shadowName + "' of " + thing;
                    out.println("Device Shadow: " + which);
                    report(shadow);
                    print("Read back", await(shadow.get()));
                    int attempts = countBoot(shadow, local);
                    long delivered = followDesiredState(connection, shadow, local, duration);
                    Optional<ShadowDocument> last = await(shadow.get());
                    print("At the end", last);
                    synchronized (relaySettings) {
                        result = new Result(List.copyOf(relaySettings), attempts, last, delivered);
                    }
                }
            }
            out.println("Disconnected");
            return result;
        }

        /** The device's state as it reports it: the latest reading and the relay. */
        private void report(DeviceShadow shadow) throws InterruptedException {
            Map<String, Object> state = AwsPublishReadings.reading(thing, 0);
            state.remove("device_id"); // the shadow belongs to the thing already
            state.put(RELAY, relay);
            ShadowDocument accepted = await(shadow.updateReported(state));
            out.println("Reported: " + accepted.reported() + " (version " + accepted.version() + ")");
        }

        /**
         * Adds one to the reported boot count: a change that depends on the current state, so it
         * is written with the version it was computed from, and computed again if that lost.
         */
        private int countBoot(DeviceShadow shadow, LocalIotCore local) throws InterruptedException {
            AtomicInteger attempts = new AtomicInteger();
            ShadowDocument written = await(shadow.updateWithRetry(current -> {
                int attempt = attempts.incrementAndGet();
                int boots = current.reported().path("boot_count").asInt(0);
                out.println("Boot count, attempt " + attempt + ": read version " + current.version() + ", boot_count "
                        + boots + " -> " + (boots + 1));
                if (local != null && attempt == 1) {
                    // Another writer of the same shadow, between this read and its write: the write conflicts.
                    ObjectNode firmware = JSON.createObjectNode().put("firmware", "1.4.3");
                    long version = local.services().setReported(thing, shadowName, firmware);
                    out.println("[cloud] another client reported " + firmware + " meanwhile (version " + version
                            + ")");
                }
                ObjectNode change = JSON.createObjectNode();
                change.putObject("reported").put("boot_count", boots + 1);
                return change;
            }));
            out.println("Boot count written at version " + written.version() + " after " + attempts.get()
                    + (attempts.get() == 1 ? " attempt" : " attempts (version conflicts are read again and retried)"));
            return attempts.get();
        }

        private long followDesiredState(AwsIotConnection connection, DeviceShadow shadow, LocalIotCore local,
                Duration duration) throws InterruptedException {
            ShadowDeltaSource deltas = ShadowDeltaSource.builder(connection, thing).shadowName(shadowName).build();
            Pipeline pipeline = Pipeline.from(deltas).name("relay").to(new Actuator(shadow)).start();
            try {
                deltas.awaitReady(ANSWER_WAIT);
                out.println("Following desired state on " + deltas.deltaTopic() + " for at most "
                        + duration.toSeconds() + " s");
                if (local != null) {
                    playTheCloud(local, System.nanoTime() + duration.toNanos());
                } else {
                    out.println("Set the relay from the cloud side, for example:");
                    out.println("  aws iot-data update-thing-shadow --thing-name " + thing
                            + (shadowName == null ? "" : " --shadow-name " + shadowName)
                            + " --cli-binary-format raw-in-base64-out \\");
                    out.println("      --payload '{\"state\":{\"desired\":{\"relay\":\"on\"}}}' /dev/stdout");
                    waitFor(pipeline, duration);
                }
            } finally {
                pipeline.stop(Duration.ofSeconds(5));
                deltas.close();
            }
            return deltas.deliveredCount();
        }

        /** The local cloud switches the relay on, then off, each after the device applied the one before. */
        private void playTheCloud(LocalIotCore local, long deadline) throws InterruptedException {
            for (String wanted : List.of("on", "off")) {
                ObjectNode desired = JSON.createObjectNode().put(RELAY, wanted);
                long version = local.services().setDesired(thing, shadowName, desired);
                out.println("[cloud] desired " + desired + " (version " + version + ")");
                String applied;
                do {
                    applied = reported.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } while (applied != null && !applied.equals(wanted));
                if (applied == null) {
                    throw new IllegalStateException("the device did not report relay '" + wanted + "' in time: "
                            + "raise --duration");
                }
            }
        }

        private static void waitFor(Pipeline pipeline, Duration duration) throws InterruptedException {
            try {
                pipeline.completion().toCompletableFuture().get(duration.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // the time to follow desired state is up
            } catch (ExecutionException e) {
                throw new IllegalStateException("following desired state failed: " + e.getCause().getMessage(),
                        e.getCause());
            }
        }

        private void print(String when, Optional<ShadowDocument> document) {
            if (document.isEmpty()) {
                out.println(when + ": the shadow does not exist");
                return;
            }
            ShadowDocument d = document.get();
            out.println(when + ": version " + d.version() + ", desired " + d.desired() + ", reported "
                    + d.reported() + (d.hasDelta() ? ", delta " + d.delta() : ", no delta"));
        }

        /**
         * The pipeline's last step: applies a delta's relay state and reports it back; the send
         * completes once the shadow service accepted the report, which clears that delta.
         */
        private final class Actuator implements Sink {
            private final DeviceShadow shadow;

            Actuator(DeviceShadow shadow) {
                this.shadow = shadow;
            }

            @Override
            public String name() {
                return "relay";
            }

            @Override
            public CompletionStage<Void> send(Message message) {
                JsonNode delta = message.payloadAsJson();
                out.println("Delta (version " + message.header("shadow-version") + "): " + delta);
                ObjectNode applied = JSON.createObjectNode();
                delta.fields().forEachRemaining(field -> {
                    String value = field.getValue().asText();
                    if (field.getKey().equals(RELAY) && (value.equals("on") || value.equals("off"))) {
                        relay = value;
                        relaySettings.add(value);
                        out.println("Relay set to " + value);
                        applied.put(RELAY, value);
                    } else {
                        // Not reported, so it stays in the delta for whoever set it to see.
                        out.println("Not applied: " + field.getKey() + " = " + field.getValue()
                                + " (this device has a relay, 'on' or 'off', and nothing else to set)");
                    }
                });
                if (applied.isEmpty()) {
                    return CompletableFuture.completedFuture(null);
                }
                return shadow.updateReported(applied).thenAccept(accepted -> {
                    out.println("Reported: " + accepted.reported() + " (version " + accepted.version() + ")");
                    reported.add(applied.path(RELAY).asText());
                });
            }

            @Override
            public void close() {
                // the shadow is closed by the device
            }
        }
    }

    private static <T> T await(CompletionStage<T> stage) throws InterruptedException {
        try {
            // The shadow's own timeout (10 s) ends a request first; this bound only guards against a lost completion.
            return stage.toCompletableFuture().get(ANSWER_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException ? (RuntimeException) cause
                    : new IllegalStateException(cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from the shadow service within " + ANSWER_WAIT.toSeconds()
                    + " s", e);
        }
    }
}
