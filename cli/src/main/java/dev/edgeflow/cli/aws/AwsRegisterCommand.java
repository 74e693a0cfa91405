package dev.edgeflow.cli.aws;

import dev.edgeflow.aws.RegistrationException;
import dev.edgeflow.aws.RegistrationReport;
import dev.edgeflow.aws.RegistrationReport.Step;
import dev.edgeflow.aws.RegistrationReport.StepName;
import dev.edgeflow.aws.ThingRegistration;
import dev.edgeflow.cli.ExitCodes;
import dev.edgeflow.cli.Progress;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgeflow aws register}: {@link ThingRegistration} from the command line, one line per
 * step. Every step is idempotent, so after a failure the same command picks up where it stopped.
 */
@Command(name = "register",
        mixinStandardHelpOptions = true,
        description = {
            "Create the device's keys and certificate, its IoT policy and the thing, attach them, look up the",
            "data endpoint, and write edgeflow-aws.json for the device (the tutorial's 2.1 and 2.2, in one step).",
            "Every step is idempotent: after a failure, fix the cause and run the same command again.",
            "",
            "Needs AWS credentials from the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,",
            "~/.aws/credentials, an instance role), allowed these IAM actions:",
            "  " + ThingRegistration.IAM_ACTIONS})
final class AwsRegisterCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--thing", required = true, paramLabel = "<name>",
            description = "The thing's name, also the device's MQTT client id, e.g. RaspberryPi-001.")
    String thing;

    @Option(names = "--out", paramLabel = "<dir>", description = "Where the certificate, keys and edgeflow-aws.json go (default ~/iot-certs).")
    Path out;

    @Option(names = "--region", paramLabel = "<region>", description = "The AWS region (default: AWS_REGION, ~/.aws/config).")
    String region;

    @Option(names = "--root-ca", paramLabel = "<file>", description = "The root CA to record in the config, e.g. AmazonRootCA1.pem (default: the system's trust store).")
    Path rootCa;

    @Option(names = "--topic-prefix", paramLabel = "<prefix>",
            description = "Repeatable: topics the policy allows (default sensor/<thing>/ and device/<thing>/; the thing's shadow topics always).")
    List<String> topicPrefixes;

    @Option(names = "--policy-name", paramLabel = "<name>", description = "The IoT policy's name (default <thing>-policy).")
    String policyName;

    @Option(names = "--wildcard-policy",
            description = "The tutorial's policy: every action on \"Resource\": \"*\". For experiments only.")
    boolean wildcardPolicy;

    @Option(names = "--endpoint-override", paramLabel = "<uri>", description = "Send the AWS IoT control-plane calls there (a VPC endpoint).")
    URI endpointOverride;

    @Override
    public Integer call() {
        PrintWriter w = spec.commandLine().getOut();
        Path dir = out != null ? out : Path.of(System.getProperty("user.home"), "iot-certs");
        Progress progress = new Progress(w);
        ThingRegistration registration = ThingRegistration.builder()
                .thingName(thing)
                .outputDirectory(dir)
                .region(region)
                .rootCaFile(rootCa)
                .topicPrefixes(topicPrefixes)
                .policyName(policyName)
                .wildcardPolicy(wildcardPolicy)
                .endpointOverride(endpointOverride)
                .onStep(step -> print(progress, step))
                .build();
        w.println("Registering thing " + thing + " into " + dir.toAbsolutePath().normalize());
        w.flush();
        RegistrationReport report;
        try {
            report = registration.register();
        } catch (RegistrationException e) {
            printFailure(progress, e);
            spec.commandLine().getErr().println("edgeflow aws register: " + e.step() + " failed; every step is "
                    + "idempotent: fix the cause and run the same command again");
            spec.commandLine().getErr().flush();
            return ExitCodes.FAILURE;
        }
        w.println("Config: " + report.configFile());
        String topic = wildcardPolicy ? "sensor/data"
                : (topicPrefixes != null ? topicPrefixes.get(0) : "sensor/" + thing + "/") + "data";
        w.println("The device connects with that file; its policy lets it publish to " + topic + ".");
        w.flush();
        return ExitCodes.OK;
    }

    static void print(Progress progress, Step step) {
        String name = step.name().name();
        switch (step.outcome()) {
            case CREATED:
                progress.created(name, step.detail());
                break;
            case ALREADY_DONE:
                progress.exists(name, step.detail());
                break;
            case REUSED:
                progress.reused(name, step.detail());
                break;
            default:
                progress.done(name, step.detail());
                break;
        }
    }

    /**
     * The steps run in the order of {@link StepName} and the first failure ends the run: the ones
     * before it completed and were printed as they did, the ones after did not run.
     */
    static void printFailure(Progress progress, RegistrationException e) {
        for (StepName name : StepName.values()) {
            int order = name.compareTo(e.step());
            if (order == 0) {
                progress.failed(name.name(), e.getMessage());
            } else {
                progress.notRun(name.name());
            }
        }
    }
}
