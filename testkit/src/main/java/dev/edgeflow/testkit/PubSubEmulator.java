package dev.edgeflow.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The Google Cloud Pub/Sub emulator as a child process on a free loopback port, for integration
 * tests. {@link #start()} skips the calling test loudly (see {@link Peers#skip(String)}) where
 * the emulator is not installed.
 *
 * <p>The launcher is looked for as {@code platform/pubsub-emulator/bin/cloud-pubsub-emulator}
 * under the Google Cloud CLI's install folder: the folder named by the environment variable
 * {@code EDGEFLOW_GCLOUD_SDK} or {@code CLOUDSDK_ROOT_DIR}, the folder {@code gcloud} on the
 * {@code PATH} lives in, {@code /usr/lib/google-cloud-sdk} (Debian's package),
 * {@code /usr/share/google-cloud-sdk}, {@code /opt/google-cloud-sdk} and
 * {@code ~/google-cloud-sdk}.
 *
 * <pre>{@code
 * try (PubSubEmulator emulator = PubSubEmulator.start()) {
 *     String host = emulator.hostPort(); // 127.0.0.1:NNNNN
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class PubSubEmulator implements AutoCloseable {
    private static final String LAUNCHER = "platform/pubsub-emulator/bin/cloud-pubsub-emulator";
    private static final String INSTALL_HINT = "apt-get install -y google-cloud-cli-pubsub-emulator, or "
            + "gcloud components install pubsub-emulator";

    private final Process process;
    private final int port;
    private final Deque<String> lastLines;

    private PubSubEmulator(Process process, int port, Deque<String> lastLines) {
        this.process = process;
        this.port = port;
        this.lastLines = lastLines;
    }

    /**
     * Finds the emulator's launcher.
     *
     * @return the launcher, or empty if the emulator is not installed
     */
    public static Optional<Path> findLauncher() {
        List<Path> roots = new ArrayList<>();
        for (String env : List.of("EDGEFLOW_GCLOUD_SDK", "CLOUDSDK_ROOT_DIR")) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                roots.add(Path.of(v));
            }
        }
        Peers.findExecutable("gcloud").ifPresent(g -> {
            try {
                Path real = g.toRealPath(); // .../google-cloud-sdk/bin/gcloud
                if (real.getParent() != null && real.getParent().getParent() != null) {
                    roots.add(real.getParent().getParent());
                }
            } catch (IOException e) {
                // look in the usual folders
            }
        });
        roots.add(Path.of("/usr/lib/google-cloud-sdk"));
        roots.add(Path.of("/usr/share/google-cloud-sdk"));
        roots.add(Path.of("/opt/google-cloud-sdk"));
        roots.add(Path.of(System.getProperty("user.home"), "google-cloud-sdk"));
        for (Path root : roots) {
            Path launcher = root.resolve(LAUNCHER);
            if (Files.isRegularFile(launcher) && Files.isExecutable(launcher)) {
                return Optional.of(launcher);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts the emulator on a free loopback port and waits until it listens.
     *
     * @return the running emulator; close it
     * @throws org.opentest4j.TestAbortedException if it is not installed: the test is skipped,
     *     loudly
     * @throws IllegalStateException if it is installed but does not start within 60 s
     */
    public static PubSubEmulator start() {
        Optional<Path> launcher = findLauncher();
        if (launcher.isEmpty()) {
            Peers.skip("the Google Pub/Sub emulator is not installed (" + INSTALL_HINT + "); looked for " + LAUNCHER
                    + " under $EDGEFLOW_GCLOUD_SDK, $CLOUDSDK_ROOT_DIR, gcloud's folder, /usr/lib/google-cloud-sdk, "
                    + "/usr/share/google-cloud-sdk, /opt/google-cloud-sdk and ~/google-cloud-sdk");
        }
        int port = FreePorts.loopbackPort();
        ProcessBuilder pb = new ProcessBuilder(launcher.get().toString(), "--host=127.0.0.1", "--port=" + port)
                .redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the Pub/Sub emulator " + launcher.get() + ": " + e, e);
        }
        Deque<String> lines = new ArrayDeque<>();
        CountDownLatch listening = new CountDownLatch(1);
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
                    if (line.contains("Server started, listening on")) {
                        listening.countDown();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "pubsub-emulator-output-" + port);
        reader.setDaemon(true);
        reader.start();
        PubSubEmulator emulator = new PubSubEmulator(p, port, lines);
        try {
            if (!listening.await(60, TimeUnit.SECONDS) || !p.isAlive()) {
                String output = emulator.lastOutput();
                emulator.close();
                throw new IllegalStateException("the Pub/Sub emulator " + launcher.get() + " did not start on port "
                        + port + " within 60 s; its last output:\n" + output);
            }
        } catch (InterruptedException e) {
            emulator.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the Pub/Sub emulator started", e);
        }
        return emulator;
    }

    /**
     * Returns where the emulator listens, for an {@code emulatorHost} option.
     *
     * @return {@code 127.0.0.1:port}
     */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    /**
     * Returns the port.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns the last lines the emulator printed, for failure messages.
     *
     * @return up to 50 lines
     */
    public String lastOutput() {
        synchronized (lastLines) {
            return String.join("\n", lastLines);
        }
    }

    /** Stops the emulator and the JVM its launcher started. Idempotent. */
    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>();
        process.descendants().forEach(all::add);
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }
}
