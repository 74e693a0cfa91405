package dev.edgeflow.cli.aws;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code edgeflow aws}: the tutorial's AWS IoT Core set-up (sections 2.1 and 2.2).
 *
 * @since 0.1.0
 */
@Command(name = "aws",
        mixinStandardHelpOptions = true,
        description = "Register a device with AWS IoT Core (the tutorial's sections 2.1 and 2.2).",
        subcommands = {AwsRegisterCommand.class, AwsProvisionCommand.class})
public final class AwsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Creates the command; picocli calls this. */
    public AwsCommand() {
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing command: give register or provision");
    }
}
