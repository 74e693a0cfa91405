package dev.edgeflow.core.spool.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The on-disk format of a spool directory, version 1. Integers are big-endian.
 *
 * <pre>
 * segment file  NNNNNNNNNNNNNNNNNNNN.seg   (20 digits: the sequence number it starts at)
 *   header      magic "EFSG" (4) | format version (4) | base sequence (8) | CRC32C of the 16 before (4)
 *   records     one after another, up to segmentBytes
 *
 * record        magic 0xEDF15EC0 (4) | CRC32C (4) | length (4) | sequence (8) | appended at, epoch ms (8) | message
 *               length counts the bytes after itself; the CRC covers length, sequence, time and message
 * </pre>
 *
 * <p>The magic lets a scan find the next record after damage; the CRC tells an intact record
 * from a torn or damaged one; the sequence, which must grow, rules out stale or copied data
 * that happens to pass both.
 */
public final class SpoolFormat {
    /** Version written and read by this code. */
    public static final int FORMAT_VERSION = 1;
    /** "EFSG": edgeflow segment. */
    public static final int SEGMENT_MAGIC = 0x45465347;
    /** Size of a segment file's header. */
    public static final int SEGMENT_HEADER_BYTES = 20;
    /** Marks the start of every record. */
    public static final int RECORD_MAGIC = 0xEDF15EC0;
    /** Magic, CRC, length, sequence, time. */
    public static final int RECORD_HEADER_BYTES = 28;
    /** Bytes of a record covered by its length field besides the message: sequence and time. */
    static final int LENGTH_OVERHEAD = 16;
    /** The smallest length field a record can have: an encoded message is at least this long. */
    static final int MIN_LENGTH = LENGTH_OVERHEAD + MessageCodec.MIN_ENCODED_BYTES;
    /** Suffix of segment files. */
    public static final String SEGMENT_SUFFIX = ".seg";
    /** Suffix given to a segment file with a bad header and no intact record, kept for inspection. */
    public static final String CORRUPT_SUFFIX = ".corrupt";
    /** The lock file. */
    public static final String LOCK_FILE = "spool.lock";
    /** The confirmed-cursor file. */
    public static final String CURSOR_FILE = "cursor";

    private static final int NAME_DIGITS = 20;

    private SpoolFormat() {
    }

    /**
     * Returns the file name of the segment that starts at a sequence number.
     *
     * @param baseSequence the first sequence number the segment may hold
     * @return a name such as {@code 00000000000000000042.seg}
     */
    public static String segmentFileName(long baseSequence) {
        String digits = Long.toString(baseSequence);
        return "0".repeat(NAME_DIGITS - digits.length()) + digits + SEGMENT_SUFFIX;
    }

    /**
     * Parses a segment file name.
     *
     * @param name a file name
     * @return the base sequence number, or -1 if the name is not a segment's
     */
    public static long parseSegmentFileName(String name) {
        if (name.length() != NAME_DIGITS + SEGMENT_SUFFIX.length() || !name.endsWith(SEGMENT_SUFFIX)) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < NAME_DIGITS; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
            if (value < 0) {
                return -1;
            }
        }
        return value;
    }

    /**
     * Writes a segment header.
     *
     * @param out where to put it, at its position
     * @param baseSequence the segment's base sequence number
     */
    public static void putSegmentHeader(ByteBuffer out, long baseSequence) {
        int start = out.position();
        out.putInt(SEGMENT_MAGIC).putInt(FORMAT_VERSION).putLong(baseSequence);
        out.putInt(crc(out, start, SEGMENT_HEADER_BYTES - 4));
    }

    /**
     * Computes a CRC32C over part of a buffer without moving its position.
     *
     * @param buf the buffer
     * @param offset where to start, absolute
     * @param length how many bytes
     * @return the CRC as an int
     */
    static int crc(ByteBuffer buf, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().limit(offset + length).position(offset));
        return (int) crc.getValue();
    }
}
