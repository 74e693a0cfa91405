package dev.edgeflow.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files and folders that a broker started as another user can read: Mosquitto started as root
 * switches to the {@code mosquitto} user before it reads its certificates and password file.
 */
public final class ReadableFiles {
    private static final Logger LOG = LoggerFactory.getLogger(ReadableFiles.class);
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-r--r--");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private ReadableFiles() {
    }

    /**
     * Creates a folder under {@code java.io.tmpdir} that everyone may read and enter (0755).
     *
     * @param prefix the start of the folder's name
     * @return the new folder
     */
    public static Path createTempDirectory(String prefix) {
        try {
            return directory(Files.createTempDirectory(prefix));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder in " + System.getProperty("java.io.tmpdir")
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates a folder (and its parents) if missing and lets everyone read and enter it (0755).
     *
     * @param directory the folder
     * @return the folder
     */
    public static Path directory(Path directory) {
        try {
            Files.createDirectories(directory);
            if (POSIX) {
                Files.setPosixFilePermissions(directory, DIRECTORY);
            }
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder " + directory + " readable by everyone: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Writes a file that everyone may read (0644), replacing what was there.
     *
     * @param file where to write
     * @param content the bytes
     * @return the file
     */
    public static Path write(Path file, byte[] content) {
        try {
            Files.write(file, content);
            return readable(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies a file, and lets everyone read the copy (0644).
     *
     * @param from the file to copy
     * @param to where the copy goes, replaced if it exists
     * @return the copy
     */
    public static Path copy(Path from, Path to) {
        try {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return readable(to);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    /**
     * Lets everyone read a file (0644).
     *
     * @param file an existing file
     * @return the file
     */
    public static Path readable(Path file) {
        if (POSIX) {
            try {
                Files.setPosixFilePermissions(file, FILE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make " + file + " readable by everyone: " + e.getMessage(), e);
            }
        }
        return file;
    }

    /**
     * Looks up a local user by name.
     *
     * @param name the user name
     * @return the user, or empty if there is no such user or the file system has no owners
     */
    public static Optional<UserPrincipal> user(String name) {
        try {
            return Optional.of(FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name));
        } catch (UserPrincipalNotFoundException e) {
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot look up user {}: {}", name, e.toString());
            return Optional.empty();
        }
    }

    /**
     * Gives a folder and everything in it to another user, so that a program running as that
     * user can write there.
     *
     * @param root the folder
     * @param owner the new owner
     */
    public static void changeOwner(Path root, UserPrincipal owner) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Files.setOwner(path, owner);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + root + " to user " + owner.getName() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Deletes a folder and everything in it. A file that cannot be deleted is logged and left.
     *
     * @param root the folder; nothing happens if it does not exist
     */
    public static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("could not delete {} completely: {}", root, e.toString());
        }
    }
}
