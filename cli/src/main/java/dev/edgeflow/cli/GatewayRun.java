package dev.edgeflow.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The life of {@code edgeflow run}, apart from what is run: start, a status line every
 * {@code --status-interval}, and on SIGTERM or Ctrl-C a stop that drains within {@code --drain},
 * ending with an exit code that says how it went ({@link ExitCodes#OK} drained,
 * {@link ExitCodes#NOT_DRAINED} not, {@link ExitCodes#FAILURE} the start or the stop failed).
 *
 * <p>A signal starts the JVM's shutdown, during which {@code System.exit} cannot set the exit
 * status (the JVM would end with 143 after SIGTERM whatever happened). So the shutdown hook asks
 * the running thread to stop, waits for it up to the drain deadline and a margin, and then ends
 * the JVM with {@link Runtime#halt(int)} and the code the stop earned. Other shutdown hooks still
 * running at that moment are cut short; edgeflow registers none of its own.
 *
 * @since 0.1.0
 */
public final class GatewayRun {
    /** Beyond the drain deadline, how long closing the connections may take before the hook gives up. */
    static final Duration STOP_MARGIN = Duration.ofSeconds(5);

    /**
     * What {@code run} drives: a gateway that has started.
     *
     * @since 0.1.0
     */
    public interface Running {
        /**
         * Returns one line of counters for the periodic status.
         *
         * @return e.g. {@code route uplink: received=10 forwarded=10 buffered=0 dropped=0}
         */
        String statusLine();

        /**
         * Stops, draining for up to {@code drain}; blocks until stopped.
         *
         * @param drain the deadline for what is in flight
         * @return how it went
         */
        Stopped stop(Duration drain);
    }

    /**
     * How a stop went.
     *
     * @param drained whether every message in flight was settled before the deadline
     * @param summary one line for a person, e.g. {@code drained in 120ms, 0 left}
     * @since 0.1.0
     */
    public record Stopped(boolean drained, String summary) {
        /**
         * Creates the result.
         *
         * @param drained whether everything was settled
         * @param summary one line for a person
         */
        public Stopped {
            Objects.requireNonNull(summary, "summary");
        }
    }

    private final Duration statusInterval;
    private final Duration drain;
    private final PrintWriter out;
    private final PrintWriter err;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile int exitCode = ExitCodes.FAILURE;
    private volatile String stopCause = "stop requested";

    /**
     * Prepares a run.
     *
     * @param statusInterval how often to print the status line; zero for never
     * @param drain how long a stop may drain
     * @param out where the status lines and the stop report go
     * @param err where failures go
     */
    public GatewayRun(Duration statusInterval, Duration drain, PrintWriter out, PrintWriter err) {
        this.statusInterval = Objects.requireNonNull(statusInterval, "statusInterval");
        this.drain = Objects.requireNonNull(drain, "drain");
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
    }

    /**
     * Starts what {@code starter} gives, runs it until {@link #requestStop(String)} (which the
     * shutdown hook calls on SIGTERM and Ctrl-C), then stops it. Blocks until stopped.
     *
     * @param starter starts the gateway; a {@link RuntimeException} from it is a failed start
     * @param onSignal whether to install the shutdown hook that turns SIGTERM into a stop and the
     *     stop's outcome into the process's exit status
     * @return the exit code: {@link ExitCodes#OK}, {@link ExitCodes#NOT_DRAINED} or {@link ExitCodes#FAILURE}
     */
    public int run(Supplier<? extends Running> starter, boolean onSignal) {
        Running gateway;
        try {
            gateway = starter.get();
        } catch (RuntimeException e) {
            err.println("edgeflow run: the gateway did not start: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
        Thread hook = new Thread(this::onShutdown, "edgeflow-shutdown");
        if (onSignal) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
        out.println("edgeflow run: started; " + (statusInterval.isZero() ? "no status lines"
                : "status every " + describe(statusInterval)) + ", drain deadline "
                + describe(drain) + " on SIGTERM or Ctrl-C");
        out.flush();
        markClassDataArchive();
        ScheduledExecutorService status = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgeflow-status");
            t.setDaemon(true);
            return t;
        });
        if (!statusInterval.isZero()) {
            status.scheduleAtFixedRate(() -> printStatus(gateway), statusInterval.toNanos(), statusInterval.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopCause = "interrupted";
        }
        status.shutdownNow();
        int code;
        try {
            out.println("edgeflow run: stopping (" + stopCause + "), draining for up to " + describe(drain));
            out.flush();
            Stopped stopped = gateway.stop(drain);
            out.println("edgeflow run: stopped, " + stopped.summary());
            code = stopped.drained() ? ExitCodes.OK : ExitCodes.NOT_DRAINED;
        } catch (RuntimeException e) {
            err.println("edgeflow run: the stop failed: " + e.getMessage());
            code = ExitCodes.FAILURE;
        }
        out.flush();
        err.flush();
        exitCode = code;
        finished.countDown();
        return code;
    }

    /**
     * Asks a running {@link #run} to stop. Idempotent; does not block.
     *
     * @param cause why, for the log line
     */
    public void requestStop(String cause) {
        if (stopRequested.getCount() > 0) {
            stopCause = cause;
        }
        stopRequested.countDown();
    }

    private void printStatus(Running gateway) {
        try {
            out.println("status " + gateway.statusLine());
            out.flush();
        } catch (RuntimeException e) {
            err.println("edgeflow run: cannot read the status: " + e.getMessage());
            err.flush();
        }
    }

    private void onShutdown() {
        requestStop("signal");
        boolean stopped;
        try {
            stopped = finished.await(drain.plus(STOP_MARGIN).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            stopped = false;
        }
        if (!stopped) {
            err.println("edgeflow run: not stopped within the drain deadline of " + describe(drain) + " and "
                    + describe(STOP_MARGIN) + " more; exiting with messages in flight");
            exitCode = ExitCodes.NOT_DRAINED;
        }
        out.flush();
        err.flush();
        Runtime.getRuntime().halt(exitCode);
    }

    static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    /**
     * The system property with which the launcher names the class-data archive this JVM writes
     * as it exits ({@code -XX:ArchiveClassesAtExit}).
     */
    static final String CDS_ARCHIVE_PROPERTY = "edgeflow.cds.archive";

    /**
     * Tells the launcher that this run started its gateway, so that the archive it writes at exit
     * holds a gateway's classes: the launcher takes an archive only with this mark, and one
     * written by a run that failed to start (a bad file, a broker that refused) is made again.
     */
    private void markClassDataArchive() {
        String archive = System.getProperty(CDS_ARCHIVE_PROPERTY);
        if (archive == null || archive.isBlank()) {
            return;
        }
        try {
            Files.writeString(Path.of(archive + ".started"), "");
        } catch (IOException | RuntimeException e) {
            err.println("edgeflow run: cannot mark the class-data archive " + archive + " (" + e
                    + "); the next start makes it again");
            err.flush();
        }
    }
}
