package dev.edgeflow.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A gateway for {@link GatewayRun} to drive: counts its status reads, and on stop either settles
 * at once or holds its messages past any deadline, as a gateway whose cloud is gone does.
 * {@link #main(String[])} runs it as {@code edgeflow run} would, for the tests that signal a process.
 */
final class FakeGateway implements GatewayRun.Running {
    final AtomicLong statusReads = new AtomicLong();
    final AtomicReference<Duration> stoppedWith = new AtomicReference<>();
    private final boolean drains;
    private final CountDownLatch never = new CountDownLatch(1);

    FakeGateway(boolean drains) {
        this.drains = drains;
    }

    @Override
    public String statusLine() {
        return "route uplink: received=" + statusReads.incrementAndGet() + " forwarded=0 buffered=0 dropped=0";
    }

    @Override
    public GatewayRun.Stopped stop(Duration drain) {
        stoppedWith.set(drain);
        if (drains) {
            return new GatewayRun.Stopped(true, "drained in 1ms, 0 left");
        }
        try {
            // Holds what is in flight for the whole deadline, then gives up on it.
            never.await(drain.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new GatewayRun.Stopped(false, "not drained in " + drain.toMillis() + "ms: 3 left (route uplink: 3)");
    }

    /**
     * Runs a fake gateway until SIGTERM.
     *
     * @param args {@code drains} or {@code holds}, then the drain deadline in milliseconds
     */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        GatewayRun run = new GatewayRun(Duration.ofMillis(200), Duration.ofMillis(Long.parseLong(args[1])), out, err);
        System.exit(run.run(() -> new FakeGateway(args[0].equals("drains")), true));
    }
}
