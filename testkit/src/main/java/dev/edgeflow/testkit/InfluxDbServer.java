package dev.edgeflow.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private InfluxDB 1.x ({@code influxd}) as a child process, for integration tests: its own
 * configuration, data and WAL in a temporary folder, HTTP on a free loopback port, no usage
 * reporting, no {@code _internal} monitoring database, quiet logs. {@link #start()} skips the
 * calling test loudly (see {@link Peers#skip(String)}) where {@code influxd} is not installed. It
 * never touches a system InfluxDB service or its data.
 *
 * <pre>{@code
 * try (InfluxDbServer influx = InfluxDbServer.start()) {
 *     influx.createDatabase("iot");
 *     // write to influx.url() ...
 *     String json = influx.query("iot", "SELECT * FROM sensor_reading");
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class InfluxDbServer implements AutoCloseable {
    private static final String INSTALL_HINT = "apt-get install -y influxdb";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final int BIND_TRIES = 3;

    private final Process process;
    private final Path directory;
    private final int port;
    private final Deque<String> lastLines;
    private final HttpClient http;

    private InfluxDbServer(Process process, Path directory, int port, Deque<String> lastLines, HttpClient http) {
        this.process = process;
        this.directory = directory;
        this.port = port;
        this.lastLines = lastLines;
        this.http = http;
    }

    /**
     * Starts {@code influxd} on free loopback ports and waits until {@code GET /ping} answers 204.
     *
     * @return the running server; close it
     * @throws org.opentest4j.TestAbortedException if {@code influxd} is not installed: the test is
     *     skipped, loudly
     * @throws IllegalStateException if it is installed but does not answer within 60 s; the message
     *     holds its last output
     */
    public static InfluxDbServer start() {
        return start(0);
    }

    /**
     * Starts {@code influxd} as {@link #start()} does, with a limit on request bodies.
     *
     * @param maxBodySizeBytes the {@code [http] max-body-size}: bodies larger than this get a 413;
     *     0 for influxd's default (25 MB)
     * @return the running server; close it
     * @throws org.opentest4j.TestAbortedException if {@code influxd} is not installed
     * @throws IllegalStateException if it does not answer within 60 s
     */
    public static InfluxDbServer start(long maxBodySizeBytes) {
        Path influxd = Peers.requireExecutable("influxd", INSTALL_HINT);
        IllegalStateException failure = null;
        // A free port may be taken by another process before influxd binds it: try new ports then.
        for (int i = 0; i < BIND_TRIES; i++) {
            try {
                return startOnce(influxd, maxBodySizeBytes);
            } catch (PortTakenException e) {
                failure = e;
            }
        }
        throw failure;
    }

    private static InfluxDbServer startOnce(Path influxd, long maxBodySizeBytes) {
        Path dir;
        try {
            dir = Files.createTempDirectory("edgeflow-influxdb-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a temporary folder for influxd: " + e.getMessage(), e);
        }
        List<Integer> ports = FreePorts.loopbackPorts(2);
        int httpPort = ports.get(0);
        int rpcPort = ports.get(1);
        Path config = dir.resolve("influxdb.conf");
        try {
            Files.writeString(config, config(dir, httpPort, rpcPort, maxBodySizeBytes));
        } catch (IOException e) {
            deleteTree(dir);
            throw new UncheckedIOException("cannot write " + config + ": " + e.getMessage(), e);
        }
        Process p;
        try {
            p = new ProcessBuilder(influxd.toString(), "-config", config.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            deleteTree(dir);
            throw new IllegalStateException("cannot start " + influxd + ": " + e.getMessage(), e);
        }
        Deque<String> lines = new ArrayDeque<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.addLast(line);
                        if (lines.size() > 50) {
                            lines.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "influxd-output-" + httpPort);
        reader.setDaemon(true);
        reader.start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        InfluxDbServer server = new InfluxDbServer(p, dir, httpPort, lines, http);
        server.awaitReady(influxd);
        return server;
    }

    private void awaitReady(Path influxd) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpRequest ping = HttpRequest.newBuilder(URI.create(url() + "/ping")).timeout(Duration.ofSeconds(2)).build();
        while (true) {
            if (!process.isAlive()) {
                String output = lastOutput();
                close();
                if (output.contains("address already in use")) {
                    throw new PortTakenException("influxd could not bind port " + port + " or its RPC port, taken"
                            + " by another process; its last output:\n" + output);
                }
                throw new IllegalStateException(influxd + " exited with " + process.exitValue()
                        + " before it answered on port " + port + "; its last output:\n" + output);
            }
            try {
                HttpResponse<Void> response = http.send(ping, HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 204) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while influxd started", e);
            }
            if (System.nanoTime() > deadline) {
                String output = lastOutput();
                close();
                throw new IllegalStateException(influxd + " did not answer GET /ping with 204 on port " + port
                        + " within " + START_TIMEOUT.toSeconds() + " s; its last output:\n" + output);
            }
            // Waits for the process to end, or 50 ms: no busy loop, and a crash is seen at once.
            try {
                process.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while influxd started", e);
            }
        }
    }

    private static String config(Path dir, int httpPort, int rpcPort, long maxBodySizeBytes) {
        String d = dir.toString().replace("\\", "\\\\");
        return String.join("\n",
                "reporting-disabled = true",
                "bind-address = \"127.0.0.1:" + rpcPort + "\"",
                "[meta]",
                "  dir = \"" + d + "/meta\"",
                "  logging-enabled = false",
                "[data]",
                "  dir = \"" + d + "/data\"",
                "  wal-dir = \"" + d + "/wal\"",
                "  query-log-enabled = false",
                "  trace-logging-enabled = false",
                "[monitor]",
                "  store-enabled = false",
                "[http]",
                "  enabled = true",
                "  bind-address = \"127.0.0.1:" + httpPort + "\"",
                "  log-enabled = false",
                "  pprof-enabled = false",
                maxBodySizeBytes > 0 ? "  max-body-size = " + maxBodySizeBytes : "",
                "[logging]",
                "  level = \"warn\"",
                "  suppress-logo = true",
                "[continuous_queries]",
                "  enabled = false",
                "[subscriber]",
                "  enabled = false",
                "");
    }

    /**
     * Returns the HTTP API's base URL.
     *
     * @return {@code http://127.0.0.1:PORT}
     */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * Returns the HTTP port.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Creates a database; does nothing if it exists.
     *
     * @param name the database
     * @throws IllegalStateException if influxd refuses or does not answer
     */
    public void createDatabase(String name) {
        String json = query(null, "CREATE DATABASE \"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        if (json.contains("\"error\"")) {
            throw new IllegalStateException("influxd on port " + port + " did not create database " + name + ": " + json);
        }
    }

    /**
     * Runs InfluxQL on the server-wide level, such as {@code SHOW DATABASES}.
     *
     * @param influxql the statement(s)
     * @return the JSON body, such as {@code {"results":[{"statement_id":0,"series":[...]}]}}, with
     *     times as nanoseconds since the epoch
     * @throws IllegalStateException if influxd answers other than 200 or does not answer in 30 s
     */
    public String query(String influxql) {
        return query(null, influxql);
    }

    /**
     * Runs InfluxQL in a database, such as {@code SELECT * FROM sensor_reading}.
     *
     * @param database the database the statement reads, or {@code null}
     * @param influxql the statement(s)
     * @return the JSON body, with times as nanoseconds since the epoch ({@code epoch=ns})
     * @throws IllegalStateException if influxd answers other than 200 or does not answer in 30 s
     */
    public String query(String database, String influxql) {
        StringBuilder form = new StringBuilder("epoch=ns&q=").append(URLEncoder.encode(influxql, StandardCharsets.UTF_8));
        if (database != null) {
            form.append("&db=").append(URLEncoder.encode(database, StandardCharsets.UTF_8));
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(url() + "/query"))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("influxd on port " + port + " answered " + influxql + " with HTTP "
                        + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("influxd on port " + port + " did not answer " + influxql + ": " + e
                    + "; its last output:\n" + lastOutput(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while querying influxd", e);
        }
    }

    /**
     * Tells whether the process still runs.
     *
     * @return {@code true} until it ended or was stopped
     */
    public boolean isRunning() {
        return process.isAlive();
    }

    /**
     * Kills the process at once ({@code SIGKILL}), as a crash or power loss would, and waits until
     * it is gone. The data folder stays until {@link #close()}.
     */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("influxd on port " + port + " did not end within 10 s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns the last lines influxd printed, for failure messages.
     *
     * @return up to 50 lines
     */
    public String lastOutput() {
        synchronized (lastLines) {
            return String.join("\n", lastLines);
        }
    }

    /** Stops influxd ({@code SIGTERM}, then {@code SIGKILL} after 10 s) and deletes its folder. Idempotent. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(directory);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // left for the OS's temporary-file cleanup; a test must not fail over it
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // as above
        }
    }

    /** influxd could not bind one of its ports; starting again on new ports may succeed. */
    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }
}
