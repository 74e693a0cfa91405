package dev.edgeflow.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends broker processes that a test JVM started and could not stop because it died first (a
 * shutdown hook does not run when a JVM is killed).
 *
 * <p>Each broker's work folder records the pid of the JVM that owns it and the pid of the
 * broker. A later broker start looks at the folders with the same prefix: where the owner is gone,
 * it ends the broker, if that pid still runs the same program, and deletes the folder.
 */
public final class OrphanedBrokers {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanedBrokers.class);
    private static final String OWNER_FILE = "owner.pid";
    private static final String BROKER_FILE = "broker.pid";

    private OrphanedBrokers() {
    }

    /**
     * Records that this JVM owns a work folder.
     *
     * @param workDirectory the broker's work folder
     */
    public static void recordOwner(Path workDirectory) {
        write(workDirectory.resolve(OWNER_FILE), ProcessHandle.current().pid());
    }

    /**
     * Records the pid of the broker process now running from a work folder.
     *
     * @param workDirectory the broker's work folder
     * @param process the broker
     */
    public static void recordBroker(Path workDirectory, Process process) {
        write(workDirectory.resolve(BROKER_FILE), process.pid());
    }

    /**
     * Ends the brokers of dead JVMs and deletes their folders.
     *
     * @param parent the folder that holds the work folders, such as {@code java.io.tmpdir}
     * @param prefix the start of the work folders' names
     * @param program the broker program's file name, such as {@code mosquitto}: a pid that now
     *     runs something else is left alone
     */
    public static void endOrphans(Path parent, String prefix, String program) {
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(parent, prefix + "*")) {
            for (Path folder : folders) {
                OptionalLong owner = read(folder.resolve(OWNER_FILE));
                // No owner file yet: another JVM is just setting the folder up.
                if (owner.isEmpty() || ProcessHandle.of(owner.getAsLong()).isPresent()) {
                    continue;
                }
                OptionalLong broker = read(folder.resolve(BROKER_FILE));
                if (broker.isPresent()) {
                    Optional<ProcessHandle> orphan = ProcessHandle.of(broker.getAsLong())
                            .filter(handle -> handle.info().command().map(c -> c.endsWith("/" + program)).orElse(false));
                    orphan.ifPresent(handle -> {
                        LOG.warn("ending {} (pid {}) left running by test JVM {}, which died; its folder was {}",
                                program, handle.pid(), owner.getAsLong(), folder);
                        handle.destroyForcibly();
                        handle.onExit().join();
                    });
                }
                ReadableFiles.deleteRecursively(folder);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("could not look for brokers left by dead test JVMs in {}: {}", parent, e.toString());
        }
    }

    private static void write(Path file, long pid) {
        try {
            Files.writeString(file, Long.toString(pid), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static OptionalLong read(Path file) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
