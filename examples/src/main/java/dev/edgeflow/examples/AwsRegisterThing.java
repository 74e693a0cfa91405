package dev.edgeflow.examples;

import dev.edgeflow.aws.RegistrationReport;
import dev.edgeflow.aws.ThingRegistration;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The tutorial's device registration (sections 2.1 and 2.2) from Java, with
 * {@link ThingRegistration}: the data endpoint, keys and certificate, the device config, an IoT
 * policy attached to the certificate, the thing, and the certificate attached to the thing. It
 * prints what each step did and the command that publishes with the files it wrote.
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.AwsRegisterThing \
 *     -Dexec.args="--thing RaspberryPi-001 --region eu-west-1 --root-ca ~/iot-certs/AmazonRootCA1.pem"
 * </pre>
 *
 * <p>It needs AWS credentials allowed {@value ThingRegistration#IAM_ACTIONS}, from the AWS SDK's
 * default chain (environment, {@code ~/.aws/credentials}, an instance role). Every step is
 * idempotent: run it again after a failure and it picks up where it stopped.
 */
public final class AwsRegisterThing {
    private static final Set<String> ARGS = Set.of("--thing", "--out", "--region", "--root-ca", "--topic-prefix",
            "--policy-name", "--endpoint-override");
    private static final Set<String> SWITCHES = Set.of("--wildcard-policy");
    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: AwsRegisterThing [--thing RaspberryPi-001] [--out ~/iot-certs] [--region eu-west-1]",
            "       [--root-ca AmazonRootCA1.pem] [--topic-prefix sensor/RaspberryPi-001/ ...] [--wildcard-policy]",
            "  --thing <name>          the thing name, also the device's client id; default RaspberryPi-001",
            "  --out <dir>             where the certificate, keys and edgeflow-aws.json go; default ~/iot-certs",
            "  --region <region>       default the AWS SDK's region chain (AWS_REGION, ~/.aws/config)",
            "  --root-ca <file>        recorded in the config as the root CA; default the system's trust store",
            "  --topic-prefix <p>      repeatable: topics the policy allows; default sensor/<thing>/ and",
            "                          device/<thing>/ (the thing's shadow topics are always allowed)",
            "  --policy-name <name>    default <thing>-policy",
            "  --wildcard-policy       the tutorial's policy, every action on \"Resource\": \"*\" (experiments only)",
            "  --endpoint-override <uri>  send the AWS IoT calls there (a VPC endpoint, a test server)",
            "  Needs AWS credentials from the SDK's default chain, allowed these IAM actions:",
            "    " + ThingRegistration.IAM_ACTIONS.replace("iot:DescribeCertificate,",
                    "iot:DescribeCertificate," + System.lineSeparator() + "   "));

    private AwsRegisterThing() {
    }

    /**
     * Registers the thing.
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) {
        ExampleArgs.runAndExit("AwsRegisterThing", USAGE, () -> {
            run(args, System.out);
            return 0;
        });
    }

    /**
     * Parses the command line, registers and prints the report.
     *
     * @param args the command line
     * @param out where the report goes
     * @return the report, or {@code null} after {@code --help}
     * @throws IllegalArgumentException for a bad argument
     * @throws dev.edgeflow.aws.RegistrationException naming the step that failed and what to do
     */
    static RegistrationReport run(String[] args, PrintStream out) {
        ExampleArgs a = ExampleArgs.parse(args, ARGS, SWITCHES);
        if (a.help()) {
            out.println(USAGE);
            return null;
        }
        String thing = a.get("--thing", AwsPublishReadings.DEVICE);
        Path dir = a.path("--out") != null ? a.path("--out") : Path.of(System.getProperty("user.home"), "iot-certs");
        List<String> prefixes = a.all("--topic-prefix", null);
        ThingRegistration.Builder b = ThingRegistration.builder()
                .thingName(thing)
                .outputDirectory(dir)
                .region(a.get("--region", null))
                .rootCaFile(a.path("--root-ca"))
                .wildcardPolicy(a.on("--wildcard-policy"))
                .topicPrefixes(prefixes)
                .policyName(a.get("--policy-name", null));
        if (a.get("--endpoint-override", null) != null) {
            b.endpointOverride(URI.create(a.get("--endpoint-override", null)));
        }
        ThingRegistration registration = b.build();
        out.println("Registering thing " + thing + " into " + dir.toAbsolutePath().normalize());
        RegistrationReport report = registration.register();
        for (RegistrationReport.Step step : report.steps()) {
            out.println("  " + step);
        }
        out.println("Config: " + report.configFile());
        // The narrowed policy allows the thing's own prefixes only, not the tutorial's sensor/data.
        String topic = a.on("--wildcard-policy") ? AwsPublishReadings.TOPIC
                : (prefixes != null ? prefixes.get(0) : "sensor/" + thing + "/") + "data";
        out.println("Next, publish ten readings with it:");
        out.println("  ./mvnw -q -pl examples -am compile exec:java "
                + "-Dexec.mainClass=dev.edgeflow.examples.AwsPublishReadings \\");
        out.println("      -Dexec.args=\"--config " + report.configFile() + " --topic " + topic + "\"");
        return report;
    }
}
