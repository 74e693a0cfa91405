package dev.edgeflow.core.spool.internal;

import static dev.edgeflow.core.spool.internal.SpoolFormat.RECORD_HEADER_BYTES;
import static dev.edgeflow.core.spool.internal.SpoolFormat.RECORD_MAGIC;
import static dev.edgeflow.core.spool.internal.SpoolFormat.SEGMENT_HEADER_BYTES;

import dev.edgeflow.core.internal.RateLimitedLog;
import dev.edgeflow.core.spool.Durability;
import dev.edgeflow.core.spool.SpoolException;
import dev.edgeflow.core.spool.SpoolFullPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The spool's one writer thread. Appending threads only queue; this thread takes everything
 * queued at once, encodes it into one direct buffer, writes it with one system call per
 * megabyte, forces the file as the durability mode asks, publishes the records to the reader
 * and completes their futures. It also rolls, reuses and deletes segments, applies the full
 * policy and saves the confirmed cursor, so that every change to the files happens on one
 * thread.
 *
 * <p>In {@code BATCH} mode the force runs on a second thread, the {@link Syncer}, whenever more
 * appends are waiting: while it forces one batch, this thread writes the next, so a group
 * commit costs the force or the encoding, whichever is longer, not both. Records are published
 * and their appends completed by the syncer, in order, once the force that covers them returns.
 * When the batch is small, nothing else waits and the syncer is idle, this thread forces and
 * publishes itself, which spares a thread wake-up per batch at moderate rates.
 *
 * <p>A confirmed segment is kept as the spare (see {@link SpoolFormat}) while the spool is far
 * from {@code maxBytes}, and the next roll starts the new segment in it: appends then overwrite
 * allocated blocks, and each force writes the data without a file system journal commit.
 */
final class SpoolWriter implements Runnable {
    private static final int BUFFER_BYTES = 1 << 20;
    /**
     * A batch smaller than this, with nothing else waiting, is forced by the writer itself in
     * BATCH mode: appends come slowly, so few would arrive during the force. A bigger batch
     * means they come fast, and the sync thread forces it while the writer writes what comes.
     */
    private static final int INLINE_FORCE_MAX_RECORDS = 32;
    /** A huge backlog is committed in steps of this size, so its first appends need not wait for its last. */
    private static final int MAX_BATCH_BYTES = 4 << 20;

    private enum Room { OK, WAIT, FAILED }

    private final DiskSpool spool;
    private final SpoolConfig config;
    private final Path dir;
    private final RateLimitedLog failureLog;
    private final RateLimitedLog dropLog;
    private final Thread thread;

    // The hand-off from appending threads.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeup = lock.newCondition();
    private ArrayDeque<PendingAppend> incoming = new ArrayDeque<>();
    private boolean sleeping;
    private boolean wakeRequested;
    private boolean closing;

    private volatile boolean waitingForRoom;
    /** Whether appends are queued for the next pass; read without the lock, as a hint. */
    private volatile boolean hasIncoming;

    // Everything below belongs to the writer thread.
    private ArrayDeque<PendingAppend> work = new ArrayDeque<>();
    private final ArrayList<PendingAppend> batch = new ArrayList<>();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final CRC32C crc = new CRC32C();
    private final long fsyncIntervalNanos;
    private final long cursorIntervalNanos;
    private final Path sparePath;
    /** Whether {@link #sparePath} holds a confirmed segment to reuse. */
    private boolean hasSpare;
    private Segment active;
    private FileChannel activeChannel;
    /** End of what is encoded, in the active segment. */
    private long writePosition;
    /** End of what is handed to the channel. */
    private long flushedPosition;
    /** Size of the active segment's file; beyond flushedPosition when it is reused and holds older bytes. */
    private long activeFileSize;
    private final ByteBuffer endMark = ByteBuffer.allocateDirect(SpoolFormat.END_MARK_BYTES);
    private long nextSequence;
    /** Sequence of the last record published; written by the syncer in BATCH mode. */
    private volatile long lastCommittedSequence;
    /** Forces and publishes in BATCH mode; null in the other modes. */
    private final Syncer syncer;
    private int batchBytes;
    private long batchTime;
    private boolean unforced;
    private boolean needsRepair;
    private long lastForce;
    private long lastCursorSave;
    private long savedCursor;

