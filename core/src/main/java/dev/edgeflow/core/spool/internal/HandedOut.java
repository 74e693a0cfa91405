package dev.edgeflow.core.spool.internal;

import java.util.Arrays;

/**
 * The records handed out and not yet passed by the confirmed cursor, oldest first: a ring of
 * parallel arrays, so that handing out and confirming allocate nothing per record. Holds as
 * many entries as the reader has in flight. Guarded by the reader's lock.
 */
final class HandedOut {
    private long[] sequences = new long[1024];
    private long[] appendedAt = new long[1024];
    private int[] offsets = new int[1024];
    private Segment[] segments = new Segment[1024];
    private boolean[] confirmed = new boolean[1024];
    private int head;
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    private int slot(int index) {
        return (head + index) & (sequences.length - 1);
    }

    void add(long sequence, long at, Segment segment, long offset, boolean alreadyConfirmed) {
        if (size == sequences.length) {
            grow();
        }
        int s = slot(size++);
        sequences[s] = sequence;
        appendedAt[s] = at;
        segments[s] = segment;
        offsets[s] = (int) offset;
        confirmed[s] = alreadyConfirmed;
    }

    private void grow() {
        int n = sequences.length;
        sequences = unroll(sequences, n);
        appendedAt = unroll(appendedAt, n);
        int[] o = new int[n * 2];
        boolean[] c = new boolean[n * 2];
        Segment[] g = new Segment[n * 2];
        for (int i = 0; i < n; i++) {
            int s = (head + i) & (n - 1);
            o[i] = offsets[s];
            c[i] = confirmed[s];
            g[i] = segments[s];
        }
        offsets = o;
        confirmed = c;
        segments = g;
        head = 0;
    }

    private long[] unroll(long[] a, int n) {
        long[] out = new long[n * 2];
        for (int i = 0; i < n; i++) {
            out[i] = a[(head + i) & (n - 1)];
        }
        return out;
    }

    /** Index of a sequence, or -1; entries are in ascending order. */
    int indexOf(long sequence) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long v = sequences[slot(mid)];
            if (v < sequence) {
                lo = mid + 1;
            } else if (v > sequence) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    long sequence(int index) {
        return sequences[slot(index)];
    }

    boolean isConfirmed(int index) {
        return confirmed[slot(index)];
    }

    void confirm(int index) {
        confirmed[slot(index)] = true;
    }

    long headSequence() {
        return sequences[head];
    }

    long headAppendedAt() {
        return appendedAt[head];
    }

    Segment headSegment() {
        return segments[head];
    }

    long headOffset() {
        return offsets[head];
    }

    boolean headConfirmed() {
        return confirmed[head];
    }

    long lastSequence() {
        return sequences[slot(size - 1)];
    }

    void removeHead() {
        segments[head] = null;
        head = (head + 1) & (sequences.length - 1);
        size--;
    }

    void clear() {
        Arrays.fill(segments, null);
        head = 0;
        size = 0;
    }
}
