package dev.edgeflow.core.spool.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

/** File operations the writer and recovery share, and how their failures read. */
final class SpoolFiles {
    private SpoolFiles() {
    }

    /**
     * Creates (or empties) a segment file, writes its header and forces it.
     *
     * @return the file open for reading and writing
     */
    static FileChannel createSegment(ChannelOpener opener, Path path, long baseSequence) throws IOException {
        FileChannel ch = opener.open(path, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE));
        try {
            ByteBuffer header = ByteBuffer.allocate(SpoolFormat.SEGMENT_HEADER_BYTES);
            SpoolFormat.putSegmentHeader(header, baseSequence);
            header.flip();
            long at = 0;
            while (header.hasRemaining()) {
                at += ch.write(header, at);
            }
            ch.force(false);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Forces a directory, so that files created or renamed in it survive a power loss.
     * Some platforms cannot open a directory; there the rename or create is as durable as the
     * file system makes it anyway.
     */
    static void syncDirectory(ChannelOpener opener, Path dir) {
        try (FileChannel ch = opener.open(dir, EnumSet.of(StandardOpenOption.READ))) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not supported here (Windows): nothing more can be done
        }
    }

    /** Closes without letting a failure hide the one being reported. */
    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // the caller is already reporting a failure, or has nothing left to lose
            }
        }
    }

    /** Says what went wrong in words, with the file where the JDK names it. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException) {
            FileSystemException f = (FileSystemException) e;
            String reason = f.getReason();
            if (reason == null) {
                if (e instanceof AccessDeniedException) {
                    reason = "permission denied";
                } else if (e instanceof NoSuchFileException) {
                    reason = "no such file or directory";
                } else if (e instanceof FileAlreadyExistsException) {
                    reason = "already exists";
                } else if (e instanceof NotDirectoryException) {
                    reason = "not a directory";
                } else {
                    reason = e.getClass().getSimpleName();
                }
            }
            return f.getFile() == null ? reason : f.getFile() + ": " + reason;
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
