package dev.edgeflow.examples;

import dev.edgeflow.aws.AwsIotConnection;
import dev.edgeflow.aws.AwsIotSink;
import dev.edgeflow.aws.DeviceConfig;
import dev.edgeflow.aws.FleetProvisioning;
import dev.edgeflow.aws.RegisteredThing;
import dev.edgeflow.core.Message;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Fleet provisioning by claim (tutorial section 2.1, for devices that make their own identity):
 * the device connects with the claim certificate it shipped with, has AWS IoT create a
 * certificate and register a thing from a provisioning template with its serial number
 * ({@link FleetProvisioning#provision}, or with {@code --csr} {@link FleetProvisioning#provisionWithCsr},
 * where the private key never leaves the device), writes {@code device.cert.pem},
 * {@code device.private.key} (mode 0600) and an {@code edgeflow-aws.json} for the new thing, then
 * connects with the new certificate and publishes one reading to prove that it works.
 *
 * <p>With no {@code --config} it starts a local stand-in for IoT Core with the emulated identity
 * service, which accepts the template {@code edgeflow-fleet} and names the thing
 * {@code RaspberryPi-<serial>}; its claim certificate is the stand-in's device certificate:
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.AwsFleetProvisioning
 * </pre>
 *
 * <p>Against AWS, {@code --config claim.json} names the endpoint, the claim certificate and its key.
 */
public final class AwsFleetProvisioning {
    static final String TEMPLATE = "edgeflow-fleet";
    static final String THING_PREFIX = "RaspberryPi-";
    static final String CONFIG_FILE = "edgeflow-aws.json";
    private static final Duration CONNECT_WAIT = Duration.ofSeconds(30);
    private static final Duration PUBLISH_WAIT = Duration.ofSeconds(30);
    private static final Set<String> ARGS = Set.of("--config", "--template", "--serial", "--out", "--client-id");
    private static final Set<String> SWITCHES = Set.of("--csr");
    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: AwsFleetProvisioning [--config claim.json] [--template edgeflow-fleet] [--serial 0001]",
            "       [--out ~/iot-certs/provisioned] [--csr] [--client-id claim-<serial>]",
            "  --config <file>      a device config (edgeflow-aws.json format) with the endpoint, the claim",
            "                       certificate, its key and the root CA; its thingName and clientId are not used",
            "  --template <name>    the fleet provisioning template; default edgeflow-fleet",
            "  --serial <serial>    the template's SerialNumber parameter; default 0001",
            "  --out <dir>          where device.cert.pem, device.private.key (0600) and edgeflow-aws.json go;",
            "                       default ~/iot-certs/provisioned, locally a temporary folder deleted at the end",
            "  --csr                make the key on this device and have AWS IoT sign a CSR",
            "                       (CreateCertificateFromCsr): the private key never leaves the device",
            "  --client-id <id>     the claim connection's client id; default claim-<serial>, so that devices",
            "                       provisioning at the same time do not take over each other's connection",
            "  (no --config: a local stand-in for AWS IoT Core with an emulated identity service is started,",
            "  which accepts template edgeflow-fleet and names the thing RaspberryPi-<serial>)");

    private AwsFleetProvisioning() {
    }

    /**
     * What one run did, for tests.
     *
     * @param thing the registered thing, with the files written
     * @param config the device config written for it
     * @param published the reading published with the new certificate, confirmed by its PUBACK
     * @param cloudReceived what the local stand-in's subscriber received; empty against AWS
     */
    record Result(RegisteredThing thing, Path config, Message published, List<Message> cloudReceived) {
    }

    /**
     * Provisions the device.
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /**
     * Runs the program as {@link #main(String[])} does, without exiting.
     *
     * @param args the command line
     * @param out where the program's lines go
     * @param err where an error goes
     * @return the exit code: 0 when provisioned and published, 1 when provisioning or connecting failed,
     *     2 for a bad argument
     */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        try {
            run(args, out);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("AwsFleetProvisioning: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (RuntimeException e) {
            err.println("AwsFleetProvisioning: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /**
     * Parses the command line, connects with the claim certificate (or starts the local
     * stand-in), provisions, and publishes one reading with the new certificate.
     *
     * @param args the command line
     * @param out where the program's lines go
     * @return what happened, or {@code null} after {@code --help}
     * @throws IllegalArgumentException for a bad argument or a bad config
     * @throws dev.edgeflow.aws.ProvisioningException if the service refused (an unknown template, a
     *     policy that does not allow the topics) or did not answer, saying what to check
     * @throws dev.edgeflow.aws.AwsIotException if a connection does not come up within 30 s
     * @throws InterruptedException if interrupted
     */
    static Result run(String[] args, PrintStream out) throws InterruptedException {
        ExampleArgs a = ExampleArgs.parse(args, ARGS, SWITCHES);
        if (a.help()) {
            out.println(USAGE);
            return null;
        }
        String template = a.get("--template", TEMPLATE);
        String serial = a.get("--serial", "0001");
        String claimClientId = a.get("--client-id", "claim-" + serial);
        boolean csr = a.on("--csr");
        if (a.path("--config") != null) {
            DeviceConfig claim = DeviceConfig.load(a.path("--config"));
            Path dir = a.path("--out") != null ? a.path("--out")
                    : Path.of(System.getProperty("user.home"), "iot-certs", "provisioned");
            Provisioned p = provision(AwsIotConnection.builder().config(claim).clientId(claimClientId), template,
                    serial, csr, dir, out);
            DeviceConfig.Builder config = DeviceConfig.builder().endpoint(claim.endpoint()).port(claim.port());
            claim.rootCaFile().ifPresent(config::rootCaFile);
            claim.region().ifPresent(config::region);
            return publishWithNewCertificate(p, config, null, out);
        }
        try (LocalIotCore local = LocalIotCore.startWithServices(out)) {
            local.services().acceptTemplate(TEMPLATE, THING_PREFIX, "SerialNumber");
            Path dir = a.path("--out");
            Path temporary = null;
            if (dir == null) {
                temporary = temporaryFolder();
                dir = temporary;
            }
            try {
                Provisioned p = provision(local.connection().clientId(claimClientId), template, serial, csr, dir,
                        out);
                DeviceConfig.Builder config = DeviceConfig.builder().endpoint("localhost")
                        .port(local.tlsPort()).rootCaFile(local.caCertificate());
                return publishWithNewCertificate(p, config, local, out);
            } finally {
                if (temporary != null) {
                    boolean written = Files.exists(temporary.resolve(FleetProvisioning.CERTIFICATE_FILE));
                    delete(temporary);
                    if (written) {
                        out.println("Deleted " + temporary + ": the stand-in's CA that signed the certificate is gone");
                    }
                }
            }
        }
    }

    private record Provisioned(RegisteredThing thing, Path directory) {
    }

    private static Provisioned provision(AwsIotConnection.Builder claimConnection, String template, String serial,
            boolean csr, Path dir, PrintStream out) throws InterruptedException {
        // A claim session is of no use once the device has its own certificate.
        try (AwsIotConnection claim = claimConnection.sessionExpiry(Duration.ZERO).build()) {
            out.println("Connecting with the claim certificate: " + claim.endpoint() + ":" + claim.port() + " as "
                    + claim.clientId());
            claim.awaitReady(CONNECT_WAIT);
            out.println("Connected successfully!");
            out.println((csr ? "Provisioning from a CSR (the key is made here and stays here)"
                    : "Provisioning (AWS IoT makes the key and the certificate)") + " with template '" + template
                    + "', SerialNumber " + serial);
            try (FleetProvisioning provisioning = FleetProvisioning.of(claim)) {
                Map<String, String> parameters = Map.of("SerialNumber", serial);
                RegisteredThing thing = csr ? provisioning.provisionWithCsr(template, parameters, dir)
                        : provisioning.provision(template, parameters, dir);
                out.println("Registered thing " + thing.thingName() + " with certificate "
                        + thing.certificateId().orElse("?"));
                out.println("  certificate: " + thing.certificateFile().orElseThrow());
                out.println("  private key: " + thing.privateKeyFile().orElseThrow()
                        + permissions(thing.privateKeyFile().orElseThrow()));
                if (!thing.deviceConfiguration().isEmpty()) {
                    out.println("  device configuration from the template: " + thing.deviceConfiguration());
                }
                return new Provisioned(thing, dir);
            }
        }
    }

    private static Result publishWithNewCertificate(Provisioned p, DeviceConfig.Builder configBuilder,
            LocalIotCore local, PrintStream out) throws InterruptedException {
        RegisteredThing thing = p.thing();
        Path configFile = p.directory().resolve(CONFIG_FILE);
        DeviceConfig config = configBuilder.thingName(thing.thingName())
                .certificateFile(thing.certificateFile().orElseThrow())
                .privateKeyFile(thing.privateKeyFile().orElseThrow())
                .certificateId(thing.certificateId().orElse(null))
                .build();
        config.write(configFile);
        out.println("  config: " + configFile);
        String topic = "sensor/" + thing.thingName() + "/data";
        Message reading = Message.ofJson(topic, AwsPublishReadings.reading(thing.thingName(), 0));
        try (AwsIotConnection device = AwsIotConnection.builder().config(config).build()) {
            out.println("Connecting with the new certificate as " + device.clientId());
            device.awaitReady(CONNECT_WAIT);
            out.println("Connected successfully!");
            try (AwsIotSink sink = AwsIotSink.builder().connection(device).name("aws-iot").build()) {
                sink.send(reading).toCompletableFuture().get(PUBLISH_WAIT.toSeconds(), TimeUnit.SECONDS);
                out.println("Published: " + topic + " = " + reading.payloadAsString());
            } catch (ExecutionException e) {
                throw new IllegalStateException("publishing with the new certificate failed: "
                        + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("the reading published with the new certificate was not confirmed "
                        + "within " + PUBLISH_WAIT.toSeconds() + " s", e);
            }
        }
        out.println("Disconnected");
        List<Message> atCloud = List.of();
        if (local != null) {
            atCloud = local.awaitReceived(1, Duration.ofSeconds(10));
            out.println("The cloud received " + atCloud.size() + " reading from " + thing.thingName());
        }
        return new Result(thing, configFile, reading, atCloud);
    }

    /** What the file system says, rather than what was asked for. */
    private static String permissions(Path file) {
        try {
            return " (" + PosixFilePermissions.toString(Files.getPosixFilePermissions(file)) + ")";
        } catch (UnsupportedOperationException | IOException e) {
            return "";
        }
    }

    private static Path temporaryFolder() {
        try {
            return Files.createTempDirectory("edgeflow-provisioned");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the provisioned credentials", e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary folder; the key in it is only trusted by the stand-in that is gone
        }
    }
}
