package dev.edgeflow.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file channel that fails writes as a full disk does, while {@link #failing} is set: the
 * first failing write stores half of its bytes, as a real write can before the device runs
 * out, then throws.
 */
final class FailingChannel extends FileChannel {
    private final FileChannel delegate;
    private final AtomicBoolean failing;
    private final AtomicBoolean failForce;
    private final Runnable beforeForce;

    FailingChannel(FileChannel delegate, AtomicBoolean failing, AtomicBoolean failForce) {
        this(delegate, failing, failForce, () -> { });
    }

    /** As above; {@code beforeForce} runs at the start of every force, for a test to hold it. */
    FailingChannel(FileChannel delegate, AtomicBoolean failing, AtomicBoolean failForce, Runnable beforeForce) {
        this.delegate = delegate;
        this.failing = failing;
        this.failForce = failForce;
        this.beforeForce = beforeForce;
    }

    private static IOException noSpace() {
        return new IOException("No space left on device");
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        if (failing.get()) {
            int half = src.remaining() / 2;
            if (half > 0) {
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + half);
                delegate.write(part, position);
            }
            throw noSpace();
        }
        return delegate.write(src, position);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (failing.get()) {
            throw noSpace();
        }
        return delegate.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (failing.get()) {
            throw noSpace();
        }
        return delegate.write(srcs, offset, length);
    }

    @Override
    public void force(boolean metaData) throws IOException {
        beforeForce.run();
        if (failForce.get()) {
            throw new IOException("Input/output error");
        }
        delegate.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        delegate.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return delegate.transferFrom(src, position, count);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
