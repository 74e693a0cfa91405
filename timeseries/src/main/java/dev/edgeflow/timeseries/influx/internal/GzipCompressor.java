package dev.edgeflow.timeseries.influx.internal;

import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Compresses a batch into the gzip format ({@code Content-Encoding: gzip}) with one reused
 * {@link Deflater}: {@code GZIPOutputStream} makes a new native deflater, and its buffers, for
 * every batch.
 *
 * <p>Level 1 ({@link Deflater#BEST_SPEED}): line protocol repeats its measurement, tag keys and
 * field keys on every line, so the fastest level already shrinks a batch several times over, and
 * the encoder runs on the sink's thread. Not thread-safe.
 */
public final class GzipCompressor implements AutoCloseable {
    private static final byte[] HEADER = {
        0x1f, (byte) 0x8b, // magic
        8, // deflate
        0, // no flags: no name, no comment
        0, 0, 0, 0, // no modification time
        0, // no extra flags
        (byte) 0xff, // operating system unknown
    };

    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    private final CRC32 crc = new CRC32();

    /**
     * Compresses bytes.
     *
     * @param source the uncompressed bytes
     * @param offset where they start
     * @param length how many
     * @param out emptied, then filled with the gzip member
     */
    public void compress(byte[] source, int offset, int length, GrowableBytes out) {
        out.reset();
        out.write(HEADER);
        deflater.reset();
        deflater.setInput(source, offset, length);
        deflater.finish();
        while (!deflater.finished()) {
            out.ensure(Math.max(256, length / 4));
            int written = deflater.deflate(out.array(), out.length(), out.free());
            out.advance(written);
        }
        crc.reset();
        crc.update(source, offset, length);
        out.writeIntLittleEndian((int) crc.getValue());
        out.writeIntLittleEndian(length);
    }

    /** Frees the native deflater. */
    @Override
    public void close() {
        deflater.end();
    }
}