    SpoolWriter(DiskSpool spool, Recovery.Result recovered) {
        this.spool = spool;
        this.config = spool.config;
        this.dir = spool.directory;
        this.failureLog = new RateLimitedLog(config.log(), 10);
        this.dropLog = new RateLimitedLog(config.log(), 10);
        this.sparePath = dir.resolve(SpoolFormat.SPARE_FILE);
        this.fsyncIntervalNanos = config.fsyncInterval().toNanos();
        this.cursorIntervalNanos = config.cursorInterval().toNanos();
        this.active = recovered.active;
        this.activeChannel = recovered.activeChannel;
        this.writePosition = recovered.active.readableEnd;
        this.flushedPosition = writePosition;
        this.activeFileSize = sizeOf(activeChannel);
        this.nextSequence = recovered.nextSequence;
        this.lastCommittedSequence = recovered.nextSequence - 1;
        this.savedCursor = recovered.savedCursor;
        this.lastForce = System.nanoTime();
        this.lastCursorSave = lastForce;
        String name = String.valueOf(dir.getFileName() == null ? dir : dir.getFileName());
        this.thread = new Thread(this, "edgeflow-spool-writer-" + name);
        thread.setDaemon(true);
        this.syncer = config.durability() == Durability.BATCH ? new Syncer("edgeflow-spool-sync-" + name) : null;
    }

    void start() {
        if (syncer != null) {
            syncer.thread.start();
        }
        thread.start();
    }

    boolean isWaitingForRoom() {
        return waitingForRoom;
    }

    /** Queues an append; fails it at once if the spool is closing. Never blocks for long. */
    void submit(PendingAppend p) {
        boolean accepted;
        lock.lock();
        try {
            accepted = !closing;
            if (accepted) {
                incoming.add(p);
                hasIncoming = true;
                spool.pendingAppends.increment();
                if (sleeping) {
                    sleeping = false;
                    wakeup.signal();
                }
            }
        } finally {
            lock.unlock();
        }
        if (!accepted) {
            p.completeExceptionally(new SpoolException(dir, "the spool in " + dir + " is closed: nothing appended", null));
        }
    }

