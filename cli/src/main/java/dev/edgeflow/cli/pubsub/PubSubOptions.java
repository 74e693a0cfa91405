package dev.edgeflow.cli.pubsub;

import dev.edgeflow.gcp.PubSubConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Where Pub/Sub is: the options every {@code edgeflow pubsub} command takes. */
final class PubSubOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--project", paramLabel = "<id>", defaultValue = "${env:GOOGLE_CLOUD_PROJECT}",
            description = "The Google Cloud project's id (default: GOOGLE_CLOUD_PROJECT).")
    String project;

    @Option(names = "--emulator", paramLabel = "<host:port>", description = {
        "A Pub/Sub emulator (default: PUBSUB_EMULATOR_HOST; without either, Google Cloud)."})
    String emulator;

    @Option(names = "--credentials", paramLabel = "<file>", description = {
        "A service account's JSON key (default: application-default credentials,",
        "GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`)."})
    Path credentials;

    /**
     * Builds the connection from the options.
     *
     * @return the connection; nothing is opened yet
     * @throws ParameterException naming the option that is missing or wrong
     */
    PubSubConnection connection() {
        if (project == null || project.isBlank()) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--project=<id>' "
                    + "(or set GOOGLE_CLOUD_PROJECT)");
        }
        if (emulator != null && credentials != null) {
            throw new ParameterException(spec.commandLine(), "Error: --emulator and --credentials are mutually "
                    + "exclusive: the emulator takes no credentials");
        }
        if (credentials != null && !Files.isReadable(credentials)) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--credentials': "
                    + credentials + " is not a readable file");
        }
        PubSubConnection.Builder b;
        try {
            b = PubSubConnection.builder(project);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--project': " + e.getMessage());
        }
        if (emulator != null) {
            try {
                b.emulatorHost(emulator);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--emulator': "
                        + e.getMessage());
            }
        }
        if (credentials != null) {
            b.credentialsFile(credentials);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
