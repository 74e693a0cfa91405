package dev.edgeflow.benchmarks.bridge;

import dev.edgeflow.testkit.FaultProxy;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The testkit's {@link FaultProxy} as a program of its own, for {@code bridge-overload-hivemq.sh}:
 * between the bridge's sink and broker B it limits the bytes per second towards B, so that B
 * takes the bridge's publishes slower than the publisher fills broker A. Prints
 * {@code listening mqtt://127.0.0.1:PORT} once it accepts connections, runs until SIGTERM, then
 * prints a {@code final} line with its byte counters; both on stdout.
 */
public final class ProxyMain {
    private static final String USAGE = "usage: ProxyMain --target host:port [--upstream-bytes-per-second 0]"
            + " [--downstream-bytes-per-second 0] [--name target]";

    private ProxyMain() {
    }

    public static void main(String[] argv) throws InterruptedException {
        Args args = new Args(argv, Set.of("target", "upstream-bytes-per-second", "downstream-bytes-per-second",
                "name"), USAGE);
        String target = args.string("target", null);
        if (target == null) {
            throw new IllegalArgumentException("--target host:port is required\n" + USAGE);
        }
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1) {
            throw new IllegalArgumentException("--target must be host:port, such as 127.0.0.1:1883, was '" + target
                    + "'");
        }
        int port;
        try {
            port = Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--target must be host:port with a numeric port, was '" + target
                    + "'", e);
        }
        int upstream = args.integer("upstream-bytes-per-second", 0);
        int downstream = args.integer("downstream-bytes-per-second", 0);

        FaultProxy proxy = FaultProxy.to(target.substring(0, colon), port).name(args.string("name", "target"))
                .start()
                .upstreamBandwidth(upstream)
                .downstreamBandwidth(downstream);
        long started = System.nanoTime();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            double seconds = (System.nanoTime() - started) / 1e9;
            proxy.close();
            System.out.printf(Locale.ROOT, "final bytesUpstream=%d bytesDownstream=%d connectionsAccepted=%d"
                            + " upstreamBytesPerSecondLimit=%d downstreamBytesPerSecondLimit=%d runningSeconds=%.1f%n",
                    proxy.bytesUpstream(), proxy.bytesDownstream(), proxy.connectionsAccepted(), upstream, downstream,
                    seconds);
            System.out.flush();
            stopped.countDown();
        }, "proxy-shutdown"));
        System.out.println("listening " + proxy.uri("mqtt"));
        System.out.flush();
        // The main thread has nothing more to do; the JVM exits on SIGTERM through the hook.
        stopped.await();
    }
}
