package dev.edgeflow.core.spool.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.zip.CRC32C;

/**
 * The persisted confirmed cursor: the first sequence number not yet confirmed. Two slots
 * written in turn, each with a generation and a CRC, so that a write torn by a power loss
 * leaves the other slot, one save older, intact; one fsync per save, no rename.
 *
 * <pre>slot (32 bytes, at 0 and 32): magic "EFCU" (4) | generation (8) | cursor (8) | CRC32C of the 20 before (4) | zero (8)</pre>
 */
final class CursorFile implements Closeable {
    private static final int MAGIC = 0x45464355;
    private static final int SLOT_BYTES = 32;

    private final FileChannel channel;
    private final ByteBuffer slot = ByteBuffer.allocate(SLOT_BYTES);
    private final CRC32C crc = new CRC32C();
    private long generation;
    private long cursor;
    private boolean damaged;

    private CursorFile(FileChannel channel) {
        this.channel = channel;
    }

    static CursorFile open(Path file, ChannelOpener opener) throws IOException {
        FileChannel ch = opener.open(file, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE));
        CursorFile f = new CursorFile(ch);
        try {
            f.load();
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return f;
    }

    private void load() throws IOException {
        long size = channel.size();
        boolean found = false;
        for (int i = 0; i < 2; i++) {
            slot.clear();
            while (slot.hasRemaining() && channel.read(slot, (long) i * SLOT_BYTES + slot.position()) > 0) {
                // read the whole slot
            }
            if (slot.position() < 24 || slot.getInt(0) != MAGIC) {
                continue;
            }
            crc.reset();
            crc.update(slot.array(), 0, 20);
            if ((int) crc.getValue() != slot.getInt(20)) {
                continue;
            }
            long gen = slot.getLong(4);
            if (!found || gen > generation) {
                generation = gen;
                cursor = slot.getLong(12);
                found = true;
            }
        }
        damaged = !found && size > 0;
    }

    /** The saved cursor, 0 if none was ever saved. */
    long cursor() {
        return cursor;
    }

    /** Whether the file held something but no intact slot. */
    boolean damaged() {
        return damaged;
    }

    void write(long newCursor) throws IOException {
        long gen = generation + 1;
        slot.clear();
        slot.putInt(MAGIC).putLong(gen).putLong(newCursor);
        crc.reset();
        crc.update(slot.array(), 0, 20);
        slot.putInt((int) crc.getValue()).putLong(0);
        slot.flip();
        long at = (gen & 1) * SLOT_BYTES;
        while (slot.hasRemaining()) {
            at += channel.write(slot, at);
        }
        channel.force(false);
        generation = gen;
        cursor = newCursor;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
