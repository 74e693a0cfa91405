package dev.edgeflow.examples;

import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.StopReport;
import dev.edgeflow.dashboard.Dashboard;
import dev.edgeflow.mqtt.MqttConnection;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import dev.edgeflow.timeseries.TimeSeriesException;
import dev.edgeflow.timeseries.TimeSeriesSink;
import dev.edgeflow.timeseries.TimeSeriesSinkStats;
import dev.edgeflow.timeseries.analysis.AlertStage;
import dev.edgeflow.timeseries.jdbc.JdbcTimeSeriesStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edgeflow demo: simulated Raspberry Pi sensors publish to an MQTT broker (an embedded one
 * unless {@code --broker} names another); a pipeline subscribes there and sends the readings
 * through the tutorial's log and alert handlers and an anomaly stage into a JSON lines file and
 * an embedded time-series database, and a dashboard at {@code http://localhost:8080} shows the
 * devices, their readings live, their daily statistics and the alerts. Needs no installed
 * broker, database or cloud account.
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.Demo
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.Demo -Dexec.args="--duration 10"
 * </pre>
 *
 * <p>Every few seconds it logs the pipeline's counters, like the tutorial bridge's status line.
 * Ctrl-C (or the end of {@code --duration}) stops the sensors, lets what they already read drain
 * into the file for up to {@value #DRAIN_SECONDS} seconds, and prints what became of every reading.
 */
public final class Demo {
    static final int DRAIN_SECONDS = 5;
    private static final Duration DRAIN_DEADLINE = Duration.ofSeconds(DRAIN_SECONDS);
    private static final Duration STATUS_INTERVAL = Duration.ofSeconds(5);
    /** Rotating at 10 MB keeps a demo left running overnight to a few files. */
    private static final String JSONL_QUERY = "maxBytes=10MB";
    private static final Logger LOG = LoggerFactory.getLogger("edgeflow.demo");
    private static final Logger ANOMALY_LOG = LoggerFactory.getLogger("edgeflow.demo.anomalies");

    private final DemoOptions options;
    private final EmbeddedMqttBroker embeddedBroker;
    private final String brokerUri;
    private final SimulatedSensorSource sensors;
    private final MqttSink devicesOut;
    private final Pipeline devices;
    private final MqttSource readingsIn;
    private final Sink readings;
    private final Sink deadLetters;
    private final JdbcTimeSeriesStore database;
    private final TimeSeriesSink store;
    private final AlertStage anomalies;
    private final Dashboard dashboard;
    private final Pipeline pipeline;
    private final ScheduledExecutorService status;
    private final LongAdder alerts = new LongAdder();
    private final long startNanos = System.nanoTime();
    /** Set as soon as a stop begins, so that the main thread can tell its end from Ctrl-C's. */
    private volatile boolean stopping;
    private boolean stopped;

    private Demo(DemoOptions options, EmbeddedMqttBroker embeddedBroker, String brokerUri, Sink readings,
            Sink deadLetters, JdbcTimeSeriesStore database, Dashboard dashboard) {
        this.options = options;
        this.embeddedBroker = embeddedBroker;
        this.brokerUri = brokerUri;
        this.readings = readings;
        this.deadLetters = deadLetters;
        this.database = database;
        this.dashboard = dashboard;
        this.store = TimeSeriesSink.builder(database).name("store").build();
        this.anomalies = DemoPipeline.anomalies();
        this.sensors = SimulatedSensorSource.builder()
                .devices(options.devices())
                .ratePerDevice(options.ratePerDevice())
                .spikeProbability(0.01)
                // About one reading in a thousand arrives cut short, to show the dead-letter path.
                .garbleProbability(0.001)
                .build();
        // The gateway's side: subscribe at the broker; each reading is acknowledged to the
        // broker only once it is in the file (or dead-lettered with its reason).
        this.readingsIn = MqttSource.builder()
                .connection(MqttConnection.builder().serverUri(brokerUri).clientId("edgeflow-demo-gateway").build())
                .subscribe(DemoPipeline.READING_TOPICS)
                .name("broker")
                .build();
        Consumer<Message> logAlert = DemoPipeline.logAlert();
        Consumer<Message> toDashboard = dashboard.alertsTap();
        this.pipeline = DemoPipeline.steps(readingsIn, message -> {
                    alerts.increment();
                    logAlert.accept(message);
                })
                .tap("anomalies", anomalies.tap(alert -> {
                    ANOMALY_LOG.info("{}", alert.payloadAsString());
                    toDashboard.accept(alert);
                }))
                .tap("dashboard", dashboard.readingsTap())
                .route(DemoPipeline.READING_TOPICS, readings)
                .route(DemoPipeline.READING_TOPICS, store)
                .deadLetter(deadLetters)
                .start();
        // The devices start once the gateway's subscription stands: a broker drops what is
        // published to a topic nobody subscribes to.
        awaitReady(readingsIn);
        // The devices' side: each reading is published to the broker at QoS 1.
        this.devicesOut = MqttSink.builder()
                .connection(MqttConnection.builder().serverUri(brokerUri).clientId("edgeflow-demo-devices").build())
                .qos(Qos.AT_LEAST_ONCE)
                .name("devices")
                .build();
        this.devices = Pipeline.from(sensors).name("devices").to(devicesOut).start();
        this.status = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgeflow-demo-status");
            t.setDaemon(true);
            return t;
        });
        status.scheduleAtFixedRate(() -> LOG.info("status: {}", pipeline.stats()), STATUS_INTERVAL.toNanos(),
                STATUS_INTERVAL.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static void awaitReady(MqttSource source) {
        try {
            source.awaitReady(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to the broker", e);
        }
    }

    /**
     * Runs the demo.
     *
     * @param args {@code --rate}, {@code --devices}, {@code --duration}, {@code --out}; {@code --help}
     *     lists them
     */
    public static void main(String[] args) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage());
            System.err.println(DemoOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(DemoOptions.USAGE);
            return;
        }

        Demo demo;
        try {
            demo = start(options);
        } catch (RuntimeException e) {
            System.err.println("demo: " + e.getMessage());
            System.exit(1);
            return;
        }
        Thread hook = new Thread(demo::stopAndReport, "edgeflow-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        demo.awaitEnd();
        demo.stopAndReport();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // Ctrl-C came as the duration ended: the hook finds the demo stopped and returns.
        }
    }

    private static Demo start(DemoOptions options) {
        Path out = options.out().toAbsolutePath();
        Path deadLetterFile = options.deadLetterFile().toAbsolutePath();
        try {
            Files.createDirectories(out.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory for " + out + ": " + e, e);
        }
        URI readingsUri = jsonlUri(out);
        Sink readings = Connectors.sink(readingsUri);
        Sink deadLetters;
        try {
            deadLetters = Connectors.sink(jsonlUri(deadLetterFile));
        } catch (RuntimeException e) {
            readings.close();
            throw e;
        }
        String end = options.duration().isZero()
                ? "Ctrl-C to stop"
                : "stopping after " + options.duration().toSeconds() + " s";
        EmbeddedMqttBroker embedded = null;
        JdbcTimeSeriesStore database = null;
        Dashboard dashboard = null;
        String brokerUri = options.broker();
        try {
            try {
                database = JdbcTimeSeriesStore.h2(options.storeDirectory());
            } catch (TimeSeriesException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            dashboard = Dashboard.builder().queries(database).port(options.port()).start();
            if (brokerUri == null) {
                embedded = EmbeddedMqttBroker.builder().start();
                brokerUri = embedded.uri();
            }
            LOG.info("edgeflow demo: {} simulated device(s) at {} reading(s)/s each -> MQTT broker {}{} -> {} and the "
                    + "store {}; alerts above {} °C and anomalies; {}", options.devices(), options.ratePerDevice(),
                    brokerUri, embedded == null ? "" : " (embedded)", readingsUri, database.name(),
                    DemoPipeline.HIGH_TEMPERATURE_CELSIUS, end);
            Demo demo = new Demo(options, embedded, brokerUri, readings, deadLetters, database, dashboard);
            System.out.println("edgeflow demo: the dashboard is at " + dashboardUrl(dashboard));
            return demo;
        } catch (RuntimeException e) {
            readings.close();
            deadLetters.close();
            if (dashboard != null) {
                dashboard.close();
            }
            if (database != null) {
                database.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /** The dashboard's address as a person types it: localhost rather than the loopback address. */
    static String dashboardUrl(Dashboard dashboard) {
        return "http://localhost:" + dashboard.port() + "/";
    }

    /**
     * Returns the {@code jsonl} connector URI of a file: the form a configuration file would
     * hold. The URI constructor escapes what needs escaping (spaces, {@code #}) in the path.
     */
    static URI jsonlUri(Path file) {
        try {
            // An empty authority gives jsonl:///path, the form with a path and no host.
            return new URI("jsonl", "", file.toAbsolutePath().toString(), JSONL_QUERY, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot make a jsonl URI of " + file + ": " + e.getMessage(), e);
        }
    }

    /** Blocks until {@code --duration} is up, or the sensors ended; with no duration, until Ctrl-C. */
    private void awaitEnd() {
        CompletableFuture<PipelineStats> done = devices.completion().toCompletableFuture();
        Duration duration = options.duration();
        try {
            if (duration.isZero()) {
                done.get();
            } else {
                done.get(duration.toNanos(), TimeUnit.NANOSECONDS);
            }
            if (!stopping) {
                LOG.info("the sensors stopped on their own");
            }
        } catch (TimeoutException durationIsUp) {
            LOG.info("{} s are up, stopping", duration.toSeconds());
        } catch (ExecutionException e) {
            LOG.error("the pipeline ended with an error", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the sensors, drains the pipeline for up to {@link #DRAIN_DEADLINE}, closes the sinks
     * and prints the final report. Runs once, from the main thread or from the shutdown hook.
     */
    private synchronized void stopAndReport() {
        if (stopped) {
            return;
        }
        stopped = true;
        stopping = true;
        status.shutdownNow();
        long deadline = System.nanoTime() + DRAIN_DEADLINE.toNanos();
        // Let the readings already taken reach the file: the sensors end their input, the devices'
        // pipeline completes once the broker has them, and the gateway's pipeline takes them in.
        sensors.complete();
        try {
            devices.completion().toCompletableFuture().get(DRAIN_DEADLINE.toNanos(), TimeUnit.NANOSECONDS);
            while (pipeline.stats().received() < devicesOut.publishedCount() && System.nanoTime() < deadline) {
                Thread.sleep(20); // the broker hands them over within milliseconds
            }
        } catch (TimeoutException | ExecutionException e) {
            // stop() below gives what is left the rest of the deadline and reports on it.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long leftMillis = TimeUnit.NANOSECONDS.toMillis(Math.max(0, deadline - System.nanoTime()));
        StopReport report = pipeline.stop(Duration.ofMillis(leftMillis));
        devices.stop(Duration.ZERO);
        readingsIn.close();
        devicesOut.close();
        sensors.close();
        readings.close();
        store.close();
        deadLetters.close();
        dashboard.close();
        database.close();
        if (embeddedBroker != null) {
            embeddedBroker.close();
        }
        printReport(report, System.out);
    }

    private void printReport(StopReport report, PrintStream out) {
        PipelineStats stats = report.stats();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        out.println();
        out.printf(Locale.ROOT, "edgeflow demo stopped after %.1f s%s%n", seconds,
                report.drained() ? ", every reading settled" : ", at the drain deadline of " + DRAIN_SECONDS + " s");
        out.printf(Locale.ROOT, "  sensors   %d device(s) at %s reading(s)/s each: %d read, %d skipped"
                + " for lack of room%n", options.devices(), options.ratePerDevice(), sensors.produced(),
                sensors.skipped());
        out.printf(Locale.ROOT, "  mqtt      %s: %d published by the devices, %d received by the pipeline%n",
                brokerUri + (embeddedBroker == null ? "" : " (embedded)"), devicesOut.publishedCount(),
                readingsIn.receivedCount());
        out.println("  pipeline  " + stats);
        out.printf(Locale.ROOT, "  alerts    %d reading(s) above %s °C; anomalies: %d raised, %d cleared%n",
                alerts.sum(), DemoPipeline.HIGH_TEMPERATURE_CELSIUS, anomalies.raisedCount(), anomalies.clearedCount());
        TimeSeriesSinkStats stored = store.stats();
        out.printf(Locale.ROOT, "  store     %s: %d reading(s) written in %d batch(es), %d rejected%n", database.name(),
                stored.written(), stored.batches(), stored.rejected());
        out.println("  dashboard " + dashboardUrl(dashboard) + " (stopped)");
        out.printf(Locale.ROOT, "  stop      drained=%s nackedUnsent=%d stillInFlight=%d%n", report.drained(),
                report.nackedUnsent(), report.stillInFlight());
        out.println("  readings  " + options.out().toAbsolutePath());
        if (stats.deadLettered() > 0) {
            out.println("  invalid   " + options.deadLetterFile().toAbsolutePath());
        }
        out.flush();
    }
}
