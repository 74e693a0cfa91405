package dev.edgeflow.core.spool.internal;

import static dev.edgeflow.core.spool.internal.SpoolFormat.RECORD_HEADER_BYTES;
import static dev.edgeflow.core.spool.internal.SpoolFormat.SEGMENT_HEADER_BYTES;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.spool.SpoolException;
import dev.edgeflow.core.spool.SpoolRecord;
import dev.edgeflow.core.spool.SpoolStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;

/**
 * The spool behind {@code Spool}: owns the directory lock, the segments, the writer thread
 * and the reader, and the counters they share.
 */
public final class DiskSpool {
    final SpoolConfig config;
    final Path directory;
    final Logger log;
    final DirectoryLock lock;
    final CursorFile cursorFile;
    final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    final AtomicLong totalBytes = new AtomicLong();
    final AtomicLong recordsHeld = new AtomicLong();
    final LongAdder pendingAppends = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder corruptSkipped = new LongAdder();
    /** The last sequence number written and durable as the mode requires; the reader reads up to it. */
    volatile long publishedSequence;
    /** Written by the thread that publishes, one at a time: the writer, or the sync thread in BATCH mode. */
    volatile long appended;
    final SpoolReader reader;
    final SpoolWriter writer;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DiskSpool(SpoolConfig config, DirectoryLock lock, CursorFile cursorFile, Recovery.Result r) {
        this.config = config;
        this.directory = config.directory();
        this.log = config.log();
        this.lock = lock;
        this.cursorFile = cursorFile;
        for (Segment s : r.segments) {
            segments.put(s.baseSequence, s);
        }
        totalBytes.set(r.totalBytes);
        recordsHeld.set(r.recordsHeld);
        corruptSkipped.add(r.corrupt);
        publishedSequence = r.publishedSequence;
        reader = new SpoolReader(this, r.readerStart, r.readerOffset, r.readerLastSequence);
        writer = new SpoolWriter(this, r);
    }

    /**
     * Opens a spool: prepares and locks the directory, recovers what is in it, starts the
     * writer thread.
     *
     * @param config the settings, already checked
     * @return the open spool
     * @throws SpoolException if the directory cannot be used; the message says why and names it
     */
    public static DiskSpool open(SpoolConfig config) {
        Path dir = config.directory();
        prepareDirectory(dir);
        DirectoryLock lock = DirectoryLock.acquire(dir, config.opener());
        CursorFile cursor = null;
        Recovery.Result recovered = null;
        try {
            cursor = CursorFile.open(dir.resolve(SpoolFormat.CURSOR_FILE), config.opener());
            recovered = new Recovery(config).run(cursor);
            DiskSpool spool = new DiskSpool(config, lock, cursor, recovered);
            spool.writer.start();
            return spool;
        } catch (IOException e) {
            release(lock, cursor, recovered);
            throw new SpoolException(dir, "cannot open the spool in " + dir + ": " + SpoolFiles.describe(e), e);
        } catch (RuntimeException | Error e) {
            release(lock, cursor, recovered);
            throw e;
        }
    }

    private static void release(DirectoryLock lock, CursorFile cursor, Recovery.Result recovered) {
        if (recovered != null) {
            SpoolFiles.closeQuietly(recovered.activeChannel);
        }
        SpoolFiles.closeQuietly(cursor);
        lock.release();
    }

    private static void prepareDirectory(Path dir) {
        if (Files.isDirectory(dir)) {
            if (!Files.isWritable(dir)) {
                throw new SpoolException(dir, "spool directory " + dir + " is not writable by this process (user "
                        + System.getProperty("user.name") + "): grant it write permission or choose another directory",
                        null);
            }
            return;
        }
        if (Files.exists(dir)) {
            throw new SpoolException(dir, "spool directory " + dir + " is a file, not a directory: give the spool a "
                    + "directory of its own (it is created if missing)", null);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            for (Path p = dir.getParent(); p != null; p = p.getParent()) {
                if (Files.exists(p)) {
                    if (!Files.isDirectory(p)) {
                        throw new SpoolException(dir, "cannot create spool directory " + dir + ": " + p
                                + " is a file, not a directory: choose a path whose parents are directories", e);
                    }
                    break;
                }
            }
            throw new SpoolException(dir, "cannot create spool directory " + dir + ": " + SpoolFiles.describe(e)
                    + ": create it yourself or choose a writable location", e);
        }
    }

    public Path directory() {
        return directory;
    }

    /**
     * Queues an append.
     *
     * @param message the message
     * @return the append's future; failed at once with IllegalArgumentException if the
     *     message does not fit in a segment
     */
    public CompletableFuture<Long> append(Message message) {
        Objects.requireNonNull(message, "message");
        long recordBytes = RECORD_HEADER_BYTES + MessageCodec.encodedSize(message);
        long room = config.segmentBytes() - SEGMENT_HEADER_BYTES;
        if (recordBytes > room) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("message " + message.id()
                    + " on topic '" + message.topic() + "' takes " + recordBytes + " bytes in the spool (payload "
                    + message.payloadSize() + " bytes), more than a segment holds: segmentBytes is "
                    + config.segmentBytes() + ", of which " + room + " hold records; raise segmentBytes or send "
                    + "smaller messages"));
        }
        PendingAppend p = new PendingAppend(message, (int) recordBytes);
        writer.submit(p);
        return p;
    }

    public List<SpoolRecord> poll(int max) {
        return reader.poll(max);
    }

    public CompletableFuture<Void> available() {
        return reader.available();
    }

    public void confirm(long sequence) {
        reader.confirm(sequence);
    }

    public void rewind() {
        reader.rewind();
    }

    public SpoolStats stats() {
        long oldest = reader.oldestAppendedAt();
        Duration age = oldest < 0 ? Duration.ZERO
                : Duration.ofMillis(Math.max(0, config.clock().millis() - oldest));
        return new SpoolStats(totalBytes.get(), Math.max(0, recordsHeld.get()), segments.size(), age, appended,
                reader.confirmedTotal(), dropped.sum(), corruptSkipped.sum(), reader.handedOutTotal(), reader.rate(),
                pendingAppends.sum());
    }

    /** Closes: no future left hanging, everything written forced, the cursor saved, the lock released. */
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        reader.close();
        writer.close();
    }
}
