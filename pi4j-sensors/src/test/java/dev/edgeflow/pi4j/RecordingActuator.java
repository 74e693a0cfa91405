package dev.edgeflow.pi4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An actuator that keeps every state applied to it, in order, as a register that takes whole
 * numbers 0 or more would; or, if built failing, one whose driver fails every time. For what
 * hardware cannot show: the history of states, and a driver failure.
 */
final class RecordingActuator implements Actuator {
    private final String name;
    private final int pin;
    private final boolean failing;
    private final BlockingQueue<String> applied = new LinkedBlockingQueue<>();
    private final AtomicInteger offCalls = new AtomicInteger();
    private volatile String state = "0";
    private volatile boolean closed;

    private RecordingActuator(String name, int pin, boolean failing) {
        this.name = name;
        this.pin = pin;
        this.failing = failing;
    }

    static RecordingActuator recording(String name, int pin) {
        return new RecordingActuator(name, pin, false);
    }

    static RecordingActuator failing(String name, int pin) {
        return new RecordingActuator(name, pin, true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int pin() {
        return pin;
    }

    @Override
    public String normalize(String requested) {
        try {
            int n = Integer.parseInt(requested);
            if (n >= 0) {
                return Integer.toString(n);
            }
        } catch (NumberFormatException e) {
            // falls through to the rejection
        }
        throw new IllegalArgumentException("output '" + name + "' (pin " + pin + ") cannot be set to '" + requested
                + "': allowed is a whole number, 0 or more");
    }

    @Override
    public String apply(String requested) {
        String target = normalize(requested);
        if (closed) {
            throw new IllegalStateException("output '" + name + "' is closed");
        }
        if (failing) {
            throw new ActuatorException("output '" + name + "' (pin " + pin + ") could not be set to " + target
                    + ": the test's driver always fails", null);
        }
        state = target;
        applied.add(target);
        return target;
    }

    @Override
    public String state() {
        return state;
    }

    @Override
    public String offState() {
        return "0";
    }

    /** Counted apart from applied states, so that the history holds only what commands set. */
    @Override
    public void off() {
        offCalls.incrementAndGet();
        state = "0";
    }

    @Override
    public void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }

    int offCalls() {
        return offCalls.get();
    }

    int appliedSoFar() {
        return applied.size();
    }

    /** Takes the states applied since the last call: waits until {@code expected} or the timeout. */
    List<String> drain(int expected, long timeoutNanos) throws InterruptedException {
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeoutNanos;
        while (out.size() < expected) {
            String s = applied.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (s == null) {
                break;
            }
            out.add(s);
        }
        applied.drainTo(out);
        return out;
    }
}
