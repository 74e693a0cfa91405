package dev.edgeflow.core.spool.internal;

import static dev.edgeflow.core.spool.internal.SpoolFormat.SEGMENT_HEADER_BYTES;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.spool.SpoolException;
import dev.edgeflow.core.spool.SpoolRecord;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The single reader of a spool: hands out records in append order, takes confirmations in any
 * order and keeps the confirmed cursor, the first sequence number not yet confirmed. Its
 * methods hold one lock, briefly; the writer thread takes it only to delete segments.
 */
final class SpoolReader {
    private static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final DiskSpool spool;
    private final RecordScanner scanner = new RecordScanner();
    private final HandedOut handedOut = new HandedOut();
    private final AtomicReference<CompletableFuture<Void>> waiter = new AtomicReference<>();

    // Where the next record is looked for. lastSequence is the last record passed, handed out or not.
    private Segment segment;
    private FileChannel channel;
    private long offset;
    private long lastSequence;

    /** Set by rewind(): records up to this sequence were handed out before. */
    private long replayUntil = -1;
    private boolean closed;

    private volatile long cursor;
    private volatile long handedOutTotal;
    private volatile long confirmedTotal;

    private long rateWindowStart;
    private long rateWindowCount;
    private volatile double rate;
    private volatile long rateMeasuredAt;

    SpoolReader(DiskSpool spool, Segment start, long startOffset, long lastSequence) {
        this.spool = spool;
        this.segment = start;
        this.offset = startOffset;
        this.lastSequence = lastSequence;
        this.cursor = lastSequence + 1;
    }

    /** The first sequence number not confirmed: every record below it is confirmed or gone. */
    long cursor() {
        return cursor;
    }

    long handedOutTotal() {
        return handedOutTotal;
    }

    long confirmedTotal() {
        return confirmedTotal;
    }

    double rate() {
        return System.nanoTime() - rateMeasuredAt > 2 * RATE_WINDOW_NANOS ? 0 : rate;
    }

