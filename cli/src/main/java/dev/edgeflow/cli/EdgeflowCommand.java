package dev.edgeflow.cli;

import dev.edgeflow.cli.aws.AwsCommand;
import dev.edgeflow.cli.pubsub.PubSubCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top of the command tree: global options and the list of commands. */
@Command(name = "edgeflow",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Moves IoT data between devices, a local MQTT broker, AWS IoT Core and Google Pub/Sub.",
        subcommands = {GatewayFileCommands.Run.class, GatewayFileCommands.Check.class, GatewayFileCommands.Config.class,
            DemoCommand.class, AwsCommand.class, PubSubCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  done; `run`: stopped with every message settled",
            "  1  failed while running (the cloud refused, a peer is unreachable, a file cannot be written)",
            "  2  bad command line",
            "  3  the gateway file is not valid",
            "  4  `run`: stopped with messages still in flight at the --drain deadline",
            "",
            "Logs go to standard error; -Dedgeflow.log.level=DEBUG in JAVA_OPTS, or --verbose, shows more."})
final class EdgeflowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, description = "Log at DEBUG and print stack traces of failures.")
    boolean verbose;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing command: give one of "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
