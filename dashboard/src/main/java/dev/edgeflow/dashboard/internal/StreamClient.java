package dev.edgeflow.dashboard.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection to {@code /api/stream}: a bounded queue that publishers fill without waiting,
 * and a loop on the connection's own thread that writes the queue to the socket.
 *
 * <p>When the queue is full the oldest event goes; the next write begins with an
 * {@code event: dropped} that says how many were lost, so that the page can reload what it
 * missed.
 */
final class StreamClient {
    private static final byte[] HELLO = "retry: 3000\n: connected\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);

    private final int capacity;
    private final long heartbeatNanos;
    private final AtomicLong hubDropped;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final ArrayDeque<byte[]> queue;
    private long unreported;
    private long dropped;
    private boolean closed;

    StreamClient(int capacity, Duration heartbeat, AtomicLong hubDropped) {
        this.capacity = capacity;
        this.heartbeatNanos = heartbeat.toNanos();
        this.hubDropped = hubDropped;
        this.queue = new ArrayDeque<>(Math.min(capacity, 64));
    }

    void offer(byte[] frame) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (queue.size() >= capacity) {
                queue.pollFirst();
                unreported++;
                dropped++;
                hubDropped.incrementAndGet();
            }
            queue.addLast(frame);
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            queue.clear();
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes events until the client is closed or the connection breaks. Blocks the calling
     * thread for as long as the client is connected.
     *
     * @throws IOException when the connection breaks, such as when the browser went away
     */
    void serve(OutputStream out) throws IOException {
        out.write(HELLO);
        out.flush();
        List<byte[]> batch = new ArrayList<>();
        while (true) {
            long lost;
            long lostInAll;
            lock.lock();
            try {
                long left = heartbeatNanos;
                while (queue.isEmpty() && unreported == 0 && !closed && left > 0) {
                    left = ready.awaitNanos(left);
                }
                if (closed) {
                    return;
                }
                batch.addAll(queue);
                queue.clear();
                lost = unreported;
                lostInAll = dropped;
                unreported = 0;
            } catch (InterruptedException e) {
                // The server is stopping its threads.
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            if (lost > 0) {
                out.write(("event: dropped\ndata: {\"dropped\":" + lost + ",\"total\":" + lostInAll + "}\n\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            if (batch.isEmpty() && lost == 0) {
                out.write(HEARTBEAT);
            }
            for (byte[] frame : batch) {
                out.write(frame);
            }
            out.flush();
            batch.clear();
        }
    }
}