    List<SpoolRecord> poll(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("poll(" + max + "): ask for at least 1 record");
        }
        List<SpoolRecord> out = new ArrayList<>(Math.min(max, 256));
        synchronized (this) {
            requireOpen();
            try {
                while (out.size() < max && nextRecord()) {
                    SpoolRecord r = take();
                    if (r != null) {
                        out.add(r);
                    }
                }
            } catch (IOException e) {
                if (out.isEmpty()) {
                    throw new SpoolException(spool.directory, "cannot read segment " + segment + " of the spool in "
                            + spool.directory + ": " + SpoolFiles.describe(e), e);
                }
                // hand out what was read; the next poll meets the failure again and reports it
            }
            handedOutTotal += out.size();
            measureRate(out.size());
        }
        return out;
    }

    /** Consumes the record the scanner stands on; returns it unless it is not to be handed out. */
    private SpoolRecord take() {
        long seq = scanner.sequence();
        long at = scanner.appendedAt();
        long recordOffset = scanner.offset();
        Message m = decode();
        offset = scanner.end();
        lastSequence = seq;
        if (seq <= replayUntil) {
            int index = handedOut.indexOf(seq);
            if (index >= 0) {
                return handedOut.isConfirmed(index) || m == null ? null : record(seq, m, at);
            }
            if (handedOut.isEmpty() || seq < handedOut.lastSequence()) {
                return null; // cannot happen: every record after the cursor up to replayUntil was handed out
            }
        }
        handedOut.add(seq, at, segment, recordOffset, m == null);
        if (m == null) {
            advanceCursor();
            return null;
        }
        if (handedOut.size() == 1) {
            cursor = seq;
        }
        return record(seq, m, at);
    }

    private static SpoolRecord record(long seq, Message m, long at) {
        return new SpoolRecord(seq, m, Instant.ofEpochMilli(at));
    }

    private Message decode() {
        try {
            return MessageCodec.decode(scanner.array(), scanner.messageOffset(), scanner.messageLength());
        } catch (RuntimeException e) {
            // The CRC matched, so this is a bug or a one-in-four-billion collision, not ordinary damage.
            spool.corruptSkipped.increment();
            spool.log.warn("spool {}: skipped record {} at offset {} of segment {}: it passed its checksum but is "
                    + "not a message ({})", spool.directory, scanner.sequence(), scanner.offset(), segment, e.toString());
            return null;
        }
    }

    /**
     * Moves the scanner onto the next intact record that may be handed out: published, and
     * not confirmed already.
     */
    private boolean nextRecord() throws IOException {
        while (true) {
            Segment seg = segment;
            boolean sealed = seg.sealed; // read before the limit: a sealed segment's limit is final
            // Read before the limit too: the writer sets the limit first, so every record up to
            // this sequence lies before the limit read next.
            long segmentLast = seg.lastSequence;
            long limit = seg.readableEnd;
            while (offset < limit) {
                long min = Math.max(lastSequence + 1, seg.baseSequence);
                if (!scanner.next(channel(), offset, limit, min, this::damaged)) {
                    offset = limit;
                    break;
                }
                if (scanner.sequence() >= cursor) {
                    return true;
                }
                // confirmed already: met again after a rewind
                offset = scanner.end();
                lastSequence = scanner.sequence();
            }
            // Everything up to segmentLast is passed, intact or damaged since it was written: without
            // this, a record damaged after publication would leave hasMore() true for ever.
            lastSequence = Math.max(lastSequence, segmentLast);
            if (!sealed) {
                return false;
            }
            Map.Entry<Long, Segment> next = spool.segments.higherEntry(seg.baseSequence);
            if (next == null) {
                return false;
            }
            moveTo(next.getValue(), SEGMENT_HEADER_BYTES, Math.max(lastSequence, seg.lastSequence));
        }
    }

    private void damaged(long from, long to, boolean toEnd) {
        if (!segment.isKnownDamage(from)) {
            spool.corruptSkipped.increment();
            spool.log.warn("spool {}: skipped {} damaged bytes at offset {} of segment {} while reading: "
                    + "the disk changed them after they were written", spool.directory, to - from, from, segment);
            long[] known = segment.knownDamage;
            long[] more = Arrays.copyOf(known, known.length + 1);
            more[known.length] = from;
            segment.knownDamage = more;
        }
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            channel = spool.config.opener().open(segment.path, EnumSet.of(StandardOpenOption.READ));
        }
        return channel;
    }

    private void moveTo(Segment seg, long newOffset, long newLastSequence) {
        if (seg != segment) {
            SpoolFiles.closeQuietly(channel);
            channel = null;
            scanner.reset();
            segment = seg;
        }
        offset = newOffset;
        lastSequence = newLastSequence;
    }

    private void measureRate(int n) {
        long now = System.nanoTime();
        if (rateWindowStart == 0) {
            rateWindowStart = now;
        }
        rateWindowCount += n;
        long elapsed = now - rateWindowStart;
        if (elapsed >= RATE_WINDOW_NANOS) {
            rate = rateWindowCount * 1e9 / elapsed;
            rateMeasuredAt = now;
            rateWindowStart = now;
            rateWindowCount = 0;
        }
    }

    void confirm(long sequence) {
        boolean wakeWriter;
        synchronized (this) {
            if (closed || sequence < cursor) {
                return; // confirmed already, or dropped to make room; after close the next open hands it out again
            }
            int index = handedOut.indexOf(sequence);
            if (index < 0) {
                throw new IllegalArgumentException("sequence " + sequence + " was not handed out by poll() of the spool in "
                        + spool.directory + ": confirm only the sequence of a record that poll() returned");
            }
            handedOut.confirm(index);
            if (index != 0) {
                return;
            }
            wakeWriter = advanceCursor();
        }
        if (wakeWriter) {
            spool.writer.wake();
        }
    }

    /** Moves the cursor over the confirmed head; tells whether the writer has space to reclaim. */
    private boolean advanceCursor() {
        boolean freed = false;
        int passed = 0;
        while (!handedOut.isEmpty() && handedOut.headConfirmed()) {
            Segment s = handedOut.headSegment();
            handedOut.removeHead();
            s.confirmedCount++;
            passed++;
            if (s.sealed && s.confirmedCount >= s.recordCount) {
                freed = true;
            }
        }
        if (passed > 0) {
            confirmedTotal += passed;
            spool.recordsHeld.addAndGet(-passed);
        }
        cursor = handedOut.isEmpty() ? lastSequence + 1 : handedOut.headSequence();
        return freed || spool.writer.isWaitingForRoom();
    }

    void rewind() {
        synchronized (this) {
            requireOpen();
            if (handedOut.isEmpty()) {
                return;
            }
            replayUntil = Math.max(replayUntil, handedOut.lastSequence());
            moveTo(handedOut.headSegment(), handedOut.headOffset(), handedOut.headSequence() - 1);
        }
        notifyAvailable();
    }

    /** Whether poll() may find something: a record published beyond the last one passed. */
    private boolean hasMore() {
        return lastSequence < spool.publishedSequence;
    }

    CompletableFuture<Void> available() {
        CompletableFuture<Void> w;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(closedException());
            }
            if (hasMore()) {
                return CompletableFuture.completedFuture(null);
            }
            w = waiter.get();
            if (w == null) {
                w = new CompletableFuture<>();
                waiter.set(w);
            }
            // Check again after publishing the waiter: the writer publishes, then looks for a waiter.
            if (!hasMore() || !waiter.compareAndSet(w, null)) {
                return w;
            }
        }
        w.complete(null);
        return w;
    }

    /** Called by the writer after it published records. */
    void notifyAvailable() {
        if (waiter.get() != null) {
            CompletableFuture<Void> w = waiter.getAndSet(null);
            if (w != null) {
                w.complete(null);
            }
        }
    }

    /** Append time of the oldest unconfirmed record, or -1 if there is none. */
    synchronized long oldestAppendedAt() {
        if (!handedOut.isEmpty()) {
            return handedOut.headAppendedAt();
        }
        if (closed || !hasMore()) {
            return -1;
        }
        try {
            return nextRecord() ? scanner.appendedAt() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Lets go of a segment the writer is about to delete: moves off it, and, when it is dropped
     * to make room, forgets its records.
     *
     * @return how many of its records were not confirmed (for a drop)
     */
    synchronized int release(Segment seg, boolean dropped) {
        int unconfirmed = 0;
        if (dropped) {
            int confirmedInFlight = 0;
            while (!handedOut.isEmpty() && handedOut.headSegment() == seg) {
                if (handedOut.headConfirmed()) {
                    confirmedInFlight++;
                }
                handedOut.removeHead();
            }
            confirmedTotal += confirmedInFlight;
            unconfirmed = seg.recordCount - seg.confirmedCount - confirmedInFlight;
            lastSequence = Math.max(lastSequence, seg.lastSequence);
        }
        if (segment == seg) {
            Map.Entry<Long, Segment> next = spool.segments.higherEntry(seg.baseSequence);
            if (next != null) {
                moveTo(next.getValue(), SEGMENT_HEADER_BYTES, Math.max(lastSequence, seg.lastSequence));
            }
        }
        if (dropped) {
            cursor = handedOut.isEmpty() ? lastSequence + 1 : handedOut.headSequence();
        }
        return Math.max(unconfirmed, 0);
    }

    void close() {
        CompletableFuture<Void> w;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            SpoolFiles.closeQuietly(channel);
            channel = null;
            w = waiter.getAndSet(null);
        }
        if (w != null) {
            w.completeExceptionally(closedException());
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the spool in " + spool.directory + " is closed: open it again to read");
        }
    }

    private SpoolException closedException() {
        return new SpoolException(spool.directory, "the spool in " + spool.directory + " is closed", null);
    }
}
