package dev.edgeflow.core.spool;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.spool.internal.ChannelOpener;
import dev.edgeflow.core.spool.internal.DiskSpool;
import dev.edgeflow.core.spool.internal.SpoolConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable store-and-forward log on local disk: messages are appended, kept in segment files
 * until a reader has handed them on and confirmed them, and survive a crash of the process
 * (and, with {@link Durability#ALWAYS} or {@link Durability#BATCH}, a power loss).
 *
 * <pre>{@code
 * try (Spool spool = Spool.builder(Path.of("/var/lib/edgeflow/spool")).maxBytes(256 << 20).open()) {
 *     spool.append(message).thenRun(delivery::ack);          // acked once it is on disk
 *
 *     for (SpoolRecord r : spool.poll(100)) {                  // later, in append order
 *         sink.send(r.message()).thenRun(() -> spool.confirm(r.sequence()));
 *     }
 * }
 * }</pre>
 *
 * <p><b>Appending.</b> {@link #append(Message)} never blocks: one writer thread per spool
 * writes the appends, many at a time, and completes their futures once they are durable as
 * the {@link Durability} asks. When the spool holds {@link Builder#maxBytes(long)}, the
 * {@link SpoolFullPolicy} applies. Appends that have not completed are held in memory, so a
 * caller should cap how many it has outstanding (under backpressure they wait for room).
 *
 * <p><b>Reading.</b> One reader: {@link #poll(int)} hands out records in append order,
 * {@link #confirm(long)} says that one has been delivered. Confirmations may come in any
 * order; the <em>confirmed cursor</em> moves over those confirmed without a gap before them.
 * Every record below the cursor is done with: whole segments below it are deleted, and it is
 * saved to disk every {@link Builder#cursorPersistInterval(Duration)}, when a segment fills
 * and on close. After a crash, what was confirmed but not yet saved is handed out again:
 * delivery is at least once, with duplicates bounded by that interval.
 *
 * <p><b>Recovery.</b> On open, every segment is checked record by record. A record cut short
 * at the end of the last segment (a crash while writing it) is cut off. A damaged record
 * anywhere else is skipped, counted in {@link SpoolStats#corruptSkipped()} and logged with its
 * segment and offset, and the records after it are still handed out. Foreign files are left
 * alone. The directory is locked while the spool is open; a second spool on it, in this or
 * another process, fails with {@link SpoolLockedException}.
 *
 * <p><b>Threads.</b> All methods are thread-safe. Futures complete on one of the spool's
 * two threads: the writer thread ({@code edgeflow-spool-writer-<directory name>}), or in
 * {@link Durability#BATCH} mode also the sync thread
 * ({@code edgeflow-spool-sync-<directory name>}), which forces one batch while the writer
 * writes the next when appends come faster than forces. Do not block in what they trigger; move slow work elsewhere with the
 * {@code ...Async} methods of the future.
 *
 * @since 0.1.0
 */
public final class Spool implements AutoCloseable {
    private final DiskSpool disk;

    private Spool(DiskSpool disk) {
        this.disk = disk;
    }

    /**
     * Starts configuring a spool in a directory.
     *
     * @param directory the spool's own directory; created with its parents if missing. Give
     *     each spool its own: the spool deletes segment files in it
     * @return a builder with the documented defaults
     */
    public static Builder builder(Path directory) {
        return new Builder(Objects.requireNonNull(directory, "directory"));
    }

    /**
     * Returns the spool directory.
     *
     * @return the directory, absolute
     */
    public Path directory() {
        return disk.directory();
    }

    /**
     * Appends a message. Never blocks: the write happens on the spool's writer thread.
     *
     * @param message the message, kept with every field
     * @return a future that completes with the record's sequence number once the record is
     *     durable as the {@link Durability} asks. Under {@link SpoolFullPolicy#BACKPRESSURE}
     *     it stays incomplete while the spool is full, until confirmations free a segment.
     *     It fails with {@link SpoolException} if the write fails (disk full, I/O error:
     *     nothing is stored, nothing stored before is lost, later appends may succeed) or if
     *     the spool is closed before the record is stored; and at once with
     *     {@link IllegalArgumentException} if the message is larger than a segment can hold
     *     (the message names its size and {@code segmentBytes})
     * @throws NullPointerException if {@code message} is null
     */
    public CompletableFuture<Long> append(Message message) {
        return disk.append(message);
    }

    /**
     * Hands out the next records in append order, without waiting. A record is handed out
     * once its append has completed. Each record is handed out once, unless
     * {@link #rewind()} is called; records that were confirmed are never handed out again by
     * this spool.
     *
     * @param max the most records to return, at least 1
     * @return the records, oldest first; empty if there is nothing new
     * @throws IllegalArgumentException if {@code max} is less than 1
     * @throws IllegalStateException if the spool is closed
     * @throws SpoolException if a segment cannot be read and no record was read before the
     *     failure; the next call tries again
     */
    public List<SpoolRecord> poll(int max) {
        return disk.poll(max);
    }

    /**
     * Returns a future that completes when {@link #poll(int)} may have records to hand out.
     * Completes at once if there are some already. Does not hand anything out: several calls
     * before a poll share one future.
     *
     * @return a future that completes normally when records are available, on the writer
     *     thread, or exceptionally with {@link SpoolException} when the spool is closed
     */
    public CompletableFuture<Void> available() {
        return disk.available();
    }

    /**
     * Says that a handed-out record has been delivered and need not be kept. Any order is
     * fine; confirming a record twice, or one that was dropped to make room, does nothing.
     * After {@link #close()} this does nothing: the record is handed out again by the next
     * spool on the directory.
     *
     * @param sequence the {@link SpoolRecord#sequence()} of a record {@link #poll(int)} returned
     * @throws IllegalArgumentException if no record with that sequence was handed out and
     *     not yet passed by the confirmed cursor
     */
    public void confirm(long sequence) {
        disk.confirm(sequence);
    }

    /**
     * Makes every record that was handed out and not confirmed available again: the next
     * {@link #poll(int)} starts over at the oldest of them, in order, and skips those
     * confirmed meanwhile. For use after a sink failed and the records in flight must be
     * sent again.
     *
     * @throws IllegalStateException if the spool is closed
     */
    public void rewind() {
        disk.rewind();
    }

    /**
     * Returns the spool's levels and counters. Cheap enough to call every second.
     *
     * @return a snapshot
     */
    public SpoolStats stats() {
        return disk.stats();
    }

    /**
     * Closes the spool: appends already queued are written if there is room, appends waiting
     * for room fail with {@link SpoolException}, no future is left incomplete; the files are
     * forced to disk, the confirmed cursor is saved, and the directory lock is released.
     * Blocks until the spool's threads have finished, which takes at most one write and one
     * force (called from a future's completion on one of them, it returns at once and they
     * finish after). Calling it again does nothing.
     */
    @Override
    public void close() {
        disk.close();
    }

    @Override
    public String toString() {
        return "Spool[" + disk.directory() + "]";
    }

    /**
     * Configures and opens a {@link Spool}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        /** The smallest {@code segmentBytes} allowed. */
        static final int MIN_SEGMENT_BYTES = 1024;
        /** The largest {@code segmentBytes} allowed: offsets within a segment are ints. */
        static final int MAX_SEGMENT_BYTES = 1 << 30;

        private final Path directory;
        private long maxBytes = 1L << 30;
        private long segmentBytes = 64L << 20;
        private Durability durability = Durability.BATCH;
        private Duration fsyncInterval = Duration.ofMillis(200);
        private Duration cursorPersistInterval = Duration.ofSeconds(1);
        private SpoolFullPolicy whenFull = SpoolFullPolicy.BACKPRESSURE;
        private Clock clock = Clock.systemUTC();
        private ChannelOpener opener = ChannelOpener.DEFAULT;
        private Logger logger;

        private Builder(Path directory) {
            this.directory = directory;
        }

        /**
         * Sets the most bytes the spool's segment files may take.
         *
         * @param maxBytes more than {@link #segmentBytes(long)}; default 1 GiB. Space is freed
         *     by whole segments, so make it several segments large. While the spool holds at
         *     least two segments less than this, it keeps one confirmed segment file to reuse
         *     for the next segment (overwriting is faster to force than growing a file); that
         *     file, and the unused end of a reused segment, are not counted, so the directory
         *     can take up to one segment more than {@code maxBytes} on disk
         * @return this builder
         * @throws IllegalArgumentException if {@code maxBytes} is not positive
         */
        public Builder maxBytes(long maxBytes) {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("maxBytes is " + maxBytes + ": give the most bytes the spool may "
                        + "take on disk, such as 1073741824 for 1 GiB");
            }
            this.maxBytes = maxBytes;
            return this;
        }

        /**
         * Sets the size of a segment file: when the next record does not fit, a new segment
         * is started. Whole segments are deleted once confirmed, and a message larger than a
         * segment cannot be appended.
         *
         * @param segmentBytes from 1 KiB to 1 GiB, less than {@link #maxBytes(long)}; default 64 MiB
         * @return this builder
         * @throws IllegalArgumentException if {@code segmentBytes} is out of that range
         */
        public Builder segmentBytes(long segmentBytes) {
            if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("segmentBytes is " + segmentBytes + ": give from "
                        + MIN_SEGMENT_BYTES + " to " + MAX_SEGMENT_BYTES + " bytes, such as 67108864 for 64 MiB");
            }
            this.segmentBytes = segmentBytes;
            return this;
        }

        /**
         * Sets when an append counts as durable.
         *
         * @param durability the mode; default {@link Durability#BATCH}
         * @return this builder
         */
        public Builder durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * Sets how often {@link Durability#INTERVAL} forces written records to disk: a power
         * loss can lose the appends of up to this long. Other modes ignore it.
         *
         * @param fsyncInterval positive; default 200 ms
         * @return this builder
         * @throws IllegalArgumentException if it is zero or negative
         */
        public Builder fsyncInterval(Duration fsyncInterval) {
            this.fsyncInterval = positive(fsyncInterval, "fsyncInterval");
            return this;
        }

        /**
         * Sets how often a changed confirmed cursor is saved to disk (it is saved also when a
         * segment fills and on close). Records confirmed since the last save are handed out
         * again after a crash: a longer interval means fewer writes and more duplicates.
         *
         * @param interval positive; default 1 s
         * @return this builder
         * @throws IllegalArgumentException if it is zero or negative
         */
        public Builder cursorPersistInterval(Duration interval) {
            this.cursorPersistInterval = positive(interval, "cursorPersistInterval");
            return this;
        }

        /**
         * Sets what happens to an append when the spool holds {@link #maxBytes(long)}.
         *
         * @param policy the policy; default {@link SpoolFullPolicy#BACKPRESSURE}
         * @return this builder
         */
        public Builder whenFull(SpoolFullPolicy policy) {
            this.whenFull = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the clock that stamps {@link SpoolRecord#appendedAt()} and measures
         * {@link SpoolStats#oldestRecordAge()}; for tests. Timers do not use it.
         *
         * @param clock the clock; default the system clock in UTC
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Puts a channel in between, for tests that need a failing disk. */
        Builder channelOpener(ChannelOpener opener) {
            this.opener = Objects.requireNonNull(opener, "opener");
            return this;
        }

        /** Sends the spool's reports elsewhere, for tests that check them. */
        Builder logger(Logger logger) {
            this.logger = Objects.requireNonNull(logger, "logger");
            return this;
        }

        /**
         * Opens the spool: creates the directory if missing, locks it, checks and recovers
         * what it holds, and starts the writer thread. Blocks while it reads every segment
         * once, front to back in large blocks, checking each record.
         *
         * @return the open spool
         * @throws IllegalArgumentException if {@code segmentBytes} is not less than {@code maxBytes}
         * @throws SpoolLockedException if another spool, in this process or another, has the
         *     directory open; the message names the directory and that process
         * @throws SpoolException if the directory cannot be created or written, or a segment
         *     was written by a newer format version; the message names the directory and the cause
         */
        public Spool open() {
            if (segmentBytes >= maxBytes) {
                throw new IllegalArgumentException("segmentBytes " + segmentBytes + " is not less than maxBytes "
                        + maxBytes + ": the spool needs room for more than one segment; raise maxBytes or lower "
                        + "segmentBytes (several segments in maxBytes free space more evenly)");
            }
            Path dir = directory.toAbsolutePath().normalize();
            SpoolConfig config = new SpoolConfig(dir, maxBytes, (int) segmentBytes, durability, fsyncInterval,
                    cursorPersistInterval, whenFull, clock, opener,
                    logger != null ? logger : LoggerFactory.getLogger(Spool.class));
            return new Spool(DiskSpool.open(config));
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " is " + d + ": give a positive duration, such as "
                        + "Duration.ofMillis(200)");
            }
            return d;
        }
    }
}
