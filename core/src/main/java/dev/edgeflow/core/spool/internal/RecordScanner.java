package dev.edgeflow.core.spool.internal;

import static dev.edgeflow.core.spool.internal.SpoolFormat.MIN_LENGTH;
import static dev.edgeflow.core.spool.internal.SpoolFormat.RECORD_HEADER_BYTES;
import static dev.edgeflow.core.spool.internal.SpoolFormat.RECORD_MAGIC;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Finds intact records in a segment file, for recovery and for the reader. Reads in large
 * blocks through one direct buffer (one system call per block, not per record) and checks each
 * record's magic, length, CRC and sequence; after damage it searches for the next magic where
 * a record checks out, so one bad record never hides the ones after it.
 *
 * <p>After {@link #next} returned true, the record's bytes are in {@link #array()} until the
 * next call. Not thread-safe.
 */
final class RecordScanner {
    static final int DEFAULT_BUFFER_BYTES = 1 << 20;

    private static final byte M0 = (byte) (RECORD_MAGIC >>> 24);
    private static final byte M1 = (byte) (RECORD_MAGIC >>> 16);
    private static final byte M2 = (byte) (RECORD_MAGIC >>> 8);
    private static final byte M3 = (byte) RECORD_MAGIC;

    /** Told about each run of bytes between intact records that is not a record. */
    interface DamageListener {
        /**
         * @param from offset of the first damaged byte
         * @param to offset after the last one
         * @param toEnd whether no intact record follows before the scan's limit
         */
        void damaged(long from, long to, boolean toEnd);
    }

    private ByteBuffer direct;
    private byte[] heap;
    private ByteBuffer view;
    private FileChannel source;
    private long bufStart;
    private int bufLen;
    private final CRC32C crc = new CRC32C();

    private long offset;
    private int totalLength;
    private long sequence;
    private long appendedAt;

    RecordScanner() {
        allocate(DEFAULT_BUFFER_BYTES);
    }

    private void allocate(int capacity) {
        direct = ByteBuffer.allocateDirect(capacity);
        heap = new byte[capacity];
        view = ByteBuffer.wrap(heap);
        bufLen = 0;
    }

    /** Forgets buffered bytes: call when the file may have changed behind them. */
    void reset() {
        source = null;
        bufLen = 0;
    }

    /**
     * Finds the first intact record at or after {@code from} that ends at or before
     * {@code limit} and whose sequence is at least {@code minSequence}.
     *
     * @return true if one was found; its fields are then set
     * @throws IOException if reading fails
     */
    boolean next(FileChannel ch, long from, long limit, long minSequence, DamageListener listener) throws IOException {
        use(ch);
        long p = from;
        long damagedFrom = -1;
        while (limit - p >= RECORD_HEADER_BYTES) {
            if (isRecordAt(ch, p, limit, minSequence)) {
                if (damagedFrom >= 0 && listener != null) {
                    listener.damaged(damagedFrom, p, false);
                }
                return true;
            }
            if (damagedFrom < 0) {
                damagedFrom = p;
            }
            p = findMagic(ch, p + 1, limit);
        }
        if (damagedFrom < 0 && p < limit) {
            damagedFrom = p;
        }
        if (damagedFrom >= 0 && listener != null) {
            listener.damaged(damagedFrom, limit, true);
        }
        return false;
    }

    /**
     * Tells whether the end mark of segment {@code baseSequence} is at {@code p}: the clean end
     * of a reused segment's records, as opposed to a torn or damaged record.
     */
    boolean isEndMarkAt(FileChannel ch, long p, long limit, long baseSequence) throws IOException {
        use(ch);
        if (limit - p < SpoolFormat.END_MARK_BYTES) {
            return false;
        }
        ensure(ch, p, SpoolFormat.END_MARK_BYTES, limit);
        return SpoolFormat.isEndMark(view, (int) (p - bufStart), baseSequence);
    }

    /** Forgets the buffered bytes when the file changes. */
    private void use(FileChannel ch) {
        if (ch != source) {
            source = ch;
            bufLen = 0;
        }
    }

    private boolean isRecordAt(FileChannel ch, long p, long limit, long minSequence) throws IOException {
        ensure(ch, p, RECORD_HEADER_BYTES, limit);
        int i = (int) (p - bufStart);
        if (view.getInt(i) != RECORD_MAGIC) {
            return false;
        }
        int length = view.getInt(i + 8);
        if (length < MIN_LENGTH || length > limit - p - 12) {
            return false;
        }
        int total = 12 + length;
        ensure(ch, p, total, limit);
        i = (int) (p - bufStart);
        crc.reset();
        crc.update(heap, i + 8, 4 + length);
        if ((int) crc.getValue() != view.getInt(i + 4)) {
            return false;
        }
        long seq = view.getLong(i + 12);
        if (seq < minSequence) {
            return false;
        }
        offset = p;
        totalLength = total;
        sequence = seq;
        appendedAt = view.getLong(i + 20);
        return true;
    }

    private long findMagic(FileChannel ch, long p, long limit) throws IOException {
        while (limit - p >= 4) {
            ensure(ch, p, 4, limit);
            int i = (int) (p - bufStart);
            int last = (int) Math.min(bufLen, limit - bufStart) - 4;
            byte[] a = heap;
            for (; i <= last; i++) {
                if (a[i] == M0 && a[i + 1] == M1 && a[i + 2] == M2 && a[i + 3] == M3) {
                    return bufStart + i;
                }
            }
            p = bufStart + last + 1;
        }
        return limit;
    }

    /** Makes the buffer hold bytes [pos, pos + n), reading a whole block from pos if it does not. */
    private void ensure(FileChannel ch, long pos, int n, long limit) throws IOException {
        if (pos >= bufStart && pos + n <= bufStart + bufLen) {
            return;
        }
        if (n > heap.length) {
            allocate(Math.max(n, DEFAULT_BUFFER_BYTES));
        } else if (heap.length > DEFAULT_BUFFER_BYTES && n <= DEFAULT_BUFFER_BYTES) {
            allocate(DEFAULT_BUFFER_BYTES); // a huge record passed; do not keep its buffer
        }
        int want = (int) Math.min(heap.length, limit - pos);
        direct.clear().limit(want);
        while (direct.hasRemaining()) {
            if (ch.read(direct, pos + direct.position()) < 0) {
                break;
            }
        }
        int got = direct.position();
        bufLen = 0;
        if (got < n) {
            throw new EOFException("file ends at offset " + (pos + got) + ", before offset " + (pos + n));
        }
        direct.flip();
        direct.get(heap, 0, got);
        bufStart = pos;
        bufLen = got;
    }

    long offset() {
        return offset;
    }

    long end() {
        return offset + totalLength;
    }

    long sequence() {
        return sequence;
    }

    long appendedAt() {
        return appendedAt;
    }

    byte[] array() {
        return heap;
    }

    int messageOffset() {
        return (int) (offset - bufStart) + RECORD_HEADER_BYTES;
    }

    int messageLength() {
        return totalLength - RECORD_HEADER_BYTES;
    }
}
