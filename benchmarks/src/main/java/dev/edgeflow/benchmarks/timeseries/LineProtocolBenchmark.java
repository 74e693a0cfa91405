package dev.edgeflow.benchmarks.timeseries;

import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.influx.internal.GrowableBytes;
import dev.edgeflow.timeseries.influx.internal.GzipCompressor;
import dev.edgeflow.timeseries.influx.internal.LineProtocolEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.influxdb.dto.BatchPoints;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Line protocol encoding of a 500-point batch into the bytes that go on the wire: edgeflow's
 * encoder (the one {@code InfluxDbStore} uses) against the official InfluxDB 1.x Java client
 * ({@code org.influxdb:influxdb-java}), whose {@code BatchPoints.lineProtocol()} joins each
 * point's {@code Point.lineProtocol()}; its HTTP layer then encodes that String as UTF-8, so the
 * peer's figure includes {@code getBytes(UTF_8)}.
 *
 * <ul>
 *   <li>{@code edgeflow}: the store's path: encode the batch into the reused buffer.</li>
 *   <li>{@code edgeflowGzip}: the same, then gzip with the store's reused deflater (the default).</li>
 *   <li>{@code clientPrebuilt}: the client encoding points that already exist as its own
 *       {@code Point}s.</li>
 *   <li>{@code clientFromReadings}: what an application pays with the client: build its
 *       {@code Point}s from the readings, then encode.</li>
 * </ul>
 *
 * <p>Scores are ns per point ({@code @OperationsPerInvocation(500)}); with {@code -prof gc},
 * {@code gc.alloc.rate.norm} is bytes allocated per point.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LineProtocolBenchmark {
    static final int BATCH = 500;

    private List<Point> readings;
    private List<org.influxdb.dto.Point> clientPoints;
    private LineProtocolEncoder encoder;
    private GrowableBytes lines;
    private GrowableBytes compressed;
    private GzipCompressor gzip;

    @Setup
    public void setUp() {
        readings = InfluxReadings.batch(BATCH, Instant.parse("2026-12-07T10:00:00Z"), "pi-");
        clientPoints = new ArrayList<>();
        for (Point p : readings) {
            clientPoints.add(InfluxReadings.toClientPoint(p));
        }
        encoder = new LineProtocolEncoder(InfluxReadings.MEASUREMENT, ChronoUnit.MILLIS);
        lines = new GrowableBytes(64 * 1024);
        compressed = new GrowableBytes(16 * 1024);
        gzip = new GzipCompressor();
        checkSameLines(encoder.encodeToString(readings), clientBatch(clientPoints).lineProtocol());
    }

    /**
     * Checks that both encoders write the same series, values and times. The text of a value may
     * differ: the client formats 40.0 as {@code 40} (a float all the same in line protocol).
     */
    static void checkSameLines(String ours, String theirs) {
        String[] a = ours.split("\n");
        String[] b = theirs.split("\n");
        if (a.length != b.length) {
            throw new IllegalStateException(a.length + " lines against " + b.length);
        }
        for (int i = 0; i < a.length; i++) {
            String[] x = a[i].split(" ");
            String[] y = b[i].split(" ");
            boolean same = x.length == 3 && y.length == 3 && x[0].equals(y[0]) && x[2].equals(y[2]);
            String[] fx = x[1].split(",");
            String[] fy = y[1].split(",");
            same &= fx.length == fy.length;
            for (int f = 0; same && f < fx.length; f++) {
                String[] kx = fx[f].split("=");
                String[] ky = fy[f].split("=");
                same = kx[0].equals(ky[0]) && Double.parseDouble(kx[1]) == Double.parseDouble(ky[1]);
            }
            if (!same) {
                throw new IllegalStateException("the encoders differ at line " + i + ":\n" + a[i] + "\n" + b[i]);
            }
        }
    }

    @TearDown
    public void tearDown() {
        gzip.close();
    }

    private static BatchPoints clientBatch(List<org.influxdb.dto.Point> points) {
        return BatchPoints.database("iot").precision(TimeUnit.MILLISECONDS).points(points).build();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int edgeflow() {
        lines.reset();
        encoder.encode(readings, lines);
        return lines.length();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int edgeflowGzip() {
        lines.reset();
        encoder.encode(readings, lines);
        gzip.compress(lines.array(), 0, lines.length(), compressed);
        return compressed.length();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int clientPrebuilt() {
        return clientBatch(clientPoints).lineProtocol().getBytes(StandardCharsets.UTF_8).length;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int clientFromReadings() {
        List<org.influxdb.dto.Point> points = new ArrayList<>(BATCH);
        for (Point p : readings) {
            points.add(InfluxReadings.toClientPoint(p));
        }
        return clientBatch(points).lineProtocol().getBytes(StandardCharsets.UTF_8).length;
    }
}
