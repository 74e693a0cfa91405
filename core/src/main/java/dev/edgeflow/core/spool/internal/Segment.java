package dev.edgeflow.core.spool.internal;

import java.nio.file.Path;

/**
 * What the spool knows about one segment file. The writer thread (and recovery, before it
 * starts) sets the write-side fields, or the sync thread when it publishes a batch in
 * {@code BATCH} mode (one at a time: the writer publishes only while the sync thread is idle,
 * and waits for it before it rolls);
 * the reader under its lock sets the confirm-side ones. All are volatile because the other
 * side and {@code stats()} read them.
 */
final class Segment {
    final long baseSequence;
    final Path path;
    /** False for a segment whose header is damaged: its intact records are read, nothing is appended. */
    final boolean headerIntact;

    /** End of the last complete record that may be handed out: durable as the mode requires. */
    volatile long readableEnd;
    /** Bytes the segment takes, as counted against maxBytes. */
    volatile long size;
    /** Sequence of the last record published; {@code baseSequence - 1} while there is none. */
    volatile long lastSequence;
    volatile int recordCount;
    /** Set once the writer has moved on to a newer segment: readableEnd is final from then on. */
    volatile boolean sealed;

    /** Records of this segment the cursor has passed; written under the reader's lock. */
    volatile int confirmedCount;
    /** Start offsets of damage that recovery reported already, so the reader does not report it again. */
    volatile long[] knownDamage = new long[0];

    Segment(long baseSequence, Path path, boolean headerIntact) {
        this.baseSequence = baseSequence;
        this.path = path;
        this.headerIntact = headerIntact;
        this.lastSequence = baseSequence - 1;
    }

    String name() {
        return path.getFileName().toString();
    }

    boolean isKnownDamage(long offset) {
        for (long known : knownDamage) {
            if (known == offset) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name();
    }
}
