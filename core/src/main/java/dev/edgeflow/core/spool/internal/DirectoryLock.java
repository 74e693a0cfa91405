package dev.edgeflow.core.spool.internal;

import dev.edgeflow.core.spool.SpoolException;
import dev.edgeflow.core.spool.SpoolLockedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

/**
 * The exclusive lock on a spool directory: an operating-system lock on {@code spool.lock},
 * which holds the holder's process id so that the refusal can name it. The lock goes with the
 * process, so a crashed holder leaves no stale lock behind; the file itself stays.
 */
final class DirectoryLock {
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DirectoryLock acquire(Path dir, ChannelOpener opener) {
        Path file = dir.resolve(SpoolFormat.LOCK_FILE);
        FileChannel ch;
        try {
            ch = opener.open(file, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new SpoolException(dir, "cannot create the lock file of spool directory " + dir + ": "
                    + SpoolFiles.describe(e) + ": make the directory writable for this process or choose another", e);
        }
        long self = ProcessHandle.current().pid();
        try {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                throw new SpoolLockedException(dir, self, "spool directory " + dir
                        + " is already open by another Spool in this process (pid " + self
                        + "): close that one first, or give each spool its own directory");
            }
            if (lock == null) {
                long holder = readPid(ch);
                throw new SpoolLockedException(dir, holder, "spool directory " + dir + " is in use by another process ("
                        + (holder < 0 ? "pid not known" : "pid " + holder)
                        + "): stop that process, or give this spool its own directory");
            }
            ch.truncate(0);
            ByteBuffer pid = ByteBuffer.wrap((self + "\n").getBytes(StandardCharsets.US_ASCII));
            while (pid.hasRemaining()) {
                ch.write(pid, pid.position());
            }
            ch.force(false);
            return new DirectoryLock(ch, lock);
        } catch (IOException e) {
            SpoolFiles.closeQuietly(ch);
            throw new SpoolException(dir, "cannot lock spool directory " + dir + ": " + SpoolFiles.describe(e), e);
        } catch (RuntimeException e) {
            SpoolFiles.closeQuietly(ch);
            throw e;
        }
    }

    private static long readPid(FileChannel ch) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(32);
            ch.read(buf, 0);
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? -1 : Long.parseLong(text);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Clears the process id and releases the lock. */
    void release() {
        try {
            channel.truncate(0);
        } catch (IOException e) {
            // a stale pid in an unlocked file misleads no one: the lock decides, not the file
        }
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel releases it too
        }
        SpoolFiles.closeQuietly(channel);
    }
}
