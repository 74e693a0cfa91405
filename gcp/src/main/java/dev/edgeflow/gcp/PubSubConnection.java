package dev.edgeflow.gcp;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where and as whom to reach Pub/Sub: the project, and either credentials or the emulator.
 * Immutable; shared by any number of sinks, sources and admins, each of which opens its own
 * channel (or HTTP client, for a sink on {@link PubSubSink.Transport#REST}) from it and closes it
 * when it closes.
 *
 * <p>Credentials, in this order: a service-account JSON file given to
 * {@link Builder#credentialsFile(Path)}; otherwise application-default credentials (the
 * {@code GOOGLE_APPLICATION_CREDENTIALS} file, then the gcloud user's, then the metadata
 * server). With an emulator there are none: the channel is plaintext.
 *
 * <p>The emulator is used when {@link Builder#emulatorHost(String)} is set, or else when the
 * environment variable {@code PUBSUB_EMULATOR_HOST} is (the Java client does not read it by
 * itself; this class does, unless {@link Builder#ignoreEmulatorEnvironment()} is called).
 *
 * <pre>{@code
 * PubSubConnection gcp = PubSubConnection.builder("my-project")
 *         .credentialsFile(Path.of("/etc/edgeflow/service-account.json"))
 *         .build();
 * PubSubConnection local = PubSubConnection.builder("test-project").emulatorHost("localhost:8085").build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class PubSubConnection {
    /** The environment variable the gcloud tools and other clients read for the emulator. */
    public static final String EMULATOR_ENVIRONMENT = "PUBSUB_EMULATOR_HOST";

    private static final Pattern PROJECT_ID = Pattern.compile("[a-z][a-z0-9-]{4,28}[a-z0-9]|[a-z][a-z0-9.:-]{0,99}");
    private static final Pattern HOST_PORT = Pattern.compile("\\[?[A-Za-z0-9.:-]+]?:[0-9]{1,5}");
    private static final List<String> SCOPES = List.of("https://www.googleapis.com/auth/pubsub");

    private final String projectId;
    private final String emulatorHost;
    private final Path credentialsFile;
    private final String endpoint;

    private PubSubConnection(Builder b) {
        this.projectId = b.projectId;
        this.emulatorHost = b.emulatorHost != null ? b.emulatorHost
                : b.readEnvironment ? blankToNull(System.getenv(EMULATOR_ENVIRONMENT)) : null;
        this.credentialsFile = b.credentialsFile;
        this.endpoint = b.endpoint;
        if (emulatorHost != null) {
            checkHostPort(emulatorHost, b.emulatorHost != null ? "emulatorHost" : EMULATOR_ENVIRONMENT);
        }
    }

    /**
     * Starts a connection for a project.
     *
     * @param projectId the project's id, such as {@code my-iot-project}
     * @return a builder
     * @throws IllegalArgumentException if the id is blank or not a project id
     */
    public static Builder builder(String projectId) {
        return new Builder(projectId);
    }

    /**
     * Returns the project id.
     *
     * @return the project id
     */
    public String projectId() {
        return projectId;
    }

    /**
     * Returns the emulator's {@code host:port}, if the emulator is used.
     *
     * @return the emulator's address, or empty for the real service
     */
    public Optional<String> emulatorHost() {
        return Optional.ofNullable(emulatorHost);
    }

    /**
     * Returns the service-account file, if one was given.
     *
     * @return the file, or empty for application-default credentials (or none, with the emulator)
     */
    public Optional<Path> credentialsFile() {
        return Optional.ofNullable(credentialsFile);
    }

    /**
     * Returns a description for logs and names: the project and where it is reached.
     *
     * @return such as {@code my-project} or {@code my-project@emulator:localhost:8085}
     */
    @Override
    public String toString() {
        return emulatorHost != null ? projectId + "@emulator:" + emulatorHost
                : endpoint != null ? projectId + "@" + endpoint : projectId;
    }

    /**
     * Loads the credentials for the real service: the service-account file, or else
     * application-default credentials, scoped to Pub/Sub.
     *
     * @return the credentials; null with the emulator
     * @throws PubSubException if the credentials file is missing or malformed, or no
     *     application-default credentials are found
     */
    GoogleCredentials credentials() {
        if (emulatorHost != null) {
            return null;
        }
        if (credentialsFile != null) {
            try (InputStream in = Files.newInputStream(credentialsFile)) {
                return ServiceAccountCredentials.fromStream(in).createScoped(SCOPES);
            } catch (NoSuchFileException e) {
                throw new PubSubException("the service-account credentials file " + credentialsFile
                        + " does not exist: give the path of the JSON key downloaded for the service account "
                        + "(IAM > Service accounts > Keys), or leave credentialsFile out to use "
                        + "application-default credentials", e);
            } catch (IOException | RuntimeException e) {
                throw new PubSubException("cannot read service-account credentials from " + credentialsFile + ": "
                        + e.getMessage() + "; the file must be a service account's JSON key (with \"type\": "
                        + "\"service_account\", \"client_email\" and \"private_key\")", e);
            }
        }
        try {
            return GoogleCredentials.getApplicationDefault().createScoped(SCOPES);
        } catch (IOException e) {
            throw new PubSubException("no Google Cloud credentials found for project " + projectId + ": "
                    + e.getMessage() + "; set credentialsFile to a service-account JSON key, set "
                    + "GOOGLE_APPLICATION_CREDENTIALS, or run 'gcloud auth application-default login'; for the "
                    + "emulator set emulatorHost or " + EMULATOR_ENVIRONMENT, e);
        }
    }

    /** Whether {@link #credentials()} reads a service-account file rather than application-default ones. */
    boolean hasCredentialsFile() {
        return credentialsFile != null;
    }

    /**
     * Returns the endpoint given to {@link Builder#endpoint(String)}.
     *
     * @return {@code host:port}, or null for the default one
     */
    String endpointOrNull() {
        return endpoint;
    }

    /** The scopes the credentials are given. */
    static List<String> scopes() {
        return SCOPES;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static void checkHostPort(String hostPort, String what) {
        if (!HOST_PORT.matcher(hostPort).matches()) {
            throw new IllegalArgumentException(what + " is '" + hostPort + "': give host:port, such as "
                    + "localhost:8085");
        }
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " is '" + hostPort + "': the port must be 1 to 65535");
        }
    }

    /** Builds a {@link PubSubConnection}. */
    public static final class Builder {
        private final String projectId;
        private String emulatorHost;
        private boolean readEnvironment = true;
        private Path credentialsFile;
        private String endpoint;

        private Builder(String projectId) {
            Objects.requireNonNull(projectId, "projectId");
            if (!PROJECT_ID.matcher(projectId).matches()) {
                throw new IllegalArgumentException("projectId is '" + projectId + "': give the project's id "
                        + "(lower-case letters, digits and hyphens, such as my-iot-project), not its name or number");
            }
            this.projectId = projectId;
        }

        /**
         * Uses the Pub/Sub emulator at this address: a plaintext channel, no credentials.
         *
         * @param hostPort such as {@code localhost:8085}
         * @return this builder
         * @throws IllegalArgumentException if it is not {@code host:port}
         */
        public Builder emulatorHost(String hostPort) {
            Objects.requireNonNull(hostPort, "emulatorHost");
            checkHostPort(hostPort, "emulatorHost");
            this.emulatorHost = hostPort;
            return this;
        }

        /**
         * Ignores {@code PUBSUB_EMULATOR_HOST}: without {@link #emulatorHost(String)}, the real
         * service is used even where the variable is set.
         *
         * @return this builder
         */
        public Builder ignoreEmulatorEnvironment() {
            this.readEnvironment = false;
            return this;
        }

        /**
         * Authenticates with a service account's JSON key instead of application-default
         * credentials. Read when a client is created; a missing or malformed file fails there
         * with a {@link PubSubException} that names it.
         *
         * @param file the JSON key file
         * @return this builder
         */
        public Builder credentialsFile(Path file) {
            this.credentialsFile = Objects.requireNonNull(file, "credentialsFile");
            return this;
        }

        /**
         * Uses another endpoint than {@code pubsub.googleapis.com:443}, such as a regional one.
         *
         * @param hostPort such as {@code europe-west1-pubsub.googleapis.com:443}
         * @return this builder
         */
        public Builder endpoint(String hostPort) {
            Objects.requireNonNull(hostPort, "endpoint");
            checkHostPort(hostPort, "endpoint");
            this.endpoint = hostPort;
            return this;
        }

        /**
         * Builds the connection. Nothing is opened yet.
         *
         * @return the connection
         * @throws IllegalArgumentException if {@code PUBSUB_EMULATOR_HOST} is read and is not {@code host:port}
         */
        public PubSubConnection build() {
            return new PubSubConnection(this);
        }
    }
}
