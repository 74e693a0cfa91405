package dev.edgeflow.testkit.mqtt;

import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.testkit.Peers;
import dev.edgeflow.testkit.internal.MosquittoPasswords;
import dev.edgeflow.testkit.internal.OrphanedBrokers;
import dev.edgeflow.testkit.internal.PortProbe;
import dev.edgeflow.testkit.internal.ReadableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Mosquitto 2 broker in a process of its own, with a configuration generated for one test, on
 * free ports of {@code 127.0.0.1}.
 *
 * <p>{@link Builder#start()} needs {@code mosquitto} installed ({@code apt-get install -y mosquitto}
 * on Debian and Ubuntu; it is looked for on the {@code PATH} and in {@code /usr/sbin}). Without
 * it the calling test is skipped, loudly, through {@link Peers#requireExecutable(String, String)}.
 *
 * <p>Everything the broker reads or writes lives in a work folder of its own under
 * {@code java.io.tmpdir}: its configuration, copies of the certificates it serves, its password
 * file, its persistence database and its log. Mosquitto started as root switches to the
 * {@code mosquitto} user (or {@code nobody} where there is none) before it reads certificates or
 * writes its database; so the folder and its files are readable by every user, and when the JVM
 * runs as root the folder is given to that user. {@link #close()} deletes the folder.
 *
 * <p>A JVM that exits normally ends its brokers through a shutdown hook. One that is killed
 * cannot; the next {@code MosquittoBroker} started on the machine ends brokers whose JVM is
 * gone and deletes their folders.
 *
 * <pre>{@code
 * TestCertificates certs = TestCertificates.generate(dir);
 * try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs).requireCertificate(true).start()) {
 *     connect(broker.tlsUri(), certs.clientCertificate(), certs.clientKey());
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class MosquittoBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MosquittoBroker.class);
    private static final String HOST = "127.0.0.1";
    private static final String WORK_PREFIX = "edgeflow-mosquitto-";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final int START_ATTEMPTS = 3;

    private final Path executable;
    private final Path workDirectory;
    private final Path configFile;
    private final int port;
    private final int tlsPort;
    private final Thread shutdownHook;
    private Process process;
    private boolean closed;

    private MosquittoBroker(Path executable, Path workDirectory, int port, int tlsPort) {
        this.executable = executable;
        this.workDirectory = workDirectory;
        this.configFile = workDirectory.resolve("mosquitto.conf");
        this.port = port;
        this.tlsPort = tlsPort;
        this.shutdownHook = new Thread(this::endOnJvmExit, "edgeflow-mosquitto-" + port + "-shutdown");
    }

    /**
     * Starts describing a broker; {@link Builder#start()} starts it.
     *
     * @return a builder for a broker with a plain listener, anonymous clients allowed, no
     *     persistence and Mosquitto's default limits
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Describes a Mosquitto broker before it starts. Settings that Mosquitto keeps per listener
     * (certificates) apply to the TLS listener; the rest (users, limits, persistence) apply to
     * both listeners, as the configuration sets {@code per_listener_settings false}.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private TestCertificates certificates;
        private Path serverCertificate;
        private Path serverKey;
        private boolean requireCertificate;
        private final Map<String, String> users = new LinkedHashMap<>();
        private Integer maxInflightMessages;
        private Integer maxQueuedMessages;
        private boolean persistence;
        private final StringBuilder extraConfig = new StringBuilder();

        private Builder() {
        }

        /**
         * Adds a TLS listener on a second free loopback port. It trusts
         * {@link TestCertificates#caCertificate()} and serves
         * {@link TestCertificates#serverCertificate()} unless
         * {@link #serverCertificate(Path, Path)} names another.
         *
         * @param certificates the certificates
         * @return this builder
         * @throws NullPointerException if {@code certificates} is null
         */
        public Builder tls(TestCertificates certificates) {
            this.certificates = Objects.requireNonNull(certificates, "certificates");
            return this;
        }

        /**
         * Serves another certificate on the TLS listener, such as
         * {@link TestCertificates#expiredServerCertificate()} or
         * {@link TestCertificates#wrongHostServerCertificate()}. Needs {@link #tls(TestCertificates)}.
         *
         * @param certificate the PEM certificate; copied when the broker starts
         * @param key its PEM private key, unencrypted; copied when the broker starts
         * @return this builder
         * @throws NullPointerException if either is null
         */
        public Builder serverCertificate(Path certificate, Path key) {
            this.serverCertificate = Objects.requireNonNull(certificate, "certificate");
            this.serverKey = Objects.requireNonNull(key, "key");
            return this;
        }

        /**
         * Makes the TLS listener refuse clients without a certificate signed by
         * {@link TestCertificates#caCertificate()} ({@code require_certificate}), and take the
         * certificate's common name as the user name ({@code use_identity_as_username}), so that
         * such a client needs no password even when {@link #user(String, String)} is set. Needs
         * {@link #tls(TestCertificates)}. Off by default.
         *
         * @param require true to require client certificates
         * @return this builder
         */
        public Builder requireCertificate(boolean require) {
            this.requireCertificate = require;
            return this;
        }

        /**
         * Adds a user and refuses clients without a known user name and its password
         * ({@code allow_anonymous false}). Call it once per user. The password file is written
         * with {@code mosquitto_passwd} where it is installed, and in Mosquitto's format by the
         * testkit where it is not.
         *
         * @param username the user name: not empty, no {@code ':'} and no line breaks
         * @param password the password: no line breaks
         * @return this builder
         * @throws IllegalArgumentException if the name or password cannot go into a password file
         * @throws NullPointerException if either is null
         */
        public Builder user(String username, String password) {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            users.put(MosquittoPasswords.checkUsername(username), MosquittoPasswords.checkPassword(username, password));
            return this;
        }

        /**
         * Limits the QoS 1 and 2 messages in flight to each client at once
         * ({@code max_inflight_messages}; Mosquitto's default is 20).
         *
         * @param count the limit, 0 for none
         * @return this builder
         * @throws IllegalArgumentException if {@code count} is negative
         */
        public Builder maxInflightMessages(int count) {
            this.maxInflightMessages = notNegative("maxInflightMessages", count);
            return this;
        }

        /**
         * Limits the QoS 1 and 2 messages queued for each client beyond those in flight
         * ({@code max_queued_messages}; Mosquitto's default is 1000). Messages over the limit are
         * dropped by the broker.
         *
         * @param count the limit, 0 for none
         * @return this builder
         * @throws IllegalArgumentException if {@code count} is negative
         */
        public Builder maxQueuedMessages(int count) {
            this.maxQueuedMessages = notNegative("maxQueuedMessages", count);
            return this;
        }

        /**
         * Keeps sessions, subscriptions and queued messages in a database in the work folder
         * across {@link #restart()}. Mosquitto writes the database when it stops
         * ({@link #stop()}, {@link #restart()}), not when it is killed ({@link #kill()}): add
         * {@code autosave_interval} through {@link #extraConfig(String)} to write it as it goes.
         * Only sessions begun with clean start false come back: Mosquitto 2.0.11 does not keep an
         * MQTT 5 session begun with clean start true across a restart, whatever its session
         * expiry interval. Off by default.
         *
         * @param persistence true to keep state across restarts
         * @return this builder
         */
        public Builder persistence(boolean persistence) {
            this.persistence = persistence;
            return this;
        }

        /**
         * Appends lines to the end of the generated configuration, for anything this builder does
         * not offer, such as a bridge's {@code connection} block. Calls add up. Global options set
         * here override the builder's, as Mosquitto takes the last value given.
         *
         * @param lines configuration lines, separated by line breaks
         * @return this builder
         * @throws NullPointerException if {@code lines} is null
         */
        public Builder extraConfig(String lines) {
            extraConfig.append(Objects.requireNonNull(lines, "lines")).append('\n');
            return this;
        }

        /**
         * Starts the broker and blocks until every listener accepts TCP connections, which
         * usually takes a few tens of milliseconds. Should another process take a port between
         * finding it free and Mosquitto binding it, the broker is started again on new ports, up
         * to three times.
         *
         * @return the running broker; close it when done
         * @throws org.opentest4j.TestAbortedException if Mosquitto is not installed: the calling
         *     test is skipped, and the reason printed to standard error
         * @throws IllegalStateException if the settings do not fit together (such as
         *     {@link #requireCertificate(boolean)} without {@link #tls(TestCertificates)}), or the
         *     broker does not accept connections within 15 seconds; the message holds its log
         * @throws UncheckedIOException if the work folder cannot be written
         */
        public MosquittoBroker start() {
            if (certificates == null && (requireCertificate || serverCertificate != null)) {
                throw new IllegalStateException("MosquittoBroker: " + (requireCertificate ? "requireCertificate(true)"
                        : "serverCertificate(" + serverCertificate + ", ...)") + " needs a TLS listener: add"
                        + " tls(TestCertificates.generate(dir)) to the builder");
            }
            Path executable = Peers.requireExecutable("mosquitto", "apt-get install -y mosquitto");
            Path temp = Path.of(System.getProperty("java.io.tmpdir"));
            OrphanedBrokers.endOrphans(temp, WORK_PREFIX, executable.getFileName().toString());
            RuntimeException failure = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                List<Integer> ports = FreePorts.loopbackPorts(certificates == null ? 1 : 2);
                MosquittoBroker broker = new MosquittoBroker(executable, ReadableFiles.createTempDirectory(WORK_PREFIX),
                        ports.get(0), certificates == null ? -1 : ports.get(1));
                try {
                    broker.prepare(this);
                    broker.launch();
                    return broker;
                } catch (RuntimeException e) {
                    String log = broker.log();
                    broker.close();
                    if (!log.contains("Address already in use")) {
                        throw e;
                    }
                    failure = e;
                    LOG.warn("mosquitto could not bind port {} or {}, which another process took; starting again on"
                            + " other ports", broker.port, broker.tlsPort);
                }
            }
            throw failure;
        }

        private static int notNegative(String property, int count) {
            if (count < 0) {
                throw new IllegalArgumentException("MosquittoBroker " + property + " must be 0 (no limit) or more, was "
                        + count);
            }
            return count;
        }
    }

    /**
     * Returns the address the broker listens on.
     *
     * @return {@code "127.0.0.1"}
     */
    public String host() {
        return HOST;
    }

    /**
     * Returns the plain MQTT listener's port.
     *
     * @return the port, the same across {@link #restart()}
     */
    public int port() {
        return port;
    }

    /**
     * Returns the TLS listener's port.
     *
     * @return the port, the same across {@link #restart()}
     * @throws IllegalStateException if the broker was built without {@link Builder#tls(TestCertificates)}
     */
    public int tlsPort() {
        if (tlsPort < 0) {
            throw new IllegalStateException("this Mosquitto broker on " + uri() + " has no TLS listener: start it with"
                    + " MosquittoBroker.builder().tls(certificates).start()");
        }
        return tlsPort;
    }

    /**
     * Returns the plain listener's URI.
     *
     * @return {@code mqtt://127.0.0.1:PORT}
     */
    public String uri() {
        return "mqtt://" + HOST + ":" + port;
    }

    /**
     * Returns the TLS listener's URI.
     *
     * @return {@code mqtts://127.0.0.1:PORT}
     * @throws IllegalStateException if the broker was built without {@link Builder#tls(TestCertificates)}
     */
    public String tlsUri() {
        return "mqtts://" + HOST + ":" + tlsPort();
    }

    /**
     * Tells whether the broker process is alive.
     *
     * @return true from start until it is stopped, killed, closed or exits by itself
     */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Stops the broker as an operator would (SIGTERM) and blocks until the process has exited,
     * killing it after 15 seconds. It closes every connection and, with
     * {@link Builder#persistence(boolean)}, writes its database first. Does nothing if the broker
     * is not running.
     *
     * @throws IllegalStateException if the broker was closed, or the calling thread is interrupted
     */
    public synchronized void stop() {
        requireOpen("stop");
        endProcess(false);
    }

    /**
     * Kills the broker (SIGKILL), as a crash or power cut would, and blocks until the process is
     * gone. Clients see their connections drop without a DISCONNECT; nothing is written to the
     * persistence database. Does nothing if the broker is not running.
     *
     * @throws IllegalStateException if the broker was closed, or the calling thread is interrupted
     */
    public synchronized void kill() {
        requireOpen("kill");
        endProcess(true);
    }

    /**
     * Stops the broker if it runs ({@link #stop()}) and starts it again with the same ports,
     * configuration and persistence folder, blocking until every listener accepts connections.
     * With {@link Builder#persistence(boolean)} sessions and queued messages come back as they
     * were last written; without it the broker starts empty.
     *
     * @throws IllegalStateException if the broker was closed, does not accept connections within
     *     15 seconds (as when another process took a port meanwhile; the message holds the log),
     *     or the calling thread is interrupted
     */
    public synchronized void restart() {
        requireOpen("restart");
        endProcess(false);
        launch();
    }

    /**
     * Returns what the broker logged: its log file (connections, refusals, TLS errors, with
     * timestamps) followed by anything it printed to the console, such as configuration errors
     * from before the log file was opened. Meant for diagnostics in assertion messages.
     *
     * @return the log, across restarts; empty after {@link #close()}
     */
    public synchronized String log() {
        StringBuilder log = new StringBuilder(read(workDirectory.resolve("mosquitto.log")));
        String console = read(workDirectory.resolve("console.log"));
        if (!console.isBlank()) {
            log.append("--- mosquitto console output ---\n").append(console);
        }
        return log.toString();
    }

    /**
     * Stops the broker ({@link #stop()}), and deletes its work folder with its configuration,
     * database and log. Calling it again does nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            endProcess(false);
        } finally {
            closed = true;
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // the JVM is exiting, and the hook runs or ran anyway; or it was never added
            }
            ReadableFiles.deleteRecursively(workDirectory);
        }
    }

    /**
     * Describes the broker by its URIs and work folder.
     *
     * @return a description naming the listeners
     */
    @Override
    public String toString() {
        return "MosquittoBroker[" + uri() + (tlsPort < 0 ? "" : ", mqtts://" + HOST + ":" + tlsPort) + ", "
                + workDirectory + "]";
    }

    private void prepare(Builder settings) {
        OrphanedBrokers.recordOwner(workDirectory);
        StringBuilder config = new StringBuilder()
                .append("# Written by edgeflow-testkit's MosquittoBroker for one test run; deleted when it closes.\n")
                .append("per_listener_settings false\n")
                .append("allow_anonymous ").append(settings.users.isEmpty()).append('\n');
        if (!settings.users.isEmpty()) {
            Path passwords = MosquittoPasswords.write(workDirectory.resolve("passwd"), settings.users,
                    Peers.findExecutable("mosquitto_passwd"));
            config.append("password_file ").append(passwords).append('\n');
        }
        if (settings.persistence) {
            Path data = ReadableFiles.directory(workDirectory.resolve("data"));
            // Mosquitto appends the file name to persistence_location as it is: the slash matters.
            config.append("persistence true\npersistence_location ").append(data).append("/\n");
        } else {
            config.append("persistence false\n");
        }
        if (settings.maxInflightMessages != null) {
            config.append("max_inflight_messages ").append(settings.maxInflightMessages).append('\n');
        }
        if (settings.maxQueuedMessages != null) {
            config.append("max_queued_messages ").append(settings.maxQueuedMessages).append('\n');
        }
        config.append("log_dest file ").append(workDirectory.resolve("mosquitto.log")).append('\n')
                .append("log_type error\nlog_type warning\nlog_type notice\nlog_type information\n")
                .append("connection_messages true\n")
                .append("log_timestamp true\nlog_timestamp_format %Y-%m-%dT%H:%M:%S\n")
                .append('\n')
                .append("listener ").append(port).append(' ').append(HOST).append('\n');
        if (settings.certificates != null) {
            Path certs = ReadableFiles.directory(workDirectory.resolve("certs"));
            Path ca = ReadableFiles.copy(settings.certificates.caCertificate(), certs.resolve("ca.cert.pem"));
            Path cert = ReadableFiles.copy(settings.serverCertificate != null ? settings.serverCertificate
                    : settings.certificates.serverCertificate(), certs.resolve("server.cert.pem"));
            Path key = ReadableFiles.copy(settings.serverKey != null ? settings.serverKey
                    : settings.certificates.serverKey(), certs.resolve("server.key.pem"));
            config.append('\n')
                    .append("listener ").append(tlsPort).append(' ').append(HOST).append('\n')
                    .append("cafile ").append(ca).append('\n')
                    .append("certfile ").append(cert).append('\n')
                    .append("keyfile ").append(key).append('\n');
            if (settings.requireCertificate) {
                config.append("require_certificate true\nuse_identity_as_username true\n");
            }
        }
        if (settings.extraConfig.length() > 0) {
            config.append('\n').append(settings.extraConfig);
        }
        ReadableFiles.write(configFile, config.toString().getBytes(StandardCharsets.UTF_8));
        giveToBrokerUser();
    }

    /** Mosquitto started as root runs as {@code mosquitto}, or {@code nobody}, and must write its database and log. */
    private void giveToBrokerUser() {
        try {
            if (!Integer.valueOf(0).equals(Files.getAttribute(workDirectory, "unix:uid"))) {
                return;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return; // no Unix owners here, so no switch of user either
        }
        Optional<UserPrincipal> user = ReadableFiles.user("mosquitto").or(() -> ReadableFiles.user("nobody"));
        user.ifPresent(owner -> ReadableFiles.changeOwner(workDirectory, owner));
    }

    private void launch() {
        Path console = workDirectory.resolve("console.log");
        try {
            process = new ProcessBuilder(executable.toString(), "-c", configFile.toString())
                    .directory(workDirectory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable + " -c " + configFile + ": " + e.getMessage(), e);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // nothing is ever written to it, so there is nothing to lose
        }
        OrphanedBrokers.recordBroker(workDirectory, process);
        try {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } catch (IllegalArgumentException alreadyAdded) {
            // a restart: the hook from the first start still stands
        }
        Process started = process;
        for (int listener : tlsPort < 0 ? List.of(port) : List.of(port, tlsPort)) {
            if (!PortProbe.awaitAccepting(HOST, listener, START_TIMEOUT, started::isAlive)) {
                String state = started.isAlive() ? "still running" : "exited with code " + started.exitValue();
                endProcess(true);
                throw new IllegalStateException("mosquitto does not accept connections on " + HOST + ":" + listener
                        + " within " + START_TIMEOUT.toSeconds() + " s (" + state + "); configuration " + configFile
                        + "; its log:\n" + log());
            }
        }
        LOG.info("mosquitto (pid {}) listening on {}{}", started.pid(), uri(),
                tlsPort < 0 ? "" : " and mqtts://" + HOST + ":" + tlsPort);
    }

    private void endProcess(boolean kill) {
        Process running = process;
        if (running == null || !running.isAlive()) {
            return;
        }
        if (kill) {
            running.destroyForcibly();
        } else {
            running.destroy();
        }
        try {
            if (!running.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("mosquitto (pid {}) on {} did not stop within {} s of SIGTERM; killing it", running.pid(),
                        uri(), STOP_TIMEOUT.toSeconds());
                running.destroyForcibly();
                running.waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for mosquitto (pid " + running.pid() + ") on "
                    + uri() + " to end; it was killed", e);
        }
    }

    private void endOnJvmExit() {
        Process running = process;
        if (running != null && running.isAlive()) {
            running.destroyForcibly();
            try {
                running.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ReadableFiles.deleteRecursively(workDirectory);
    }

    private void requireOpen(String what) {
        if (closed) {
            throw new IllegalStateException("cannot " + what + " the Mosquitto broker on " + uri()
                    + ": it was closed; start a new one with MosquittoBroker.builder().start()");
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
