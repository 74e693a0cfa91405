package dev.edgeflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The command tree and its argument checks, in this JVM: nothing here reaches a network. */
class CommandLineTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        assertThat(run("--help")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("demo", "aws", "pubsub", "Exit codes:", "3  the gateway file is not valid",
                "4  `run`: stopped with messages still in flight");
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(run()).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("Missing command").contains("run, check, config, demo, aws, pubsub")
                .contains("Try 'edgeflow --help'");
    }

    @Test
    void anUnknownOptionIsNamedWithASuggestion() {
        assertThat(run("aws", "register", "--thing", "RaspberryPi-001", "--thing-name", "x")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("edgeflow aws register: ").contains("'--thing-name'")
                .contains("Try 'edgeflow aws register --help'");
    }

    @Test
    void registerNeedsTheThing() {
        assertThat(run("aws", "register", "--region", "eu-west-1")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("Missing required option: '--thing=<name>'");
    }

    @Test
    void anInvalidThingNameFromTheBuilderIsAUsageErrorBeforeAnyCallToAws() {
        assertThat(run("aws", "register", "--thing", "my thing", "--region", "eu-west-1", "--out",
                System.getProperty("java.io.tmpdir"))).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("'my thing' is not a valid AWS IoT thing name");
        assertThat(out.toString()).doesNotContain("Registering");
    }

    @Test
    void provisionNeedsTheClaimConfigAndTheTemplate() {
        assertThat(run("aws", "provision", "--serial", "1")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--config").contains("--template");
    }

    @Test
    void demoRefusesAPortOutOfRangeNamingIt() {
        assertThat(run("demo", "--port", "70000")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("Invalid value for option '--port': '70000'")
                .contains("0 to 65535");
    }

    @Test
    void demoRefusesANumberThatIsNotOne() {
        assertThat(run("demo", "--devices", "three")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--devices").contains("three");
    }

    @Test
    void demoRefusesABrokerThatIsNotAnMqttUri() {
        assertThat(run("demo", "--broker", "http://localhost")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("Invalid value for option '--broker'");
    }

    @Test
    void pubsubWithoutAProjectSaysWhichOptionIsMissing() {
        // The build's environment may set GOOGLE_CLOUD_PROJECT, which is the option's default.
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("GOOGLE_CLOUD_PROJECT") == null,
                "GOOGLE_CLOUD_PROJECT is set, which is the default of --project");
        assertThat(run("pubsub", "create-topic", "iot-sensor-data", "--emulator", "localhost:8085"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("Missing required option: '--project=<id>'");
    }

    @Test
    void pubsubRefusesAnEmulatorThatIsNotHostAndPort() {
        assertThat(run("pubsub", "create-topic", "iot-sensor-data", "--project", "my-project", "--emulator",
                "localhost")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("Invalid value for option '--emulator'");
    }

    @Test
    void pubsubRefusesEmulatorTogetherWithCredentials() {
        assertThat(run("pubsub", "pull", "iot-sensor-sub", "--project", "my-project", "--emulator", "localhost:8085",
                "--credentials", "key.json")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--emulator and --credentials are mutually exclusive");
    }

    @Test
    void pubsubRefusesAnAckDeadlineOutsideTheServicesRange() {
        assertThat(run("pubsub", "create-subscription", "iot-sensor-sub", "--topic", "iot-sensor-data",
                "--project", "my-project", "--emulator", "localhost:8085", "--ack-deadline", "5s"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("'--ack-deadline'").contains("10 s to 600 s");
    }

    @Test
    void anInvalidTopicIdIsAUsageErrorNamingTheRule() {
        assertThat(run("pubsub", "create-topic", "x", "--project", "my-project", "--emulator", "localhost:1"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("topic id 'x' is not valid");
    }

    @Test
    void versionNamesTheProgram() {
        assertThat(run("--version")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).startsWith("edgeflow ");
    }
}
