package dev.edgeflow.timeseries.influx.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A byte array that grows, reused from batch to batch so that encoding a batch allocates nothing
 * once the array has reached the size of the largest batch.
 */
public final class GrowableBytes {
    private byte[] bytes;
    private int length;

    /**
     * Makes an empty buffer.
     *
     * @param initialCapacity bytes to start with
     */
    public GrowableBytes(int initialCapacity) {
        bytes = new byte[Math.max(16, initialCapacity)];
    }

    /** Empties the buffer, keeping its array. */
    public void reset() {
        length = 0;
    }

    /**
     * Returns the array; only the first {@link #length()} bytes are content.
     *
     * @return the backing array, not a copy
     */
    public byte[] array() {
        return bytes;
    }

    /**
     * Returns how many bytes were written.
     *
     * @return the content's length
     */
    public int length() {
        return length;
    }

    /**
     * Makes room for more bytes.
     *
     * @param extra how many bytes are about to be written
     */
    public void ensure(int extra) {
        int needed = length + extra;
        if (needed < 0) {
            throw new IllegalStateException("a batch of more than 2 GiB cannot be encoded: write smaller batches");
        }
        if (needed > bytes.length) {
            int grown = Math.max(needed, bytes.length * 2);
            bytes = Arrays.copyOf(bytes, grown < 0 ? Integer.MAX_VALUE - 8 : grown);
        }
    }

    /**
     * Returns how many bytes fit before the array has to grow.
     *
     * @return free bytes at the end
     */
    public int free() {
        return bytes.length - length;
    }

    /**
     * Moves the end after bytes that were written into {@link #array()} directly.
     *
     * @param count how many bytes were written
     */
    public void advance(int count) {
        length += count;
    }

    /**
     * Appends one byte.
     *
     * @param b the byte, in the low 8 bits
     */
    public void write(int b) {
        if (length == bytes.length) {
            ensure(1);
        }
        bytes[length++] = (byte) b;
    }

    /**
     * Appends bytes.
     *
     * @param source the bytes
     */
    public void write(byte[] source) {
        ensure(source.length);
        System.arraycopy(source, 0, bytes, length, source.length);
        length += source.length;
    }

    /**
     * Appends the decimal digits of a number, with a minus sign if it is negative.
     *
     * @param value the number
     */
    public void writeDecimal(long value) {
        if (value == Long.MIN_VALUE) {
            write("-9223372036854775808".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        ensure(20);
        if (value < 0) {
            bytes[length++] = '-';
            value = -value;
        }
        int digits = 1;
        for (long v = value / 10; v != 0; v /= 10) {
            digits++;
        }
        int end = length + digits;
        for (int i = end - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + (value % 10));
            value /= 10;
        }
        length = end;
    }

    /**
     * Appends a little-endian 32-bit number, as gzip's trailer wants it.
     *
     * @param value the number
     */
    public void writeIntLittleEndian(int value) {
        ensure(4);
        bytes[length++] = (byte) value;
        bytes[length++] = (byte) (value >>> 8);
        bytes[length++] = (byte) (value >>> 16);
        bytes[length++] = (byte) (value >>> 24);
    }

    /**
     * Returns the content as UTF-8 text, for tests and messages.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
