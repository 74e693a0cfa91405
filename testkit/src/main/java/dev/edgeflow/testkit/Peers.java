package dev.edgeflow.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the external programs integration tests talk to (Mosquitto, the Pub/Sub emulator,
 * OpenSSL) and skips a test loudly when one is missing.
 *
 * <p>A missing peer is a skipped test, not a failure, but never a quiet one: the reason goes to
 * standard error, where Maven shows it next to the test, and into the JUnit report as the
 * reason for the abort. It says what is missing and how to install it.
 *
 * <pre>{@code
 * Path mosquitto = Peers.requireExecutable("mosquitto", "apt-get install -y mosquitto");
 * }</pre>
 *
 * @since 0.1.0
 */
public final class Peers {
    /** Where package managers put daemons that are often not on a normal user's {@code PATH}. */
    private static final List<String> EXTRA_DIRECTORIES = List.of("/usr/sbin", "/usr/local/sbin", "/sbin",
            "/usr/local/bin", "/opt/homebrew/bin", "/opt/homebrew/sbin");

    private Peers() {
    }

    /**
     * Looks for an executable on the {@code PATH} and in the usual daemon folders
     * ({@code /usr/sbin}, {@code /usr/local/sbin}, ...).
     *
     * @param name the program's file name, such as {@code mosquitto}
     * @return the first executable found, or empty
     */
    public static Optional<Path> findExecutable(String name) {
        Set<String> directories = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    directories.add(dir);
                }
            }
        }
        directories.addAll(EXTRA_DIRECTORIES);
        List<String> names = new ArrayList<>(List.of(name));
        if (File.separatorChar == '\\') {
            names.add(name + ".exe");
        }
        for (String dir : directories) {
            for (String candidate : names) {
                Path file = Path.of(dir, candidate);
                if (Files.isRegularFile(file) && Files.isExecutable(file)) {
                    return Optional.of(file);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Returns an executable, or skips the calling test with a loud reason if it is not installed.
     *
     * @param name the program's file name, such as {@code mosquitto}
     * @param installHint how to install it, such as {@code apt-get install -y mosquitto}
     * @return the executable
     * @throws org.opentest4j.TestAbortedException if it is not found: the test is skipped, and
     *     the reason is printed to standard error
     */
    public static Path requireExecutable(String name, String installHint) {
        Optional<Path> found = findExecutable(name);
        if (found.isEmpty()) {
            skip(name + " is not installed (" + installHint + "); looked on PATH and in " + EXTRA_DIRECTORIES
                    + "; the tests that need it are skipped, not passed");
        }
        return found.get();
    }

    /**
     * Skips the calling test, printing the reason to standard error first so that it shows in
     * Maven's output and not only in the test report.
     *
     * @param reason what is missing and how to get it, such as
     *     {@code "the Pub/Sub emulator is not installed (gcloud components install pubsub-emulator)"}
     * @throws org.opentest4j.TestAbortedException always: that is how JUnit skips a running test
     */
    public static void skip(String reason) {
        String line = "[edgeflow-testkit] SKIPPED: " + reason;
        // Standard error on purpose: a skip that only reaches the XML report goes unnoticed.
        System.err.println(line);
        Assumptions.abort(line);
    }
}
