package dev.edgeflow.benchmarks.timeseries;

import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.influx.InfluxDbStore;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.influxdb.InfluxDB;
import org.influxdb.InfluxDBFactory;
import org.influxdb.dto.BatchPoints;
import org.influxdb.dto.Query;
import org.influxdb.dto.QueryResult;

/**
 * End-to-end write throughput into a real influxd 1.x (started by
 * {@code benchmarks/influx-vs-client.sh}): {@code --points} readings in batches of {@code --batch},
 * one blocking write after the other from one thread, through edgeflow's {@link InfluxDbStore} and
 * through the official v1 client's blocking {@code InfluxDB.write(BatchPoints)}
 * ({@code org.influxdb:influxdb-java}, batching off), alternating which goes first, {@code --rounds}
 * times. Both start from the same edgeflow {@link Point}s; the client's path includes building its
 * own points from them, as an application would. Both compress with gzip or neither
 * ({@code --gzip}). Each path writes its own 16 devices per round, so both insert new series, and
 * the run checks the stored count of each. Prints a RESULT line per round: points/s of each and
 * the ratio edgeflow / client, then the medians.
 */
public final class InfluxWriteBenchMain {
    private static final String DATABASE = "bench";

    private InfluxWriteBenchMain() {
    }

    public static void main(String[] argv) throws Exception {
        String url = arg(argv, "--url", null);
        int points = Integer.parseInt(arg(argv, "--points", "200000"));
        int batch = Integer.parseInt(arg(argv, "--batch", "500"));
        int rounds = Integer.parseInt(arg(argv, "--rounds", "3"));
        int warmup = Integer.parseInt(arg(argv, "--warmup", "50000"));
        boolean gzip = Boolean.parseBoolean(arg(argv, "--gzip", "true"));
        if (url == null) {
            System.err.println("usage: InfluxWriteBenchMain --url http://127.0.0.1:PORT [--points N] [--batch B]"
                    + " [--rounds R] [--warmup N] [--gzip true|false]");
            System.exit(2);
        }
        InfluxDB client = InfluxDBFactory.connect(url);
        if (gzip) {
            client.enableGzip();
        }
        client.query(new Query("CREATE DATABASE " + DATABASE));
        double[] ours = new double[rounds];
        double[] theirs = new double[rounds];
        try (InfluxDbStore store = InfluxDbStore.v1(URI.create(url), DATABASE).gzip(gzip).build()) {
            // Warm-up: both paths, their own devices, not counted.
            writeEdgeflow(store, batches(warmup, batch, "warm-ef-"));
            writeClient(client, batches(warmup, batch, "warm-cl-"));
            for (int r = 0; r < rounds; r++) {
                List<List<Point>> a = batches(points, batch, "ef-r" + r + "-");
                List<List<Point>> b = batches(points, batch, "cl-r" + r + "-");
                long efNanos;
                long clNanos;
                if (r % 2 == 0) {
                    efNanos = writeEdgeflow(store, a);
                    clNanos = writeClient(client, b);
                } else {
                    clNanos = writeClient(client, b);
                    efNanos = writeEdgeflow(store, a);
                }
                check(client, "ef-r" + r + "-", points);
                check(client, "cl-r" + r + "-", points);
                ours[r] = points / (efNanos / 1e9);
                theirs[r] = points / (clNanos / 1e9);
                System.out.printf(Locale.ROOT, "RESULT round=%d points=%d batch=%d gzip=%s edgeflow=%.0f points/s"
                        + " client=%.0f points/s ratio=%.2f%n", r + 1, points, batch, gzip, ours[r], theirs[r],
                        ours[r] / theirs[r]);
            }
        } finally {
            client.close();
        }
        double mo = median(ours);
        double mt = median(theirs);
        System.out.printf(Locale.ROOT, "RESULT median gzip=%s edgeflow=%.0f points/s client=%.0f points/s ratio=%.2f%n",
                gzip, mo, mt, mo / mt);
        System.exit(0);
    }

    private static List<List<Point>> batches(int points, int batch, String devicePrefix) {
        List<List<Point>> batches = new ArrayList<>();
        Instant start = Instant.parse("2026-12-07T00:00:00Z");
        for (int done = 0; done < points; done += batch) {
            int size = Math.min(batch, points - done);
            // 16 devices, and every point's time differs from the others of its device.
            batches.add(InfluxReadings.batch(size, start.plusMillis(done), devicePrefix));
        }
        return batches;
    }

    private static long writeEdgeflow(InfluxDbStore store, List<List<Point>> batches) throws Exception {
        long t0 = System.nanoTime();
        for (List<Point> b : batches) {
            store.write(b);
        }
        return System.nanoTime() - t0;
    }

    private static long writeClient(InfluxDB client, List<List<Point>> batches) {
        long t0 = System.nanoTime();
        for (List<Point> b : batches) {
            BatchPoints.Builder points = BatchPoints.database(DATABASE).precision(TimeUnit.MILLISECONDS);
            for (Point p : b) {
                points.point(InfluxReadings.toClientPoint(p));
            }
            client.write(points.build());
        }
        return System.nanoTime() - t0;
    }

    private static void check(InfluxDB client, String devicePrefix, int expected) {
        QueryResult result = client.query(new Query("SELECT COUNT(temperature) FROM " + InfluxReadings.MEASUREMENT
                + " WHERE device_id =~ /^" + devicePrefix + "/", DATABASE));
        long count = ((Number) result.getResults().get(0).getSeries().get(0).getValues().get(0).get(1)).longValue();
        if (count != expected) {
            throw new IllegalStateException(devicePrefix + ": stored " + count + " points, wrote " + expected);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String arg(String[] argv, String name, String fallback) {
        for (int i = 0; i + 1 < argv.length; i++) {
            if (argv[i].equals(name)) {
                return argv[i + 1];
            }
        }
        return fallback;
    }
}
