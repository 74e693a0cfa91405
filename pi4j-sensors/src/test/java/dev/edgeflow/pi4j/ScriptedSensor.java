package dev.edgeflow.pi4j;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A sensor for tests. Either every read is computed from its number ({@link #computing}), or a
 * read blocks until the test hands it a reading or a failure ({@link #blocking}), as a slow sensor
 * would; closing interrupts nothing, the source does.
 */
final class ScriptedSensor implements Sensor {
    private final String name;
    private final IntFunction<Reading> reads;
    private final BlockingQueue<Object> script;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    private ScriptedSensor(String name, IntFunction<Reading> reads, BlockingQueue<Object> script) {
        this.name = name;
        this.reads = reads;
        this.script = script;
    }

    /** Each read returns (or throws) what {@code reads} gives for its number, from 1. */
    static ScriptedSensor computing(String name, IntFunction<Reading> reads) {
        return new ScriptedSensor(name, reads, null);
    }

    /** Each read waits for the next {@link #push}ed reading or exception. */
    static ScriptedSensor blocking(String name) {
        return new ScriptedSensor(name, null, new LinkedBlockingQueue<>());
    }

    void push(Object readingOrException) {
        script.add(readingOrException);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Reading read() {
        int n = count.incrementAndGet();
        if (reads != null) {
            return reads.apply(n);
        }
        Object next;
        try {
            next = script.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SensorException(name + " was interrupted", true, e);
        }
        if (next instanceof RuntimeException) {
            throw (RuntimeException) next;
        }
        return (Reading) next;
    }

    int reads() {
        return count.get();
    }

    boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
