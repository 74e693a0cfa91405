package dev.edgeflow.timeseries;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A store in memory that keeps its batches and fails on command, for sink tests. */
final class RecordingStore implements TimeSeriesStore {
    final List<List<Point>> batches = new CopyOnWriteArrayList<>();
    volatile TimeSeriesException failNext;
    volatile int failures;
    volatile Predicate<Point> refuse = p -> false;
    volatile CountDownLatch gate;
    volatile boolean closed;

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public void write(List<Point> points) throws TimeSeriesException {
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TimeSeriesException("interrupted", e, true);
            }
        }
        if (failures > 0) {
            failures--;
            throw failNext;
        }
        for (Point p : points) {
            if (refuse.test(p)) {
                throw new TimeSeriesException("value out of range for " + p.device(), null, false);
            }
        }
        batches.add(List.copyOf(points));
    }

    List<Point> points() {
        List<Point> all = new ArrayList<>();
        batches.forEach(all::addAll);
        return all;
    }

    @Override
    public void close() {
        closed = true;
    }
}