    /** Asks the thread to look again at room and confirmed segments. */
    void wake() {
        lock.lock();
        try {
            wakeRequested = true;
            if (sleeping) {
                sleeping = false;
                wakeup.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops taking appends and waits until everything queued is written or failed. */
    void close() {
        lock.lock();
        try {
            closing = true;
            wakeup.signal();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == thread || (syncer != null && Thread.currentThread() == syncer.thread)) {
            return; // called from a completion on this thread: it finishes once the caller returns
        }
        joinUninterruptibly(thread);
    }

    /** Waits for a thread to end; an interrupt meanwhile is kept for the caller. */
    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        try {
            reclaim();
            boolean open;
            do {
                open = awaitWork();
                step();
            } while (open);
        } catch (Throwable t) {
            config.log().error("spool {}: the writer stopped on an unexpected failure; appends fail from now on",
                    dir, t);
        } finally {
            finish();
        }
    }

    /** Waits for appends, a wake-up or a timer; returns false once the spool is closing. */
    private boolean awaitWork() {
        lock.lock();
        try {
            while (!closing && !wakeRequested && (incoming.isEmpty() || waitingForRoom)) {
                long delay = timerDelay();
                if (delay <= 0) {
                    break;
                }
                sleeping = true;
                try {
                    wakeup.awaitNanos(delay);
                } catch (InterruptedException e) {
                    // nobody but close() should stop this thread, and close() does it with a flag
                }
                sleeping = false;
            }
            wakeRequested = false;
            hasIncoming = false;
            if (!incoming.isEmpty()) {
                if (work.isEmpty()) {
                    ArrayDeque<PendingAppend> t = work;
                    work = incoming;
                    incoming = t;
                } else {
                    work.addAll(incoming);
                    incoming.clear();
                }
            }
            return !closing;
        } finally {
            lock.unlock();
        }
    }

    private long timerDelay() {
        long now = System.nanoTime();
        long delay = cursorIntervalNanos;
        if (unforced) {
            delay = Math.min(delay, lastForce + fsyncIntervalNanos - now);
        }
        if (spool.reader.cursor() != savedCursor) {
            delay = Math.min(delay, lastCursorSave + cursorIntervalNanos - now);
        }
        return delay;
    }

    private void step() {
        takeSyncFailure();
        reclaim();
        processWork();
        long now = System.nanoTime();
        if (unforced && now - lastForce >= fsyncIntervalNanos) {
            forceOnTimer();
        }
        if (now - lastCursorSave >= cursorIntervalNanos) {
            saveCursor();
        }
    }

    private void processWork() {
        waitingForRoom = false;
        while (!work.isEmpty()) {
            PendingAppend p = work.peekFirst();
            if (p.isDone()) { // cancelled by its caller
                work.pollFirst();
                spool.pendingAppends.decrement();
                continue;
            }
            Room room = makeRoom(p);
            if (room == Room.WAIT) {
                waitingForRoom = true;
                break;
            }
            work.pollFirst();
            if (room == Room.OK) {
                encode(p);
                if (config.durability() == Durability.ALWAYS || batchBytes >= MAX_BATCH_BYTES) {
                    commit();
                }
            }
        }
        commit();
    }

    /** Makes room for one record: rolls, reclaims, drops, or says to wait. */
    private Room makeRoom(PendingAppend p) {
        int need = p.recordBytes;
        while (true) {
            boolean mustRoll = writePosition + need > config.segmentBytes();
            long required = need + (mustRoll ? SEGMENT_HEADER_BYTES : 0);
            if (spool.totalBytes.get() + required <= config.maxBytes()) {
                return !mustRoll || roll(p) ? Room.OK : Room.FAILED;
            }
            if (reclaim() > 0) {
                continue;
            }
            deleteSpare(); // no room to spare: give its disk space back
            Segment oldest = spool.segments.firstEntry().getValue();
            boolean dropOldest = config.whenFull() == SpoolFullPolicy.DROP_OLDEST;
            if (oldest != active) {
                if (dropOldest) {
                    drop(oldest);
                    continue;
                }
                return Room.WAIT;
            }
            // The active segment is all there is: closing it lets it go once it is confirmed.
            if (mustRoll && (dropOldest || spool.reader.cursor() > active.lastSequence)) {
                if (!roll(p)) {
                    return Room.FAILED;
                }
                continue;
            }
            return Room.WAIT;
        }
    }

    private void encode(PendingAppend p) {
        int need = p.recordBytes;
        ByteBuffer target = buffer;
        if (need > buffer.remaining()) {
            flushOrFail();
            if (need > buffer.capacity()) {
                target = ByteBuffer.allocate(need); // a record bigger than the buffer goes on its own
            }
        }
        if (batch.isEmpty()) {
            batchTime = config.clock().millis();
        }
        long seq = nextSequence;
        int start = target.position();
        target.putInt(RECORD_MAGIC).putInt(0).putInt(need - 12).putLong(seq).putLong(batchTime);
        MessageCodec.encode(p.message, target);
        int end = target.position();
        if (end - start != need) {
            target.position(start);
            fail(p, new IllegalStateException("message " + p.message.id() + " encoded to " + (end - start)
                    + " bytes, not the " + need + " measured: it was not appended"));
            return;
        }
        int limit = target.limit();
        target.position(start + 8).limit(end);
        crc.reset();
        crc.update(target);
        target.limit(limit).position(end);
        target.putInt(start + 4, (int) crc.getValue());

        p.sequence = seq;
        nextSequence = seq + 1;
        batch.add(p);
        batchBytes += need;
        writePosition += need;
        spool.totalBytes.addAndGet(need);
        if (target != buffer) {
            target.flip();
            try {
                writeFully(target);
            } catch (IOException e) {
                failBatch(e);
            }
        }
    }

    private void flushOrFail() {
        try {
            flush();
        } catch (IOException e) {
            failBatch(e);
        }
    }

    private void flush() throws IOException {
        if (needsRepair) {
            repair();
            if (needsRepair) {
                buffer.clear();
                throw new IOException("a failed write could not be cut back, so nothing more is written");
            }
        }
        buffer.flip();
        try {
            writeFully(buffer);
        } finally {
            buffer.clear();
        }
    }

    private void writeFully(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            flushedPosition += activeChannel.write(src, flushedPosition);
        }
    }

    /** Writes and forces what is encoded, as the durability mode asks, then completes it. */
    private void commit() {
        if (batch.isEmpty()) {
            return;
        }
        try {
            flush();
            markEnd();
            if (syncer != null) {
                if (batch.size() < INLINE_FORCE_MAX_RECORDS && work.isEmpty() && !hasIncoming && syncer.isIdle()) {
                    // appends come slowly and none waits: a hand-off would only add a thread wake-up
                    activeChannel.force(false);
                } else {
                    syncer.submit(new Written(active, activeChannel, new ArrayList<>(batch), writePosition));
                    batch.clear();
                    batchBytes = 0;
                    return;
                }
            } else if (config.durability() == Durability.ALWAYS) {
                activeChannel.force(false);
                lastForce = System.nanoTime();
            } else if (!unforced) {
                unforced = true;
                lastForce = System.nanoTime();
            }
        } catch (IOException e) {
            failBatch(e);
            return;
        }
        publish(active, batch, writePosition);
        batch.clear();
        batchBytes = 0;
    }

    /** Makes committed records readable and completes their appends; on the syncer in BATCH mode. */
    private void publish(Segment segment, List<PendingAppend> appends, long end) {
        int n = appends.size();
        long last = appends.get(n - 1).sequence;
        spool.recordsHeld.addAndGet(n);
        segment.recordCount += n;
        segment.size = end;
        segment.readableEnd = end;
        segment.lastSequence = last; // after readableEnd: the reader reads them in the other order
        lastCommittedSequence = last;
        spool.appended += n;
        spool.publishedSequence = last; // after readableEnd: the reader reads them in the other order
        spool.pendingAppends.add(-n);
        for (int i = 0; i < n; i++) {
            PendingAppend p = appends.get(i);
            p.complete(p.sequence);
        }
        spool.reader.notifyAvailable();
    }

    private SpoolException writeFailure(IOException e) {
        return new SpoolException(dir, "cannot write to the spool in " + dir + ": " + SpoolFiles.describe(e)
                + "; the append was not stored (everything stored before is kept)", e);
    }

    /** If a force on the syncer has failed, settles it now rather than at the next roll. */
    private void takeSyncFailure() {
        if (syncer != null && syncer.hasFailed()) {
            settleSyncer();
        }
    }

    /**
     * Waits for the syncer to force and publish (or fail) everything handed to it; if a force
     * failed, cuts the file back to the last record published, as after a failed write.
     */
    private void settleSyncer() {
        if (syncer != null && syncer.drain() != null) {
            cutBack();
        }
    }

    /** Forgets what was written after the last published record, and cuts the file back to it. */
    private void cutBack() {
        long good = active.readableEnd;
        spool.totalBytes.addAndGet(-(writePosition - good));
        writePosition = good;
        flushedPosition = good;
        nextSequence = Math.max(lastCommittedSequence + 1, active.baseSequence);
        repair();
    }

    /**
     * In a reused segment, writes the end mark after the records just written, so that recovery
     * tells the older bytes behind them from a torn append. Forced with the records.
     */
    private void markEnd() throws IOException {
        if (flushedPosition >= activeFileSize) {
            return; // the file ends here
        }
        endMark.clear();
        SpoolFormat.putEndMark(endMark, active.baseSequence);
        endMark.flip();
        while (endMark.hasRemaining()) {
            activeChannel.write(endMark, flushedPosition + endMark.position());
        }
        activeFileSize = Math.max(activeFileSize, flushedPosition + SpoolFormat.END_MARK_BYTES);
    }

    private static long sizeOf(FileChannel ch) {
        try {
            return ch.size();
        } catch (IOException e) {
            return 0; // taken as a file that ends at the write position: no end marks
        }
    }

    /** Fails what is encoded and not committed, and cuts the file back to the last committed record. */
    private void failBatch(IOException e) {
        int n = batch.size();
        SpoolException failure = writeFailure(e);
        failureLog.warn("spool {}: a write failed, {} appends failed with it: {}", dir, n, SpoolFiles.describe(e));
        for (int i = 0; i < n; i++) {
            batch.get(i).completeExceptionally(failure);
        }
        spool.pendingAppends.add(-n);
        batch.clear();
        batchBytes = 0;
        buffer.clear();
        if (syncer != null) {
            syncer.drain(); // the batches before this one are kept if their force succeeds
        }
        cutBack();
    }

    /** Cuts the active segment back to its last committed record, so no partial write stays behind. */
    private void repair() {
        try {
            if (activeChannel.size() > active.readableEnd) {
                activeChannel.truncate(active.readableEnd);
            }
            activeFileSize = active.readableEnd;
            needsRepair = false;
        } catch (IOException e) {
            needsRepair = true;
            failureLog.warn("spool {}: cannot cut segment {} back to offset {} after a failed write: {}",
                    dir, active, active.readableEnd, SpoolFiles.describe(e));
        }
    }

    private void fail(PendingAppend p, RuntimeException e) {
        p.completeExceptionally(e);
        spool.pendingAppends.decrement();
    }

    private void forceOnTimer() {
        try {
            activeChannel.force(false);
        } catch (IOException e) {
            config.log().error("spool {}: forcing segment {} to disk failed ({}): appends completed in the last {} ms "
                    + "may not survive a power loss", dir, active, SpoolFiles.describe(e),
                    TimeUnit.NANOSECONDS.toMillis(fsyncIntervalNanos));
        }
        unforced = false;
        lastForce = System.nanoTime();
    }

    /** Closes the active segment and starts a new one; on failure fails {@code p} and keeps the old one. */
    private boolean roll(PendingAppend p) {
        commit();
        settleSyncer(); // the old segment's records are all published before it is sealed
        long base = Math.max(nextSequence, active.baseSequence + 1);
        Path path = dir.resolve(SpoolFormat.segmentFileName(base));
        FileChannel ch = reuseSpare(path, base);
        try {
            if (ch == null) {
                ch = SpoolFiles.createSegment(config.opener(), path, base);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // the next roll truncates it
            }
            failureLog.warn("spool {}: cannot start segment {}: {}", dir, path.getFileName(), SpoolFiles.describe(e));
            fail(p, new SpoolException(dir, "cannot start segment file " + path.getFileName() + " in spool directory "
                    + dir + ": " + SpoolFiles.describe(e) + "; the append was not stored", e));
            return false;
        }
        SpoolFiles.syncDirectory(config.opener(), dir);
        if (unforced) {
            forceOnTimer();
        }
        Segment seg = new Segment(base, path, true);
        seg.readableEnd = SEGMENT_HEADER_BYTES;
        seg.size = SEGMENT_HEADER_BYTES;
        spool.segments.put(base, seg);
        spool.totalBytes.addAndGet(SEGMENT_HEADER_BYTES);
        Segment old = active;
        FileChannel oldChannel = activeChannel;
        active = seg;
        activeChannel = ch;
        writePosition = SEGMENT_HEADER_BYTES;
        flushedPosition = SEGMENT_HEADER_BYTES;
        activeFileSize = sizeOf(ch);
        nextSequence = base;
        needsRepair = false;
        old.sealed = true; // after the new segment is in the map: the reader looks for it once it sees this
        SpoolFiles.closeQuietly(oldChannel);
        saveCursor();
        reclaim();
        return true;
    }

    /**
     * Starts segment {@code base} in the spare: its header and an end mark written and forced
     * before the rename, so that a segment by the new name always has the new header. The
     * caller forces the directory before anything is appended.
     *
     * @return the channel, or null if there is no spare or it could not be used (it is then deleted)
     */
    private FileChannel reuseSpare(Path path, long base) {
        if (!hasSpare) {
            return null;
        }
        hasSpare = false;
        FileChannel ch = null;
        try {
            ch = config.opener().open(sparePath, EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
            ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER_BYTES + SpoolFormat.END_MARK_BYTES);
            SpoolFormat.putSegmentHeader(header, base);
            SpoolFormat.putEndMark(header, base); // no records yet: the older ones after it are not this segment's
            header.flip();
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
            ch.force(false);
            Files.move(sparePath, path, StandardCopyOption.ATOMIC_MOVE);
            return ch;
        } catch (IOException e) {
            SpoolFiles.closeQuietly(ch);
            failureLog.warn("spool {}: cannot reuse a confirmed segment for segment {} ({}); a new file is created",
                    dir, path.getFileName(), SpoolFiles.describe(e));
            deleteSpareFile();
            return null;
        }
    }

    /**
     * Keeps a confirmed segment as the spare instead of deleting it, if there is none yet, the
     * segment is big enough to be worth it and the spool is far enough from {@code maxBytes}
     * that a file it does not count can stay.
     *
     * @return whether the segment is now the spare
     */
    private boolean keepAsSpare(Segment s) {
        long segmentBytes = config.segmentBytes();
        if (hasSpare || !s.headerIntact || s.knownDamage.length > 0 || s.size < segmentBytes / 2
                || spool.totalBytes.get() - s.size + 2 * segmentBytes > config.maxBytes()) {
            return false;
        }
        try {
            Files.move(s.path, sparePath, StandardCopyOption.ATOMIC_MOVE);
            hasSpare = true;
            return true;
        } catch (IOException e) {
            return false; // deleted instead, as without reuse
        }
    }

    private void deleteSpare() {
        if (!hasSpare) {
            return;
        }
        hasSpare = false;
        deleteSpareFile();
    }

    private void deleteSpareFile() {
        try {
            Files.deleteIfExists(sparePath);
        } catch (IOException e) {
            failureLog.warn("spool {}: cannot delete '{}', a confirmed segment kept for reuse: {}", dir,
                    SpoolFormat.SPARE_FILE, SpoolFiles.describe(e));
        }
    }

    /** Deletes (or keeps as the spare) the oldest segments while every record in them is confirmed; returns how many. */
    private int reclaim() {
        int n = 0;
        while (true) {
            Map.Entry<Long, Segment> first = spool.segments.firstEntry();
            Segment s = first == null ? null : first.getValue();
            if (s == null || s == active || !s.sealed || spool.reader.cursor() <= s.lastSequence) {
                return n;
            }
            spool.reader.release(s, false);
            try {
                if (!keepAsSpare(s)) {
                    Files.deleteIfExists(s.path);
                }
            } catch (IOException e) {
                failureLog.warn("spool {}: cannot delete confirmed segment {}: {}; it is tried again later", dir, s,
                        SpoolFiles.describe(e));
                return n;
            }
            spool.segments.remove(s.baseSequence);
            spool.totalBytes.addAndGet(-s.size);
            int leftover = s.recordCount - s.confirmedCount;
            if (leftover > 0) {
                spool.recordsHeld.addAndGet(-leftover); // records the reader could no longer read
            }
            n++;
        }
    }

    private void drop(Segment oldest) {
        int lost = spool.reader.release(oldest, true);
        spool.segments.remove(oldest.baseSequence);
        spool.totalBytes.addAndGet(-oldest.size);
        spool.recordsHeld.addAndGet(-Math.max(0, oldest.recordCount - oldest.confirmedCount));
        spool.dropped.add(lost);
        try {
            Files.deleteIfExists(oldest.path);
        } catch (IOException e) {
            config.log().error("spool {}: cannot delete segment {} dropped to make room: {}; its records come "
                    + "again after a restart", dir, oldest, SpoolFiles.describe(e));
        }
        dropLog.warn("spool {} is full (maxBytes {}): dropped the oldest segment {} with {} unconfirmed records",
                dir, config.maxBytes(), oldest, lost);
    }

    private void saveCursor() {
        lastCursorSave = System.nanoTime();
        long c = spool.reader.cursor();
        if (c == savedCursor) {
            return;
        }
        try {
            spool.cursorFile.write(c);
            savedCursor = c;
        } catch (IOException e) {
            failureLog.warn("spool {}: cannot save the confirmed position: {}; confirmed records may be handed out "
                    + "again after a restart", dir, SpoolFiles.describe(e));
        }
    }

    /** Runs last on this thread: no future is left hanging, and the directory is let go. */
    private void finish() {
        lock.lock();
        try {
            closing = true;
            work.addAll(incoming);
            incoming.clear();
        } finally {
            lock.unlock();
        }
        try {
            commit();
            settleSyncer();
        } catch (RuntimeException e) {
            config.log().error("spool {}: final write failed", dir, e);
        }
        if (syncer != null) {
            syncer.stop();
        }
        SpoolException closed = new SpoolException(dir, "the spool in " + dir + " was closed before this append "
                + "was stored" + (waitingForRoom ? ": it was waiting for room, the spool held maxBytes "
                + config.maxBytes() : ""), null);
        for (PendingAppend p : batch) {
            fail(p, closed);
        }
        batch.clear();
        for (PendingAppend p : work) {
            fail(p, closed);
        }
        work.clear();
        waitingForRoom = false;
        if (unforced) {
            forceOnTimer();
        }
        saveCursor();
        SpoolFiles.closeQuietly(activeChannel);
        deleteSpare();
        SpoolFiles.closeQuietly(spool.cursorFile);
        spool.lock.release();
    }

    /** Records written to the page cache and waiting for the force that makes them durable. */
    private static final class Written {
        final Segment segment;
        final FileChannel channel;
        final List<PendingAppend> appends;
        final long end;

        Written(Segment segment, FileChannel channel, List<PendingAppend> appends, long end) {
            this.segment = segment;
            this.channel = channel;
            this.appends = appends;
            this.end = end;
        }
    }

    /**
     * The thread that forces in {@code BATCH} mode. It takes every batch written since its last
     * force, forces once, and publishes them in order. After a failed force it fails everything
     * handed to it until the writer has {@linkplain #drain drained} it and cut the file back.
     */
    private final class Syncer implements Runnable {
        final Thread thread;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final ArrayDeque<Written> queue = new ArrayDeque<>();
        /** Taken by the thread for one force; each leaves once published or failed. */
        private final ArrayDeque<Written> taken = new ArrayDeque<>();
        private boolean busy;
        private boolean stopping;
        /** Set if the thread stopped on an unexpected failure: everything handed to it fails at once. */
        private boolean dead;
        private IOException failure;
        private volatile boolean failed;

        Syncer(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        void submit(Written w) {
            lock.lock();
            try {
                if (dead) {
                    failWritten(w, failure);
                    failed = true;
                    return;
                }
                queue.add(w);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        boolean hasFailed() {
            return failed;
        }

        /** Whether everything handed over is published, so the writer may force and publish itself. */
        boolean isIdle() {
            lock.lock();
            try {
                return queue.isEmpty() && !busy && failure == null && !dead;
            } finally {
                lock.unlock();
            }
        }

        /**
         * Waits until everything submitted is published or failed.
         *
         * @return the failure of a force since the last drain, or null; it is cleared
         */
        IOException drain() {
            lock.lock();
            try {
                boolean interrupted = false;
                while (!dead && (!queue.isEmpty() || busy)) {
                    try {
                        changed.await();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                IOException f = failure;
                if (!dead) {
                    failure = null;
                    failed = false;
                }
                return f;
            } finally {
                lock.unlock();
            }
        }

        void stop() {
            lock.lock();
            try {
                stopping = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            joinUninterruptibly(thread);
        }

        @Override
        public void run() {
            try {
                while (takeWork()) {
                    IOException f = forceTaken();
                    Written w;
                    while ((w = taken.peekFirst()) != null) {
                        if (f == null) {
                            publish(w.segment, w.appends, w.end);
                        } else {
                            failWritten(w, f);
                        }
                        taken.pollFirst();
                    }
                    lock.lock();
                    try {
                        busy = false;
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                    if (f != null) {
                        wake(); // the writer cuts the file back
                    }
                }
            } catch (Throwable t) {
                config.log().error("spool {}: the sync thread stopped on an unexpected failure; appends fail from "
                        + "now on", dir, t);
                lock.lock();
                try {
                    failure = new IOException("the spool's sync thread stopped: " + t, t);
                    failed = true;
                    dead = true;
                    busy = false;
                    taken.forEach(w -> failWritten(w, failure));
                    queue.forEach(w -> failWritten(w, failure));
                    queue.clear();
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                wake();
            }
        }

        /** Takes every queued batch; returns false once stopping with nothing queued. */
        private boolean takeWork() throws InterruptedException {
            lock.lock();
            try {
                while (queue.isEmpty()) {
                    if (stopping) {
                        return false;
                    }
                    changed.await();
                }
                taken.addAll(queue);
                queue.clear();
                busy = true;
                return true;
            } finally {
                lock.unlock();
            }
        }

        /** Forces the files of the taken batches; returns the failure, also an earlier one not yet drained. */
        private IOException forceTaken() {
            lock.lock();
            try {
                if (failure != null) {
                    return failure;
                }
            } finally {
                lock.unlock();
            }
            IOException f = null;
            FileChannel forced = null;
            for (Written w : taken) {
                if (w.channel != forced) {
                    try {
                        w.channel.force(false);
                        forced = w.channel;
                    } catch (IOException e) {
                        f = e;
                        break;
                    }
                }
            }
            if (f != null) {
                failureLog.warn("spool {}: forcing the spool to disk failed, {} batches of appends failed with it: "
                        + "{}", dir, taken.size(), SpoolFiles.describe(f));
                lock.lock();
                try {
                    failure = f;
                    failed = true;
                } finally {
                    lock.unlock();
                }
            }
            return f;
        }

        private void failWritten(Written w, IOException e) {
            SpoolException ex = writeFailure(e);
            for (PendingAppend p : w.appends) {
                p.completeExceptionally(ex);
            }
            spool.pendingAppends.add(-w.appends.size());
        }
    }
}
