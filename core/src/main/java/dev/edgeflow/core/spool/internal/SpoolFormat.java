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
 *
 * end mark      magic 0xEDF1E0D0 (4) | base sequence (8) | CRC32C of the 12 before (4)
 *               only in a reused segment: written after the last record of each write, overwritten by the next
 * </pre>
 *
 * <p>The magic lets a scan find the next record after damage; the CRC tells an intact record
 * from a torn or damaged one; the sequence, which must grow, rules out stale or copied data
 * that happens to pass both.
 *
 * <p>Segment files are reused: a fully confirmed segment is renamed to {@value #SPARE_FILE}
 * instead of deleted, and the next segment is started in it (new header, new name) so that
 * appends overwrite blocks the file system has already allocated. A force then writes the data
 * alone, without a journal commit for a grown file, which on an ext4 disk doubles the rate of
 * group commits. A reused segment therefore holds, after its last record, bytes of its earlier
 * life. The writer puts an end mark with the segment's base sequence after each write into a
 * reused segment (forced with the records), so recovery tells a clean end followed by old bytes
 * from a torn append; and old records could not pass for new ones anyway, since their sequence
 * numbers are below the segment's base. A spare found on open is deleted, since its sequence
 * numbers may not be below those to come.
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
    /** Marks the end of the records in a reused segment. */
    public static final int END_MAGIC = 0xEDF1E0D0;
    /** Size of an end mark. */
    public static final int END_MARK_BYTES = 16;
    /** Suffix of segment files. */
    public static final String SEGMENT_SUFFIX = ".seg";
    /** Suffix given to a segment file with a bad header and no intact record, kept for inspection. */
    public static final String CORRUPT_SUFFIX = ".corrupt";
    /** The lock file. */
    public static final String LOCK_FILE = "spool.lock";
    /** A confirmed segment kept to be reused as the next segment. */
    public static final String SPARE_FILE = "spare.seg.reuse";
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
     * Writes an end mark.
     *
     * @param out where to put it, at its position
     * @param baseSequence the base sequence number of the segment it ends
     */
    public static void putEndMark(ByteBuffer out, long baseSequence) {
        int start = out.position();
        out.putInt(END_MAGIC).putLong(baseSequence);
        out.putInt(crc(out, start, END_MARK_BYTES - 4));
    }

    /**
     * Tells whether a buffer holds, at an absolute offset, the end mark of a segment.
     *
     * @param buf the buffer
     * @param offset where to look
     * @param baseSequence the segment's base sequence number
     * @return whether the end mark is there and intact
     */
    static boolean isEndMark(ByteBuffer buf, int offset, long baseSequence) {
        return buf.limit() - offset >= END_MARK_BYTES && buf.getInt(offset) == END_MAGIC
                && buf.getLong(offset + 4) == baseSequence
                && buf.getInt(offset + 12) == crc(buf, offset, END_MARK_BYTES - 4);
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
