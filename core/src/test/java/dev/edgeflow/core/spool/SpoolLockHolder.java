package dev.edgeflow.core.spool;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A process that holds a spool open: opens the directory given as its argument, prints
 * "open" and the directory, and waits until its standard input ends. Started by {@link SpoolLockTest}.
 */
public final class SpoolLockHolder {
    private SpoolLockHolder() {
    }

    public static void main(String[] args) throws IOException {
        try (Spool spool = Spool.builder(Path.of(args[0])).open()) {
            System.out.println("open " + spool.directory());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the spool until the test closes our input
            }
        }
    }
}
