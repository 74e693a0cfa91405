package dev.edgeflow.examples;

import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.testkit.PubSubEmulator;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the Pub/Sub examples find Pub/Sub, so that each runs with one command and no cloud
 * account. In this order:
 *
 * <ol>
 *   <li>{@code --emulator host:port}: an emulator that is already running;</li>
 *   <li>{@code --project ID}: that project, on the emulator named by {@code PUBSUB_EMULATOR_HOST}
 *       if it is set, else on Google Cloud with {@code --credentials FILE} or application-default
 *       credentials;</li>
 *   <li>{@code PUBSUB_EMULATOR_HOST} alone: that emulator, project {@value #DEFAULT_PROJECT};</li>
 *   <li>nothing: the Pub/Sub emulator of the Google Cloud CLI, started here on a free loopback
 *       port and stopped by {@link #close()}.</li>
 * </ol>
 */
final class PubSubEnvironment implements AutoCloseable {
    /** The project the examples use on an emulator, which takes any project id. */
    static final String DEFAULT_PROJECT = "edgeflow-example";

    private static final Logger LOG = LoggerFactory.getLogger("edgeflow.pubsub");

    private final PubSubConnection connection;
    private final PubSubEmulator startedEmulator;

    private PubSubEnvironment(PubSubConnection connection, PubSubEmulator startedEmulator) {
        this.connection = connection;
        this.startedEmulator = startedEmulator;
    }

    /**
     * Finds or starts Pub/Sub.
     *
     * @param project {@code --project}, or {@code null}
     * @param emulatorHost {@code --emulator}, or {@code null}
     * @param credentials {@code --credentials}, or {@code null}
     * @return the environment; close it to stop an emulator it started
     * @throws IllegalStateException if an emulator is needed and the Google Cloud CLI's is not installed
     */
    static PubSubEnvironment open(String project, String emulatorHost, Path credentials) {
        String projectId = project != null ? project : DEFAULT_PROJECT;
        if (emulatorHost != null) {
            return new PubSubEnvironment(PubSubConnection.builder(projectId).emulatorHost(emulatorHost).build(), null);
        }
        String fromEnvironment = System.getenv(PubSubConnection.EMULATOR_ENVIRONMENT);
        boolean environmentSet = fromEnvironment != null && !fromEnvironment.isBlank();
        if (project != null || environmentSet) {
            PubSubConnection.Builder b = PubSubConnection.builder(projectId);
            if (credentials != null) {
                b.credentialsFile(credentials);
            }
            return new PubSubEnvironment(b.build(), null);
        }
        if (PubSubEmulator.findLauncher().isEmpty()) {
            throw new IllegalStateException("no Pub/Sub to talk to: the Pub/Sub emulator is not installed "
                    + "(apt-get install google-cloud-cli-pubsub-emulator, or gcloud components install "
                    + "pubsub-emulator), PUBSUB_EMULATOR_HOST is not set, and no --project was given; install the "
                    + "emulator, start one and pass --emulator host:port, or pass --project <id> for Google Cloud");
        }
        LOG.info("starting the Pub/Sub emulator (a few seconds)...");
        PubSubEmulator emulator = PubSubEmulator.start();
        LOG.info("Pub/Sub emulator listening on {}, project {}", emulator.hostPort(), projectId);
        return new PubSubEnvironment(PubSubConnection.builder(projectId).emulatorHost(emulator.hostPort()).build(),
                emulator);
    }

    /**
     * Returns the connection to use.
     *
     * @return the project and where it is reached
     */
    PubSubConnection connection() {
        return connection;
    }

    /**
     * Tells whether this is an emulator (started here, named, or from the environment).
     *
     * @return whether topics and subscriptions may be created freely
     */
    boolean isEmulator() {
        return connection.emulatorHost().isPresent();
    }

    /** Stops the emulator if this environment started it. Idempotent. */
    @Override
    public void close() {
        if (startedEmulator != null) {
            startedEmulator.close();
        }
    }

    @Override
    public String toString() {
        return connection + (startedEmulator != null ? " (started here)" : "");
    }
}
