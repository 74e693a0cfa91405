package dev.edgeflow.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Writes a Mosquitto password file: with {@code mosquitto_passwd} where it is installed, and in
 * Mosquitto 2's own format otherwise, so that a machine with the broker but not the tool still
 * runs the tests.
 */
public final class MosquittoPasswords {
    /** Mosquitto 2's default hash: {@code $7$} is PBKDF2 with HMAC-SHA512, 101 rounds, 12 bytes of salt. */
    private static final int ITERATIONS = 101;
    private static final int SALT_BYTES = 12;
    private static final int HASH_BITS = 512;
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private MosquittoPasswords() {
    }

    /**
     * Writes a password file, replacing any file there.
     *
     * @param file where to write; readable by every user afterwards
     * @param users user names and their passwords
     * @param tool {@code mosquitto_passwd}, or empty to hash the passwords here
     * @return the file
     */
    public static Path write(Path file, Map<String, String> users, Optional<Path> tool) {
        if (tool.isPresent()) {
            boolean first = true;
            for (Map.Entry<String, String> user : users.entrySet()) {
                List<String> command = new ArrayList<>(List.of(tool.get().toString()));
                if (first) {
                    command.add("-c"); // a new file, replacing any left from before
                }
                command.add("-b"); // the password from the command line, not a prompt
                command.addAll(List.of(file.toString(), user.getKey(), user.getValue()));
                run(command, user.getKey());
                first = false;
            }
            return ReadableFiles.readable(file);
        }
        StringBuilder lines = new StringBuilder();
        for (Map.Entry<String, String> user : users.entrySet()) {
            lines.append(user.getKey()).append(':').append(hash(user.getValue())).append('\n');
        }
        return ReadableFiles.write(file, lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Hashes a password as {@code mosquitto_passwd} of Mosquitto 2 does.
     *
     * @param password the password
     * @return {@code $7$101$<salt>$<hash>}, both in Base64
     */
    public static String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        try {
            byte[] hash = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, ITERATIONS, HASH_BITS))
                    .getEncoded();
            Base64.Encoder base64 = Base64.getEncoder();
            return "$7$" + ITERATIONS + "$" + base64.encodeToString(salt) + "$" + base64.encodeToString(hash);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no PBKDF2WithHmacSHA512 to hash a Mosquitto password: " + e, e);
        }
    }

    private static void run(List<String> command, String user) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command.get(0) + " did not finish within " + TOOL_TIMEOUT.toSeconds()
                        + " s adding user " + user);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(command.get(0) + " failed with exit code " + process.exitValue()
                        + " adding user " + user + ": " + new String(output, StandardCharsets.UTF_8).trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + command.get(0) + " added user " + user, e);
        }
    }

    /**
     * Checks that a user name can go into a password file.
     *
     * @param username the name
     * @return the name
     * @throws IllegalArgumentException if it is empty or holds a colon or a line break
     */
    public static String checkUsername(String username) {
        if (username.isEmpty() || username.contains(":") || username.contains("\n") || username.contains("\r")) {
            throw new IllegalArgumentException("user name '" + username + "' cannot go into a Mosquitto password file:"
                    + " use a non-empty name without ':' or line breaks");
        }
        return username;
    }

    /**
     * Checks that a password can go into a password file.
     *
     * @param username whose password it is, named in the error
     * @param password the password
     * @return the password
     * @throws IllegalArgumentException if it holds a line break
     */
    public static String checkPassword(String username, String password) {
        if (password.contains("\n") || password.contains("\r")) {
            throw new IllegalArgumentException("the password of user '" + username + "' holds a line break, which"
                    + " a Mosquitto password file cannot hold");
        }
        return password;
    }
}
