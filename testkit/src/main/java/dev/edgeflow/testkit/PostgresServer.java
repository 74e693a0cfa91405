package dev.edgeflow.testkit;

import dev.edgeflow.testkit.internal.OrphanedBrokers;
import dev.edgeflow.testkit.internal.ReadableFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private PostgreSQL server as a child process, for one test class: its own cluster in a
 * folder under {@code java.io.tmpdir}, listening on a free port of {@code 127.0.0.1} only, with
 * its unix socket in that folder. The machine's own clusters are neither used nor touched.
 *
 * <p>{@link Builder#start()} looks for {@code initdb} and {@code postgres} in the newest
 * {@code /usr/lib/postgresql/<version>/bin} (Debian and Ubuntu), then on the {@code PATH}. Where
 * PostgreSQL is not installed the calling test is skipped, loudly, through
 * {@link Peers#skip(String)}. PostgreSQL refuses to run as root; when the JVM is root (as in a
 * container) both programs run as the {@code postgres} user through {@code runuser} (or
 * {@code su}), and the folder is given to that user.
 *
 * <p>The superuser is {@code postgres}. Without a password every connection is trusted; with
 * {@link Builder#password(String)} TCP connections must give it (SCRAM), so that a test can
 * check what a wrong password does. Each test should make a database of its own with
 * {@link #createDatabase(String)}.
 *
 * <pre>{@code
 * try (PostgresServer postgres = PostgresServer.start()) {
 *     postgres.createDatabase("readings_test");
 *     String url = postgres.jdbcUrl("readings_test");
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops the server with a fast shutdown (open connections are ended) and
 * deletes the folder. A JVM that exits normally does the same through a shutdown hook; the folder
 * of one that was killed is deleted by the next start on the machine, and its orphaned server
 * ends itself within a minute once it sees its lock file gone.
 *
 * @since 0.1.0
 */
public final class PostgresServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
    private static final String HOST = "127.0.0.1";
    private static final String SUPERUSER = "postgres";
    private static final String WORK_PREFIX = "edgeflow-postgres-";
    private static final String INSTALL_HINT = "apt-get install -y postgresql";
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final int START_ATTEMPTS = 3;
    private static final int OUTPUT_LINES = 80;

    private final Path bin;
    private final Path workDirectory;
    private final Path dataDirectory;
    private final int port;
    private final String password;
    private final Optional<List<String>> runAs;
    private final Deque<String> output = new ArrayDeque<>();
    private final Thread shutdownHook = new Thread(this::stopQuietly, "postgres-server-shutdown");
    private Process process;
    private boolean closed;

    private PostgresServer(Path bin, Path workDirectory, int port, String password, Optional<List<String>> runAs) {
        this.bin = bin;
        this.workDirectory = workDirectory;
        this.dataDirectory = workDirectory.resolve("data");
        this.port = port;
        this.password = password;
        this.runAs = runAs;
    }

    /**
     * Starts a server with the defaults: trusted connections, PostgreSQL's own settings.
     *
     * @return the running server; close it
     * @throws org.opentest4j.TestAbortedException if PostgreSQL is not installed (or the JVM is
     *     root and there is no {@code postgres} user to run it as): the test is skipped, loudly
     * @throws IllegalStateException if it is installed but does not accept connections within
     *     the start timeout; the message holds its output
     */
    public static PostgresServer start() {
        return builder().start();
    }

    /**
     * Starts describing a server; {@link Builder#start()} starts it.
     *
     * @return a builder with the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Finds the folder that holds {@code initdb} and {@code postgres}.
     *
     * @return the newest {@code /usr/lib/postgresql/<version>/bin}, else the folder of
     *     {@code initdb} on the {@code PATH}; empty if PostgreSQL is not installed
     */
    public static Optional<Path> findBinDirectory() {
        if (Files.isDirectory(DEBIAN_ROOT)) {
            try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
                Optional<Path> newest = versions.map(v -> v.resolve("bin"))
                        .filter(PostgresServer::holdsServer)
                        .max(Comparator.comparing(PostgresServer::majorVersion));
                if (newest.isPresent()) {
                    return newest;
                }
            } catch (IOException e) {
                LOG.debug("cannot list {}: {}", DEBIAN_ROOT, e.toString());
            }
        }
        return Peers.findExecutable("initdb").map(Path::getParent).filter(PostgresServer::holdsServer);
    }

    /**
     * Settings of a server to start.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String password;
        private int port;
        private Duration startTimeout = Duration.ofSeconds(60);
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Requires a password of TCP connections (SCRAM-SHA-256) instead of trusting them.
         *
         * @param password the superuser's password, not blank
         * @return this builder
         * @throws IllegalArgumentException if the password is blank
         */
        public Builder password(String password) {
            Objects.requireNonNull(password, "password");
            if (password.isBlank()) {
                throw new IllegalArgumentException("PostgresServer password must not be blank; leave it unset for "
                        + "trusted connections");
            }
            this.password = password;
            return this;
        }

        /**
         * Listens on a given port instead of a free one, such as to start a server where a
         * client already waits for it.
         *
         * @param port 1 to 65535; by default a free port is picked
         * @return this builder
         * @throws IllegalArgumentException if the port is out of range
         */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("PostgresServer port must be 1 to 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Sets a server setting, passed as {@code -c name=value}, such as {@code fsync=off} for a
         * test that does not care about durability, or {@code max_connections=200}.
         *
         * @param name the setting's name
         * @param value its value
         * @return this builder
         */
        public Builder setting(String name, String value) {
            settings.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Sets how long {@link #start()} waits for the server to accept connections.
         *
         * @param timeout more than zero; 60 seconds by default
         * @return this builder
         * @throws IllegalArgumentException if the timeout is not positive
         */
        public Builder startTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("PostgresServer startTimeout must be positive, was " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Creates a cluster in a new folder and starts a server on it, blocking until it accepts
         * a JDBC connection. A free port that another process took in the meantime is replaced
         * by a new one, up to three times.
         *
         * @return the running server; close it
         * @throws org.opentest4j.TestAbortedException if PostgreSQL is not installed (or the JVM
         *     is root and there is no {@code postgres} user to run it as): the test is skipped,
         *     loudly
         * @throws IllegalStateException if {@code initdb} fails, or the server does not accept
         *     connections within the start timeout; the message holds its output
         * @throws UncheckedIOException if the folder cannot be written
         */
        public PostgresServer start() {
            Optional<Path> bin = findBinDirectory();
            if (bin.isEmpty()) {
                Peers.skip("PostgreSQL is not installed (" + INSTALL_HINT + "); looked for initdb and postgres in "
                        + DEBIAN_ROOT + "/*/bin and on PATH; the tests that need it are skipped, not passed");
            }
            Optional<List<String>> runAs = runAsPrefix();
            Path temp = Path.of(System.getProperty("java.io.tmpdir"));
            OrphanedBrokers.endOrphans(temp, WORK_PREFIX, "postgres");
            IllegalStateException failure = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                PostgresServer server = new PostgresServer(bin.get(), ReadableFiles.createTempDirectory(WORK_PREFIX),
                        port > 0 ? port : FreePorts.loopbackPort(), password, runAs);
                try {
                    server.initialize();
                    server.launch(settings, startTimeout);
                    return server;
                } catch (IllegalStateException e) {
                    String out = server.lastOutput();
                    server.close();
                    if (port > 0 || !out.contains("could not bind") && !out.contains("Address already in use")) {
                        throw e;
                    }
                    failure = e;
                    LOG.warn("postgres could not bind port {}, which another process took; starting again on another",
                            server.port);
                }
            }
            throw failure;
        }
    }

    /**
     * Returns the address the server listens on.
     *
     * @return {@code "127.0.0.1"}
     */
    public String host() {
        return HOST;
    }

    /**
     * Returns the TCP port.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns the superuser's name.
     *
     * @return {@code "postgres"}
     */
    public String user() {
        return SUPERUSER;
    }

    /**
     * Returns the superuser's password.
     *
     * @return the password given to {@link Builder#password(String)}; empty for a trusting server
     *     (any password is accepted)
     */
    public Optional<String> password() {
        return Optional.ofNullable(password);
    }

    /**
     * Returns the JDBC URL of a database on this server.
     *
     * @param database the database's name, such as one made by {@link #createDatabase(String)}
     * @return {@code jdbc:postgresql://127.0.0.1:<port>/<database>}
     */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + Objects.requireNonNull(database, "database");
    }

    /**
     * Creates an empty database, owned by the superuser.
     *
     * @param name lower-case letters, digits and underscores, starting with a letter or
     *     underscore, at most 63 characters
     * @throws IllegalArgumentException if the name is not such an identifier
     * @throws IllegalStateException if the server refuses (the database exists, the server is
     *     stopped)
     */
    public void createDatabase(String name) {
        administer("CREATE DATABASE " + databaseName(name));
    }

    /**
     * Drops a database, ending the connections that are still open to it.
     *
     * @param name the database's name
     * @throws IllegalArgumentException if the name is not a valid identifier
     * @throws IllegalStateException if the server refuses (such as when it is stopped)
     */
    public void dropDatabase(String name) {
        administer("DROP DATABASE IF EXISTS " + databaseName(name) + " WITH (FORCE)");
    }

    /**
     * Tells whether the server process runs.
     *
     * @return true from start until {@link #close()} or until it exits by itself
     */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Returns the last lines the server and {@code initdb} printed, for failure messages.
     *
     * @return up to 80 lines
     */
    public String lastOutput() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /**
     * Stops the server with a fast shutdown (open transactions are rolled back and connections
     * ended) and blocks until it has exited, then deletes its folder. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stopQuietly();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // the JVM is exiting and the hook runs anyway, or the server never started
            }
            ReadableFiles.deleteRecursively(workDirectory);
        }
    }

    /**
     * Describes the server by its address and folder.
     *
     * @return a description such as {@code PostgresServer[127.0.0.1:5432, /tmp/edgeflow-postgres-1]}
     */
    @Override
    public String toString() {
        return "PostgresServer[" + HOST + ":" + port + ", " + workDirectory + "]";
    }

    private void initialize() {
        OrphanedBrokers.recordOwner(workDirectory);
        List<String> initdb = new ArrayList<>(List.of(bin.resolve("initdb").toString(), "-D", dataDirectory.toString(),
                "-U", SUPERUSER, "-E", "UTF8", "--locale=C", "--no-sync"));
        if (password == null) {
            initdb.add("--auth=trust");
        } else {
            Path passwordFile = ReadableFiles.write(workDirectory.resolve("password"),
                    password.getBytes(StandardCharsets.UTF_8));
            initdb.addAll(List.of("--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + passwordFile));
        }
        runAs.flatMap(prefix -> ReadableFiles.user(SUPERUSER))
                .ifPresent(owner -> ReadableFiles.changeOwner(workDirectory, owner));
        Process initProcess = spawn(initdb);
        try {
            if (!initProcess.waitFor(120, TimeUnit.SECONDS)) {
                initProcess.destroyForcibly();
                throw new IllegalStateException("initdb did not finish within 120 s in " + dataDirectory
                        + "; its output:\n" + lastOutput());
            }
        } catch (InterruptedException e) {
            initProcess.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while initdb ran", e);
        }
        if (initProcess.exitValue() != 0) {
            throw new IllegalStateException("initdb failed with exit code " + initProcess.exitValue() + " in "
                    + dataDirectory + "; its output:\n" + lastOutput());
        }
    }

    private synchronized void launch(Map<String, String> settings, Duration timeout) {
        List<String> command = new ArrayList<>(List.of(bin.resolve("postgres").toString(), "-D",
                dataDirectory.toString(), "-p", Integer.toString(port), "-c", "listen_addresses=" + HOST,
                "-c", "unix_socket_directories=" + workDirectory));
        settings.forEach((name, value) -> command.addAll(List.of("-c", name + "=" + value)));
        CountDownLatch ready = new CountDownLatch(1);
        process = spawn(command, line -> {
            if (line.contains("database system is ready to accept connections")) {
                ready.countDown();
            }
        });
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            // The log line comes first; the JDBC connection proves it, and the process ending
            // early (a port taken, a bad setting) ends the wait at once.
            while (!ready.await(100, TimeUnit.MILLISECONDS)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw notStarted(timeout, null);
                }
            }
            SQLException last = null;
            while (System.nanoTime() < deadline && process.isAlive()) {
                try (Connection c = connect("postgres", 5)) {
                    return;
                } catch (SQLException e) {
                    last = e;
                    // a pause between attempts that ends at once if the server exits
                    process.waitFor(100, TimeUnit.MILLISECONDS);
                }
            }
            throw notStarted(timeout, last);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while PostgreSQL started", e);
        }
    }

    private IllegalStateException notStarted(Duration timeout, SQLException cause) {
        return new IllegalStateException("PostgreSQL " + bin + " did not accept connections on " + HOST + ":" + port
                + " within " + timeout.toSeconds() + " s" + (isRunning() ? "" : " (it exited)") + "; its last output:\n"
                + lastOutput(), cause);
    }

    private Connection connect(String database, int timeoutSeconds) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", SUPERUSER);
        properties.setProperty("password", password == null ? "" : password);
        properties.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        properties.setProperty("loginTimeout", Integer.toString(timeoutSeconds));
        return DriverManager.getConnection(jdbcUrl(database), properties);
    }

    private void administer(String sql) {
        try (Connection c = connect("postgres", 10); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL on " + HOST + ":" + port + " refused " + sql + ": "
                    + e.getMessage(), e);
        }
    }

    private synchronized void stopQuietly() {
        if (process == null || !process.isAlive()) {
            return;
        }
        // SIGTERM (Process.destroy) would be a smart shutdown, which waits for every client to
        // disconnect: a test's connection pool would hold it up. pg_ctl -m fast ends them.
        Process stop = spawn(List.of(bin.resolve("pg_ctl").toString(), "stop", "-D", dataDirectory.toString(),
                "-m", "fast", "-w", "-t", "30"));
        try {
            if (!stop.waitFor(40, TimeUnit.SECONDS) || !process.waitFor(10, TimeUnit.SECONDS)) {
                LOG.warn("PostgreSQL on port {} did not stop within 40 s; killing it", port);
                stop.destroyForcibly();
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private Process spawn(List<String> command) {
        return spawn(command, line -> { });
    }

    private Process spawn(List<String> command, java.util.function.Consumer<String> lineWatcher) {
        List<String> full = new ArrayList<>(runAs.orElse(List.of()));
        if (!full.isEmpty() && full.get(full.size() - 1).equals("-c")) {
            // su takes one shell command line
            full.add(command.stream().map(a -> "'" + a.replace("'", "'\\''") + "'")
                    .collect(java.util.stream.Collectors.joining(" ", "exec ", "")));
        } else {
            full.addAll(command);
        }
        Process p;
        try {
            p = new ProcessBuilder(full).directory(workDirectory.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + full + ": " + e.getMessage(), e);
        }
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (output) {
                        output.addLast(line);
                        if (output.size() > OUTPUT_LINES) {
                            output.removeFirst();
                        }
                    }
                    lineWatcher.accept(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "postgres-output-" + port);
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    /** Empty unless the JVM is root: then the command prefix that runs a program as postgres. */
    private static Optional<List<String>> runAsPrefix() {
        if (!isRoot()) {
            return Optional.empty();
        }
        Optional<UserPrincipal> postgres = ReadableFiles.user(SUPERUSER);
        if (postgres.isEmpty()) {
            Peers.skip("PostgreSQL refuses to run as root, and there is no user '" + SUPERUSER + "' to run it as "
                    + "(useradd --system postgres, or run the tests as another user)");
        }
        Optional<Path> runuser = Peers.findExecutable("runuser");
        if (runuser.isPresent()) {
            return Optional.of(List.of(runuser.get().toString(), "-u", SUPERUSER, "--"));
        }
        Optional<Path> su = Peers.findExecutable("su");
        if (su.isPresent()) {
            return Optional.of(List.of(su.get().toString(), SUPERUSER, "-s", "/bin/sh", "-c"));
        }
        Peers.skip("PostgreSQL refuses to run as root, and neither runuser nor su is installed to run it as user "
                + SUPERUSER + " (apt-get install -y util-linux)");
        return Optional.empty();
    }

    private static boolean isRoot() {
        try {
            Path probe = Files.createTempFile("edgeflow-uid-", ".probe");
            try {
                return Integer.valueOf(0).equals(Files.getAttribute(probe, "unix:uid"));
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static boolean holdsServer(Path bin) {
        return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("postgres"))
                && Files.isExecutable(bin.resolve("pg_ctl"));
    }

    private static int majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString().replaceAll("\\..*", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String databaseName(String name) {
        Objects.requireNonNull(name, "name");
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name '" + name + "' is not a plain identifier: use lower-case"
                    + " letters, digits and underscores, starting with a letter or underscore, at most 63 characters");
        }
        return name;
    }
}
