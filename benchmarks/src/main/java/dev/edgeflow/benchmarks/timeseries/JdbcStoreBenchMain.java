package dev.edgeflow.benchmarks.timeseries;

import dev.edgeflow.core.Message;
import dev.edgeflow.testkit.PostgresServer;
import dev.edgeflow.timeseries.DailyStatistics;
import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.TimeSeriesSink;
import dev.edgeflow.timeseries.TimeSeriesSinkStats;
import dev.edgeflow.timeseries.jdbc.JdbcTimeSeriesStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@link JdbcTimeSeriesStore} on H2 (a file) or PostgreSQL (a private server this main starts
 * with the testkit's {@link PostgresServer}, default settings, so commits are fsynced), run by
 * {@code benchmarks/timeseries-jdbc.sh}:
 *
 * <ol>
 *   <li><b>write</b>: {@code --readings} readings of three fields (three rows each) for 16
 *       devices, through {@link JdbcTimeSeriesStore#write(List)} in batches of {@code --batch}
 *       readings, one after the other from one thread; and the naive peer, plain JDBC with
 *       auto-commit and one INSERT statement per row into a table of the same schema, for
 *       {@code --naive} readings. Alternating which goes first, {@code --rounds} times, after a
 *       warm-up of both. RESULT lines give readings/s and the ratio store / naive.</li>
 *   <li><b>sink</b>: {@code --sink} JSON readings through a {@link TimeSeriesSink} on the store
 *       (batches of {@code --batch}, at most 1000 sends in flight, as a pipeline's cap would
 *       keep), clock stopped when every send has completed.</li>
 *   <li><b>load</b>: {@code --load} one-field readings (10 devices, one reading per device every
 *       10 s from 2024-01-01) with {@code INSERT ... SELECT} from the database's row generator,
 *       one million rows per transaction, into a fresh table with the store's schema and key.</li>
 *   <li><b>query</b>: latency of {@code daily}, {@code statistics}, {@code recent} and
 *       {@code devices} over that table: one untimed run, then {@code --queries} timed runs;
 *       each result is checked against the known row counts.</li>
 * </ol>
 */
public final class JdbcStoreBenchMain {
    private static final String[] FIELDS = {"humidity", "pressure", "temperature"};
    private static final int LOAD_DEVICES = 10;
    private static final Instant LOAD_START = Instant.parse("2024-01-01T00:00:00Z");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private JdbcStoreBenchMain() {
    }

    public static void main(String[] argv) throws Exception {
        String backend = arg(argv, "--backend", null);
        int readings = Integer.parseInt(arg(argv, "--readings", "200000"));
        int naive = Integer.parseInt(arg(argv, "--naive", "10000"));
        int batch = Integer.parseInt(arg(argv, "--batch", "500"));
        int rounds = Integer.parseInt(arg(argv, "--rounds", "3"));
        int sinkReadings = Integer.parseInt(arg(argv, "--sink", "200000"));
        long load = Long.parseLong(arg(argv, "--load", "10000000"));
        int queries = Integer.parseInt(arg(argv, "--queries", "5"));
        if (!"h2".equals(backend) && !"postgres".equals(backend)) {
            System.err.println("usage: JdbcStoreBenchMain --backend h2|postgres [--readings N] [--naive N] [--batch B]"
                    + " [--rounds R] [--sink N] [--load ROWS] [--queries Q]");
            System.exit(2);
        }
        System.out.printf(Locale.ROOT, "# %s, JDK %s, %d cores%n", backend, Runtime.version(),
                Runtime.getRuntime().availableProcessors());
        if (backend.equals("h2")) {
            Path dir = Files.createTempDirectory("edgeflow-bench-h2-");
            try {
                run(new H2Target(dir), readings, naive, batch, rounds, sinkReadings, load, queries);
            } finally {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } else {
            try (PostgresServer server = PostgresServer.start()) {
                System.out.println("# " + server + ", " + serverVersion(server));
                run(new PostgresTarget(server), readings, naive, batch, rounds, sinkReadings, load, queries);
            }
        }
    }

    private static void run(Target target, int readings, int naive, int batch, int rounds, int sinkReadings, long load,
            int queries) throws Exception {
        if (readings > 0) {
            writes(target, readings, naive, batch, rounds);
        }
        if (sinkReadings > 0) {
            sink(target, sinkReadings, batch);
        }
        if (load > 0) {
            loadAndQuery(target, load, queries);
        }
    }

    // ---------------------------------------------------------------- write throughput

    private static void writes(Target target, int readings, int naive, int batch, int rounds) throws Exception {
        try (JdbcTimeSeriesStore store = target.store("readings");
                JdbcTimeSeriesStore naiveTable = target.store("naive_readings");
                Connection plain = target.connect()) {
            String insert = "INSERT INTO naive_readings (device_id, ts, field, " + target.valueColumn() + ") "
                    + "VALUES (?, ?, ?, ?)";
            try (PreparedStatement naiveInsert = plain.prepareStatement(insert)) {
                plain.setAutoCommit(true);
                // Warm-up of both paths, on devices of their own, not counted.
                writeStore(store, points("warm-", 0, Math.min(readings, 50_000)), batch);
                writeNaive(naiveInsert, points("warm-", 0, Math.min(naive, 1_000)));
                double[] ours = new double[rounds];
                double[] theirs = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    List<Point> a = points("r" + r + "-", 0, readings);
                    List<Point> b = points("r" + r + "-", 0, naive);
                    long storeNanos;
                    long naiveNanos;
                    if (r % 2 == 0) {
                        storeNanos = writeStore(store, a, batch);
                        naiveNanos = writeNaive(naiveInsert, b);
                    } else {
                        naiveNanos = writeNaive(naiveInsert, b);
                        storeNanos = writeStore(store, a, batch);
                    }
                    ours[r] = readings / (storeNanos / 1e9);
                    theirs[r] = naive / (naiveNanos / 1e9);
                    System.out.printf(Locale.ROOT, "RESULT write %s round=%d store=%.0f readings/s (%.0f rows/s, "
                            + "%d readings, batches of %d) naive=%.0f readings/s (%.0f rows/s, %d readings) "
                            + "ratio=%.1f%n", target.name(), r + 1, ours[r], ours[r] * FIELDS.length, readings,
                            batch, theirs[r], theirs[r] * FIELDS.length, naive, ours[r] / theirs[r]);
                }
                long expectStore = (long) (Math.min(readings, 50_000) + (long) rounds * readings) * FIELDS.length;
                long expectNaive = (long) (Math.min(naive, 1_000) + (long) rounds * naive) * FIELDS.length;
                check(plain, "readings", expectStore);
                check(plain, "naive_readings", expectNaive);
                System.out.printf(Locale.ROOT, "RESULT write %s median store=%.0f readings/s naive=%.0f readings/s "
                        + "ratio=%.1f%n", target.name(), median(ours), median(theirs), median(ours) / median(theirs));
            }
        }
    }

    /** Three fields per reading, 16 devices, one reading per device per second. */
    private static List<Point> points(String prefix, int from, int count) {
        List<Point> points = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            Instant time = LOAD_START.plusSeconds(i / 16);
            points.add(Point.of(prefix + "pi-" + (i % 16), time, Map.of("temperature", 20 + (i % 100) / 10.0,
                    "humidity", 40 + (i % 37) / 3.0, "pressure", 1000 + (i % 50) / 5.0)));
        }
        return points;
    }

    private static long writeStore(JdbcTimeSeriesStore store, List<Point> points, int batch) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < points.size(); i += batch) {
            store.write(points.subList(i, Math.min(points.size(), i + batch)));
        }
        return System.nanoTime() - start;
    }

    private static long writeNaive(PreparedStatement insert, List<Point> points) throws SQLException {
        long start = System.nanoTime();
        for (Point p : points) {
            OffsetDateTime time = OffsetDateTime.ofInstant(p.time(), ZoneOffset.UTC);
            for (Map.Entry<String, Double> field : p.fields().entrySet()) {
                insert.setString(1, p.device());
                insert.setObject(2, time);
                insert.setString(3, field.getKey());
                insert.setDouble(4, field.getValue());
                insert.executeUpdate();
            }
        }
        return System.nanoTime() - start;
    }

    // ---------------------------------------------------------------- the sink end to end

    private static void sink(Target target, int count, int batch) throws Exception {
        try (JdbcTimeSeriesStore store = target.store("sink_readings")) {
            sinkRun(store, "warm", Math.min(count, 50_000), batch);
            long nanos = sinkRun(store, "run", count, batch);
            System.out.printf(Locale.ROOT, "RESULT sink %s %.0f readings/s (%d JSON readings of 3 fields, "
                    + "maxBatchSize %d, 1000 in flight)%n", target.name(), count / (nanos / 1e9), count, batch);
        }
    }

    private static long sinkRun(JdbcTimeSeriesStore store, String prefix, int count, int batch) throws Exception {
        List<Message> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String device = prefix + "-pi-" + (i % 16);
            long epoch = LOAD_START.getEpochSecond() + i / 16;
            messages.add(Message.of("sensor/" + device + "/env", String.format(Locale.ROOT,
                    "{\"device_id\":\"%s\",\"temperature\":%.1f,\"humidity\":%.2f,\"pressure\":%.1f,\"timestamp\":%d}",
                    device, 20 + (i % 100) / 10.0, 40 + (i % 37) / 3.0, 1000 + (i % 50) / 5.0, epoch)));
        }
        Semaphore inFlight = new Semaphore(1000);
        AtomicLong failed = new AtomicLong();
        TimeSeriesSink sink = TimeSeriesSink.builder(store).maxBatchSize(batch).maxBatchDelay(Duration.ofMillis(50))
                .build();
        long start = System.nanoTime();
        for (Message m : messages) {
            inFlight.acquire();
            sink.send(m).whenComplete((v, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                }
                inFlight.release();
            });
        }
        if (!inFlight.tryAcquire(1000, 5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("the sink did not complete its sends within 5 minutes");
        }
        long nanos = System.nanoTime() - start;
        TimeSeriesSinkStats stats = sink.stats();
        sink.close();
        if (failed.get() > 0 || stats.written() != count) {
            throw new IllegalStateException("sink: " + failed.get() + " sends failed; " + stats);
        }
        return nanos;
    }

    // ---------------------------------------------------------------- 10 M rows and the queries

    private static void loadAndQuery(Target target, long rows, int queries) throws Exception {
        String table = "readings_big";
        try (JdbcTimeSeriesStore created = target.store(table)) {
            created.devices(); // makes the tables
        }
        try (Connection c = target.connect()) {
            long chunk = 1_000_000;
            long start = System.nanoTime();
            try (PreparedStatement insert = c.prepareStatement(target.generatorInsert(table))) {
                c.setAutoCommit(false);
                for (long from = 0; from < rows; from += chunk) {
                    insert.setLong(1, from);
                    insert.setLong(2, Math.min(rows, from + chunk) - 1);
                    insert.executeUpdate();
                    c.commit();
                }
                c.setAutoCommit(true);
            }
            long loadNanos = System.nanoTime() - start;
            start = System.nanoTime();
            try (Statement s = c.createStatement()) {
                s.execute(target.analyze(table));
            }
            long analyzeNanos = System.nanoTime() - start;
            check(c, table, rows);
            System.out.printf(Locale.ROOT, "RESULT load %s %d rows in %.1f s (%.0f rows/s, INSERT ... SELECT from the "
                    + "generator, 1 M rows per transaction), then ANALYZE %.1f s; %s%n", target.name(), rows,
                    loadNanos / 1e9, rows / (loadNanos / 1e9), analyzeNanos / 1e9, target.size(c, table));
            // The rows went in around the store, so its devices table knows none of them: dropped, the
            // store fills it again from the readings when it opens, as for a database made before it.
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE " + table + "_devices");
            }
        }
        long opening = System.nanoTime();
        try (JdbcTimeSeriesStore store = target.store(table)) {
            long start = opening;
            store.devices();
            System.out.printf(Locale.ROOT, "RESULT fill %s the devices table from %d rows: opening the store and its first devices() %.1f s%n",
                    target.name(), rows, (System.nanoTime() - start) / 1e9);

            long perDevice = rows / LOAD_DEVICES;
            Instant end = LOAD_START.plusSeconds(10 * perDevice);
            LocalDate lastDay = LocalDate.ofInstant(end, BERLIN);
            LocalDate firstDay = LocalDate.ofInstant(LOAD_START, BERLIN).minusDays(1);
            String device = "dev-3";
            time(target, "daily, " + firstDay + " to " + lastDay + " (all " + perDevice
                    + " rows of one device), Europe/Berlin", queries, () -> {
                        List<DailyStatistics> days = store.daily(device, firstDay, lastDay, BERLIN);
                        expect(days.stream().mapToLong(d -> d.statistics().count()).sum(), perDevice);
                        return days.size() + " days";
                    });
            LocalDate march = LocalDate.parse("2024-03-01");
            long marchRows = Math.max(0, Math.min(end.getEpochSecond(),
                    march.plusMonths(1).atStartOfDay(BERLIN).toEpochSecond()) - march.atStartOfDay(BERLIN)
                    .toEpochSecond()) / 10;
            time(target, "daily, March 2024 (31 days, one device), Europe/Berlin", queries, () -> {
                List<DailyStatistics> days = store.daily(device, march, march.plusMonths(1).minusDays(1), BERLIN);
                expect(days.stream().mapToLong(d -> d.statistics().count()).sum(), marchRows);
                return days.size() + " days";
            });
            time(target, "daily, one day (8640 rows), UTC", queries, () -> {
                List<DailyStatistics> days = store.daily(device, march, march, ZoneOffset.UTC);
                expect(days.stream().mapToLong(d -> d.statistics().count()).sum(), 8640);
                return days.size() + " day";
            });
            time(target, "statistics, one day", queries, () -> {
                long n = store.statistics(device, march.atStartOfDay(ZoneOffset.UTC).toInstant(),
                        march.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()).get("temperature").count();
                expect(n, 8640);
                return n + " values";
            });
            time(target, "recent, 100 readings", queries, () -> {
                int n = store.recent(device, LOAD_START, 100).size();
                expect(n, 100);
                return n + " readings";
            });
            time(target, "devices", queries, () -> {
                List<DeviceSummary> devices = store.devices();
                expect(devices.size(), LOAD_DEVICES);
                expect(devices.stream().filter(d -> d.lastSeen().equals(LOAD_START.plusSeconds(10 * (perDevice - 1))))
                        .count(), LOAD_DEVICES);
                return devices.size() + " devices";
            });
        }
    }

    private static void time(Target target, String what, int runs, Query query) throws Exception {
        query.run(); // untimed: caches warm, plan made, JIT on the Java side
        double[] ms = new double[runs];
        String result = "";
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            result = query.run();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "RESULT query %s %s: median %.1f ms (min %.1f, max %.1f, %d runs) -> %s%n",
                target.name(), what, median(ms), sorted[0], sorted[sorted.length - 1], runs, result);
    }

    @FunctionalInterface
    private interface Query {
        String run() throws Exception;
    }

    private static void expect(long actual, long expected) {
        if (actual != expected) {
            throw new IllegalStateException("expected " + expected + ", got " + actual);
        }
    }

    private static void check(Connection c, String table, long rows) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            expect(rs.getLong(1), rows);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String serverVersion(PostgresServer server) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version(), current_setting('fsync'), "
                        + "current_setting('synchronous_commit'), current_setting('shared_buffers')")) {
            rs.next();
            return rs.getString(1).replaceAll(" on .*", "") + ", fsync=" + rs.getString(2) + ", synchronous_commit="
                    + rs.getString(3) + ", shared_buffers=" + rs.getString(4);
        }
    }

    private static String arg(String[] argv, String name, String fallback) {
        for (int i = 0; i + 1 < argv.length; i++) {
            if (argv[i].equals(name)) {
                return argv[i + 1];
            }
        }
        return fallback;
    }

    /** Where the readings go: one database per run. */
    private interface Target {
        String name();

        JdbcTimeSeriesStore store(String table) throws Exception;

        Connection connect() throws SQLException;

        String valueColumn();

        /** INSERT ... SELECT of the rows numbered ? to ? (inclusive) from the database's generator. */
        String generatorInsert(String table);

        String analyze(String table);

        String size(Connection c, String table) throws SQLException;
    }

    private static final class H2Target implements Target {
        private final Path dir;

        H2Target(Path dir) {
            this.dir = dir;
        }

        @Override
        public String name() {
            return "h2";
        }

        @Override
        public JdbcTimeSeriesStore store(String table) throws Exception {
            return JdbcTimeSeriesStore.builder().url(url()).name("h2:" + dir).table(table).build();
        }

        private String url() {
            return "jdbc:h2:file:" + dir.resolve("readings");
        }

        @Override
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(url(), "sa", "");
        }

        @Override
        public String valueColumn() {
            return "\"VALUE\"";
        }

        @Override
        public String generatorInsert(String table) {
            return "INSERT INTO " + table + " (device_id, ts, field, \"VALUE\") SELECT 'dev-' || MOD(X, " + LOAD_DEVICES
                    + "), DATEADD(SECOND, (X / " + LOAD_DEVICES + ") * 10, TIMESTAMP WITH TIME ZONE "
                    + "'2024-01-01 00:00:00+00'), 'temperature', 20 + MOD(X, 997) / 100.0 FROM SYSTEM_RANGE(?, ?)";
        }

        @Override
        public String analyze(String table) {
            return "ANALYZE TABLE " + table;
        }

        @Override
        public String size(Connection c, String table) {
            return String.format(Locale.ROOT, "database file %.0f MB", dir.resolve("readings.mv.db").toFile().length()
                    / 1e6);
        }
    }

    private static final class PostgresTarget implements Target {
        private final PostgresServer server;
        private final Supplier<String> url;

        PostgresTarget(PostgresServer server) {
            this.server = server;
            server.createDatabase("bench");
            this.url = () -> server.jdbcUrl("bench");
        }

        @Override
        public String name() {
            return "postgres";
        }

        @Override
        public JdbcTimeSeriesStore store(String table) throws Exception {
            return JdbcTimeSeriesStore.builder().url(url.get()).user(server.user()).table(table).build();
        }

        @Override
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(url.get(), server.user(), "");
        }

        @Override
        public String valueColumn() {
            return "value";
        }

        @Override
        public String generatorInsert(String table) {
            return "INSERT INTO " + table + " (device_id, ts, field, value) SELECT 'dev-' || (g % " + LOAD_DEVICES
                    + "), TIMESTAMPTZ '2024-01-01 00:00:00+00' + (g / " + LOAD_DEVICES + ") * INTERVAL '10 seconds', "
                    + "'temperature', 20 + (g % 997) / 100.0 FROM generate_series(CAST(? AS BIGINT), CAST(? AS BIGINT)) g";
        }

        @Override
        public String analyze(String table) {
            return "ANALYZE " + table;
        }

        @Override
        public String size(Connection c, String table) throws SQLException {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_size_pretty("
                    + "pg_table_size('" + table + "')), pg_size_pretty(pg_indexes_size('" + table + "'))")) {
                rs.next();
                return "table " + rs.getString(1) + ", index " + rs.getString(2);
            }
        }
    }
}
