package dev.edgeflow.cli.aws;

import dev.edgeflow.aws.AwsIotConnection;
import dev.edgeflow.aws.AwsIotSink;
import dev.edgeflow.aws.DeviceConfig;
import dev.edgeflow.aws.FleetProvisioning;
import dev.edgeflow.aws.RegisteredThing;
import dev.edgeflow.aws.ThingRegistration;
import dev.edgeflow.cli.DurationConverter;
import dev.edgeflow.cli.ExitCodes;
import dev.edgeflow.cli.Progress;
import dev.edgeflow.core.Message;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code edgeflow aws provision}: fleet provisioning by claim with {@link FleetProvisioning}, one
 * line per step: connect with the claim certificate, have AWS IoT make the certificate and
 * register the thing, write the device's config, and prove the new certificate by publishing
 * one reading with it.
 */
@Command(name = "provision",
        mixinStandardHelpOptions = true,
        description = {
            "Fleet provisioning by claim: connect with the claim certificate the device shipped with, have",
            "AWS IoT create a certificate and register a thing from a provisioning template, write",
            "device.cert.pem, device.private.key (0600) and edgeflow-aws.json, then connect with the new",
            "certificate and publish one reading to sensor/<thing>/data to prove it works."})
final class AwsProvisionCommand implements Callable<Integer> {
    private static final String CONNECT_CLAIM = "CONNECT_CLAIM", PROVISION = "PROVISION", CONFIG = "CONFIG",
            TEST_PUBLISH = "TEST_PUBLISH";
    private static final List<String> STEPS = List.of(CONNECT_CLAIM, PROVISION, CONFIG, TEST_PUBLISH);

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "<claim.json>", description = {
        "A device config (edgeflow-aws.json format) with the endpoint, the claim certificate, its key",
        "and the root CA; its thingName and clientId are not used."})
    Path claimConfig;

    @Option(names = "--template", required = true, paramLabel = "<name>", description = "The fleet provisioning template.")
    String template;

    @Option(names = "--serial", paramLabel = "<serial>", description = "The template's SerialNumber parameter.")
    String serial;

    @Option(names = "--param", paramLabel = "<name=value>", description = "Repeatable: another template parameter.")
    Map<String, String> parameters = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "<dir>", description = "Where the new certificate, key and edgeflow-aws.json go (default ~/iot-certs/provisioned).")
    Path out;

    @Option(names = "--csr", description = "Make the key on this device and have AWS IoT sign a CSR: the private key never leaves the device.")
    boolean csr;

    @Option(names = "--client-id", paramLabel = "<id>", description = "The claim connection's client id (default claim-<serial>, or claim-<pid>).")
    String clientId;

    @Option(names = "--no-test", negatable = false, description = "Do not connect with the new certificate and publish a test reading.")
    boolean noTest;

    @Option(names = "--timeout", paramLabel = "<duration>", converter = DurationConverter.class, defaultValue = "30s",
            description = "How long each connection and the test publish may take (default ${DEFAULT-VALUE}).")
    Duration timeout;

    private int stepIndex;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter w = spec.commandLine().getOut();
        Progress progress = new Progress(w);
        DeviceConfig claim = loadClaim();
        Map<String, String> params = new LinkedHashMap<>(parameters);
        if (serial != null) {
            params.put("SerialNumber", serial);
        }
        String claimClientId = clientId != null ? clientId
                : "claim-" + (serial != null ? serial : Long.toString(ProcessHandle.current().pid()));
        Path dir = (out != null ? out : Path.of(System.getProperty("user.home"), "iot-certs", "provisioned"))
                .toAbsolutePath().normalize();
        w.println("Provisioning with template '" + template + "' " + params + " into " + dir);
        w.flush();
        try {
            RegisteredThing thing;
            try (AwsIotConnection connection = AwsIotConnection.builder().config(claim).clientId(claimClientId)
                    .sessionExpiry(Duration.ZERO).build()) {
                connection.awaitReady(timeout);
                step(progress).done(CONNECT_CLAIM, connection.endpoint() + ":" + connection.port() + " as "
                        + connection.clientId());
                try (FleetProvisioning provisioning = FleetProvisioning.of(connection, timeout)) {
                    thing = csr ? provisioning.provisionWithCsr(template, params, dir)
                            : provisioning.provision(template, params, dir);
                }
            }
            Path key = thing.privateKeyFile().orElseThrow();
            step(progress).created(PROVISION, "thing " + thing.thingName() + ", certificate "
                    + thing.certificateId().orElse("?") + (csr ? " (from a CSR)" : "") + ", " + thing.certificateFile()
                    .orElseThrow() + ", " + key + permissions(key));
            DeviceConfig.Builder b = DeviceConfig.builder().endpoint(claim.endpoint()).port(claim.port())
                    .thingName(thing.thingName())
                    .certificateFile(thing.certificateFile().orElseThrow())
                    .privateKeyFile(key)
                    .certificateId(thing.certificateId().orElse(null));
            claim.rootCaFile().ifPresent(b::rootCaFile);
            claim.region().ifPresent(b::region);
            DeviceConfig config = b.build();
            Path configFile = dir.resolve(ThingRegistration.CONFIG_FILE_NAME);
            config.write(configFile);
            step(progress).created(CONFIG, configFile.toString());
            if (noTest) {
                step(progress).skipped(TEST_PUBLISH, "--no-test");
            } else {
                String published = testPublish(config);
                step(progress).done(TEST_PUBLISH, published);
            }
            if (!thing.deviceConfiguration().isEmpty()) {
                w.println("Device configuration from the template: " + thing.deviceConfiguration());
            }
            w.println("Config: " + configFile);
            w.flush();
            return ExitCodes.OK;
        } catch (RuntimeException e) {
            progress.failed(STEPS.get(stepIndex), e.getMessage());
            for (int i = stepIndex + 1; i < STEPS.size(); i++) {
                progress.notRun(STEPS.get(i));
            }
            spec.commandLine().getErr().println("edgeflow aws provision: " + STEPS.get(stepIndex) + " failed: "
                    + e.getMessage());
            spec.commandLine().getErr().flush();
            return ExitCodes.FAILURE;
        }
    }

    /** Counts the step about to be printed, so that a failure names the one after it. */
    private Progress step(Progress progress) {
        stepIndex++;
        return progress;
    }

    private DeviceConfig loadClaim() {
        try {
            return DeviceConfig.load(claimConfig);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--config': " + e.getMessage());
        }
    }

    private String testPublish(DeviceConfig config) throws InterruptedException {
        String topic = "sensor/" + config.thingName() + "/data";
        Map<String, Object> reading = new LinkedHashMap<>();
        reading.put("device_id", config.thingName());
        reading.put("message", "provisioned");
        reading.put("timestamp", Instant.now().getEpochSecond());
        try (AwsIotConnection device = AwsIotConnection.builder().config(config).build();
                AwsIotSink sink = AwsIotSink.builder().connection(device).name("provision-test").build()) {
            device.awaitReady(timeout);
            sink.send(Message.ofJson(topic, reading)).toCompletableFuture().get(timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
            return "connected as " + device.clientId() + " with the new certificate, published to " + topic
                    + " (PUBACK)";
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing to " + topic + " with the new certificate failed: "
                    + e.getCause().getMessage() + "; check that the template's policy allows iot:Publish on it",
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the test reading to " + topic + " was not confirmed within " + timeout
                    .toSeconds() + " s; check that the template's policy allows iot:Publish on it", e);
        }
    }

    /** What the file system says, rather than what was asked for. */
    private static String permissions(Path file) {
        try {
            return " (" + PosixFilePermissions.toString(Files.getPosixFilePermissions(file)) + ")";
        } catch (UnsupportedOperationException | IOException e) {
            return "";
        }
    }
}
