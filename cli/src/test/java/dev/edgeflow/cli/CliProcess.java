package dev.edgeflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The edgeflow command as a separate process: {@code java -jar} on the shaded jar the build made
 * (or any other command line), its output collected while it runs.
 */
final class CliProcess {
    private final Process process;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private final Thread outPump;
    private final Thread errPump;

    private CliProcess(Process process) {
        this.process = process;
        this.outPump = pump(process.getInputStream(), out, "out");
        this.errPump = pump(process.getErrorStream(), err, "err");
    }

    /** The shaded jar, as Failsafe names it. */
    static Path jar() {
        String jar = System.getProperty("edgeflow.cli.jar");
        assertThat(jar).as("system property edgeflow.cli.jar, set by the Failsafe configuration").isNotNull();
        Path p = Path.of(jar);
        assertThat(p).as("the shaded jar; run mvn verify, which packages it first").isRegularFile();
        return p;
    }

    /** Starts {@code java -jar edgeflow-cli.jar args...}. */
    static CliProcess start(String... args) {
        return start(Map.of(), args);
    }

    /** Starts {@code java -jar edgeflow-cli.jar args...} with more environment variables. */
    static CliProcess start(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-jar", jar().toString()));
        command.addAll(List.of(args));
        return startCommand(command, env, null);
    }

    /** Starts any command line. */
    static CliProcess startCommand(List<String> command, Map<String, String> env, Path directory) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("PUBSUB_EMULATOR_HOST");
        pb.environment().remove("GOOGLE_CLOUD_PROJECT");
        pb.environment().putAll(env);
        if (directory != null) {
            pb.directory(directory.toFile());
        }
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            return new CliProcess(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream to, String name) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    synchronized (to) {
                        to.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "cli-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    String out() {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    String err() {
        synchronized (err) {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    /** Waits until standard output contains the text. */
    CliProcess awaitOut(String text, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(50))
                .alias("'" + text + "' on standard output; so far:\n" + out() + "\nstandard error:\n" + err())
                .until(() -> out().contains(text) || !process.isAlive() && out().contains(text));
        return this;
    }

    /**
     * Sends SIGTERM. Through the process handle: {@code Process.destroy()} sends the same signal
     * but also closes the pipes, which would lose what the process prints while it stops.
     */
    CliProcess terminate() {
        process.toHandle().destroy();
        return this;
    }

    /** Waits for the exit, killing the process if it does not come, and returns the exit code. */
    int exitCode(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the process did not end within " + timeout + "; output:\n" + out()
                        + "\nerrors:\n" + err());
            }
            // The pumps read to the end of the streams.
            outPump.join(10_000);
            errPump.join(10_000);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs to the end within a minute. */
    static CliProcess run(String... args) {
        CliProcess p = start(args);
        p.exitCode(Duration.ofSeconds(120));
        return p;
    }

    int exitValue() {
        return process.exitValue();
    }

    /** A description for failed assertions. */
    String describe() {
        return "exit " + (process.isAlive() ? "(running)" : process.exitValue()) + "\nout:\n" + out() + "\nerr:\n"
                + err();
    }

    static Path writeFile(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
