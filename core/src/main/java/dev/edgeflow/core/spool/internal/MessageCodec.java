package dev.edgeflow.core.spool.internal;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * The binary form of a {@link Message} inside a spool record, version 1:
 *
 * <pre>
 * flags (1: bits 0-1 the QoS level, the rest 0) | timestamp seconds (8) | timestamp nanos (4)
 * | id | topic | header count (varint) | (name | value) per header | payload (the rest)
 * </pre>
 *
 * <p>Strings are a varint byte count and UTF-8; varints are unsigned LEB128. The payload needs
 * no length: the record's length ends it. Encoding writes straight into the writer's buffer,
 * one char at a time, so it allocates nothing; an unpaired surrogate becomes {@code '?'}, as
 * in {@link String#getBytes(java.nio.charset.Charset)}.
 */
public final class MessageCodec {
    /** Flags, timestamp, one-char id and topic, no headers, no payload. */
    static final int MIN_ENCODED_BYTES = 1 + 8 + 4 + 2 + 2 + 1;

    private MessageCodec() {
    }

    /**
     * Returns the exact number of bytes {@link #encode} writes for a message.
     *
     * @param m the message
     * @return the size; may exceed {@code Integer.MAX_VALUE} for absurd header sets
     */
    public static long encodedSize(Message m) {
        long size = 1 + 8 + 4 + stringSize(m.id()) + stringSize(m.topic());
        Map<String, String> headers = m.headers();
        size += varintSize(headers.size());
        if (!headers.isEmpty()) {
            for (Map.Entry<String, String> e : headers.entrySet()) {
                size += stringSize(e.getKey()) + stringSize(e.getValue());
            }
        }
        return size + m.payloadSize();
    }

    /**
     * Writes a message at the buffer's position.
     *
     * @param m the message
     * @param out a buffer with at least {@link #encodedSize} bytes remaining
     */
    public static void encode(Message m, ByteBuffer out) {
        Instant ts = m.timestamp();
        out.put((byte) m.qos().level());
        out.putLong(ts.getEpochSecond());
        out.putInt(ts.getNano());
        putString(out, m.id());
        putString(out, m.topic());
        Map<String, String> headers = m.headers();
        putVarint(out, headers.size());
        if (!headers.isEmpty()) {
            for (Map.Entry<String, String> e : headers.entrySet()) {
                putString(out, e.getKey());
                putString(out, e.getValue());
            }
        }
        out.put(m.payloadBuffer());
    }

    /**
     * Reads a message.
     *
     * @param a the bytes
     * @param offset where the message starts
     * @param length its length
     * @return the message
     * @throws IllegalArgumentException if the bytes are not a message; the record's CRC makes
     *     that a sign of a bug or of a CRC collision, never of ordinary damage
     */
    public static Message decode(byte[] a, int offset, int length) {
        Reader r = new Reader(a, offset, offset + length);
        int flags = r.u8();
        if ((flags & ~0x3) != 0 || (flags & 0x3) == 3) {
            throw new IllegalArgumentException("unknown message flags " + flags);
        }
        long seconds = r.i64();
        int nanos = r.i32();
        String id = r.string();
        String topic = r.string();
        Message.Builder b = Message.builder(topic)
                .id(id)
                .timestamp(Instant.ofEpochSecond(seconds, nanos))
                .qos(Qos.ofLevel(flags & 0x3));
        int headerCount = r.varint();
        for (int i = 0; i < headerCount; i++) {
            String name = r.string();
            b.header(name, r.string());
        }
        if (r.pos < r.end) {
            b.payload(Arrays.copyOfRange(a, r.pos, r.end));
        }
        return b.build();
    }

    private static long stringSize(String s) {
        int bytes = utf8Length(s);
        return varintSize(bytes) + bytes;
    }

    static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (!Character.isSurrogate(c)) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 2; // four bytes for the two chars of the pair
                i++;
            }
            // an unpaired surrogate is written as '?', one byte, already counted
        }
        return bytes;
    }

    private static void putString(ByteBuffer out, String s) {
        int n = s.length();
        int start = out.position();
        putVarint(out, n); // right if every char is ASCII, as topics and ids mostly are: one pass
        int ascii = 0;
        while (ascii < n) {
            char c = s.charAt(ascii);
            if (c >= 0x80) {
                break;
            }
            out.put((byte) c);
            ascii++;
        }
        if (ascii == n) {
            return;
        }
        out.position(start);
        putVarint(out, utf8Length(s));
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out.put((byte) c);
            } else if (c < 0x800) {
                out.put((byte) (0xC0 | (c >> 6)));
                out.put((byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.put((byte) (0xF0 | (cp >> 18)));
                out.put((byte) (0x80 | ((cp >> 12) & 0x3F)));
                out.put((byte) (0x80 | ((cp >> 6) & 0x3F)));
                out.put((byte) (0x80 | (cp & 0x3F)));
            } else if (Character.isSurrogate(c)) {
                out.put((byte) '?');
            } else {
                out.put((byte) (0xE0 | (c >> 12)));
                out.put((byte) (0x80 | ((c >> 6) & 0x3F)));
                out.put((byte) (0x80 | (c & 0x3F)));
            }
        }
    }

    private static int varintSize(int v) {
        int size = 1;
        while ((v & ~0x7F) != 0) {
            v >>>= 7;
            size++;
        }
        return size;
    }

    private static void putVarint(ByteBuffer out, int v) {
        while ((v & ~0x7F) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    /** Reads from an array with bounds checks that say what went wrong. */
    private static final class Reader {
        private final byte[] a;
        private final int end;
        private int pos;

        Reader(byte[] a, int pos, int end) {
            this.a = a;
            this.pos = pos;
            this.end = end;
        }

        private void need(int n) {
            if (n < 0 || end - pos < n) {
                throw new IllegalArgumentException("message ends early: " + n + " bytes wanted at offset " + pos
                        + ", " + (end - pos) + " left");
            }
        }

        int u8() {
            need(1);
            return a[pos++] & 0xFF;
        }

        int i32() {
            need(4);
            int v = ((a[pos] & 0xFF) << 24) | ((a[pos + 1] & 0xFF) << 16) | ((a[pos + 2] & 0xFF) << 8) | (a[pos + 3] & 0xFF);
            pos += 4;
            return v;
        }

        long i64() {
            long hi = i32() & 0xFFFFFFFFL;
            return (hi << 32) | (i32() & 0xFFFFFFFFL);
        }

        int varint() {
            int v = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int b = u8();
                v |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    if (v < 0) {
                        break;
                    }
                    return v;
                }
            }
            throw new IllegalArgumentException("bad length at offset " + pos);
        }

        String string() {
            int len = varint();
            need(len);
            String s = new String(a, pos, len, StandardCharsets.UTF_8);
            pos += len;
            return s;
        }
    }
}
