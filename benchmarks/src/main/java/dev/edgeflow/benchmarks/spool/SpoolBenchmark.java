package dev.edgeflow.benchmarks.spool;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.spool.Durability;
import dev.edgeflow.core.spool.Spool;
import dev.edgeflow.core.spool.SpoolRecord;
import dev.edgeflow.core.spool.SpoolStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The disk spool ({@link Spool}) against SQLite in WAL mode ({@link SqliteQueue}), the store
 * a user would otherwise pick for a durable local queue, on the same records: sensor readings
 * with a 200-byte payload ({@link Readings}).
 *
 * <ul>
 *   <li>{@code appendSpool}: records per second appended by one producer thread that keeps
 *       {@code window} (default 256) appends outstanding, as a pipeline with that many
 *       deliveries in flight would: each operation waits for the oldest outstanding append to
 *       complete (durable as the {@link Durability} asks), then appends the next record.
 *       Nothing reads: each iteration writes into a fresh spool whose {@code maxBytes} it never
 *       reaches, so this is the write path alone. The window is filled before the iteration's
 *       clock starts and is still full when it stops, so records counted equal records made
 *       durable. With {@code BATCH} and a window of 256, the group commit forces about 128
 *       records at a time: while one batch is forced, the producer fills the other half.
 *       This is the spool during an outage of its sink: it only grows, every segment is a new
 *       file, and every force also commits the file system's journal for the grown file.</li>
 *   <li>{@code appendSpoolConfirmed}: the same producer, and a reader thread that polls and
 *       confirms every record as a spooled sink's forwarder does when its sink keeps up: the
 *       spool in steady state. One spool for the whole trial, so that confirmed segments are
 *       reused (see {@code SpoolFormat}) and forces overwrite allocated blocks. Records counted
 *       are appends made durable, as above; the reader's work is extra.</li>
 *   <li>{@code appendSqlite}: the same records inserted into SQLite with the same guarantee.
 *       {@code ALWAYS} is a transaction per row with {@code synchronous=FULL}: one forced WAL
 *       commit per record, like the spool's fsync per record. {@code BATCH} is transactions of
 *       {@code rows} rows with {@code synchronous=FULL}: each commit is forced before it
 *       returns, as the spool's group commit is; 128 rows is what the spool's group commit
 *       forces at a time with a window of 256, 256 rows is the most that window allows.
 *       {@code INTERVAL} is the same batches with {@code synchronous=NORMAL}: commits survive
 *       a crash of the process, and a power loss can take back the last ones, as with the
 *       spool's {@code INTERVAL}. Every invocation inserts {@value #SQLITE_ROWS_PER_CALL}
 *       rows.</li>
 *   <li>{@code replaySpool}: records per second handed out by {@link Spool#poll(int)} and
 *       confirmed one by one, from a spool holding {@value #REPLAY_RECORDS} records, until
 *       all are confirmed. The spool is opened before the clock starts.</li>
 *   <li>{@code replaySqlite}: the oldest {@value #POLL} rows selected in order and turned back
 *       into messages, then deleted by range and committed ({@code synchronous=NORMAL}: the
 *       spool does not force per confirm either), until the table is empty.</li>
 *   <li>{@code recoverSpool}: milliseconds to open a spool of 1 GiB, which reads and checks
 *       every record. The page cache holds the files (they were just written) unless the
 *       parameter {@code cache} is {@code cold}: then every page cache of the machine is
 *       dropped before each open, which needs root and slows everything else running.</li>
 *   <li>{@code forceBaseline}: the disk alone, on a bare file: one operation is a write of
 *       {@code records} spool records' worth of bytes and one {@link FileChannel#force}, so the
 *       score is forces per second, and times {@code records} records per second.
 *       {@code records=1} is what the disk allows {@code ALWAYS} at most, {@code records=128}
 *       what it allows a group commit of that size. With {@code file=append} each write grows
 *       the file, as the spool's writes do, so each force also commits the file system's
 *       journal (the new size and blocks); with {@code file=preallocated} it overwrites blocks
 *       already on disk, as SQLite does in a WAL it reuses after each checkpoint, and the force
 *       writes the data alone.</li>
 *   <li>{@code handOffBaseline}: the least an asynchronous durable append can cost with one
 *       writer thread: the same producer and window as {@code appendSpool}, a committer thread
 *       that writes what was handed over into a preallocated file with one write, forces once
 *       and completes those appends. What the hand-offs between threads leave of the disk's
 *       rate, with no spool code at all.</li>
 * </ul>
 *
 * <p>Files go to a fresh directory under {@code java.io.tmpdir} (or the system property
 * {@code edgeflow.bench.dir}) and are deleted after each iteration or trial.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED"})
public class SpoolBenchmark {
    /** Rows one {@code appendSqlite} call inserts, in transactions of {@code rows}. */
    static final int SQLITE_ROWS_PER_CALL = 1024;
    /** Rows per transaction when building SQLite's replay table. */
    private static final int BUILD_ROWS = 256;
    /** Records read per poll or SELECT. */
    static final int POLL = 256;
    static final int REPLAY_RECORDS = 1_000_000;
    static final long RECOVERY_BYTES = 1L << 30;
    /** Far above what any iteration writes, so that no append waits for room. */
    static final long MAX_BYTES = 8L << 30;

    // ------------------------------------------------------------------ append

    /**
     * One producer's appends outstanding: each {@link #appendNext} waits for the oldest to
     * complete and appends the next reading in its place.
     */
    static final class Window {
        /** Where the window's appends go: a spool, or the hand-off baseline. */
        @FunctionalInterface
        interface Appender {
            CompletableFuture<Long> append(Message message);
        }

        private final Readings readings = new Readings();
        private final CompletableFuture<Long>[] outstanding;
        private int next;

        @SuppressWarnings("unchecked")
        Window(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("window is " + size + ": give at least 1");
            }
            outstanding = new CompletableFuture[size];
        }

        void fill(Appender to) {
            for (int i = 0; i < outstanding.length; i++) {
                outstanding[i] = to.append(readings.next());
            }
            next = 0;
        }

        long appendNext(Appender to) {
            int i = next;
            long sequence = outstanding[i].join();
            outstanding[i] = to.append(readings.next());
            next = i + 1 == outstanding.length ? 0 : i + 1;
            return sequence;
        }

        void awaitAll() {
            for (CompletableFuture<Long> f : outstanding) {
                f.join();
            }
        }
    }

    /** A fresh spool per iteration, with a full window of appends outstanding. */
    @State(Scope.Thread)
    public static class SpoolAppend {
        @Param({"ALWAYS", "BATCH", "INTERVAL"})
        public Durability durability;

        /** Appends outstanding. */
        @Param("256")
        public int window;

        private Window appends;
        private Path dir;
        private Spool spool;

        @Setup(Level.Trial)
        public void allocate() {
            appends = new Window(window);
        }

        @Setup(Level.Iteration)
        public void open() throws IOException {
            dir = Scratch.newDirectory("append-" + durability);
            spool = Spool.builder(dir).maxBytes(MAX_BYTES).durability(durability).open();
            appends.fill(spool::append);
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException {
            appends.awaitAll();
            SpoolStats stats = spool.stats();
            spool.close();
            Scratch.delete(dir);
            if (stats.pendingAppends() != 0 || stats.dropped() != 0) {
                throw new IllegalStateException("spool appends still pending or dropped: " + stats);
            }
        }
    }

    @Benchmark
    public long appendSpool(SpoolAppend s) {
        return s.appends.appendNext(s.spool::append);
    }

    /** One spool for the trial, with a reader thread that confirms every record it is handed. */
    @State(Scope.Thread)
    public static class SpoolAppendConfirmed {
        @Param({"ALWAYS", "BATCH"})
        public Durability durability;

        /** Appends outstanding. */
        @Param("256")
        public int window;

        private Window appends;
        private Path dir;
        private Spool spool;
        private Thread reader;
        private volatile boolean stop;
        private volatile Throwable readerFailure;
        private long confirmed;

        @Setup(Level.Trial)
        public void open() throws IOException {
            appends = new Window(window);
            dir = Scratch.newDirectory("append-confirmed-" + durability);
            spool = Spool.builder(dir).maxBytes(MAX_BYTES).durability(durability).open();
            reader = new Thread(this::confirmAll, "spool-bench-reader");
            reader.start();
            appends.fill(spool::append);
        }

        private void confirmAll() {
            try {
                while (!stop) {
                    List<SpoolRecord> records = spool.poll(POLL);
                    if (records.isEmpty()) {
                        try {
                            spool.available().get(100, TimeUnit.MILLISECONDS);
                        } catch (TimeoutException e) {
                            // look at the stop flag again
                        }
                        continue;
                    }
                    for (SpoolRecord r : records) {
                        spool.confirm(r.sequence());
                    }
                    confirmed += records.size();
                }
            } catch (Throwable t) {
                readerFailure = t;
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException, InterruptedException {
            appends.awaitAll();
            stop = true;
            reader.join();
            SpoolStats stats = spool.stats();
            long files = Scratch.size(dir);
            spool.close();
            Scratch.delete(dir);
            System.out.printf("spool %s confirmed: %d records read and confirmed, %d left, %d segments, %d bytes "
                    + "in the directory before close%n", durability, confirmed, stats.records(), stats.segments(),
                    files);
            if (readerFailure != null) {
                throw new IllegalStateException("the reader failed", readerFailure);
            }
            if (stats.pendingAppends() != 0 || stats.dropped() != 0 || stats.corruptSkipped() != 0) {
                throw new IllegalStateException("spool appends pending, dropped or damaged: " + stats);
            }
        }
    }

    @Benchmark
    public long appendSpoolConfirmed(SpoolAppendConfirmed s) {
        return s.appends.appendNext(s.spool::append);
    }

    /** A fresh SQLite database per iteration, set up as the durability it stands in for. */
    @State(Scope.Thread)
    public static class SqliteAppend {
        @Param({"ALWAYS", "BATCH", "INTERVAL"})
        public Durability durability;

        /** Rows per transaction for BATCH and INTERVAL; ALWAYS commits every row. */
        @Param({"128", "256"})
        public int rows;

        private final Readings readings = new Readings();
        private Path dir;
        private SqliteQueue queue;
        private long inserted;

        @Setup(Level.Iteration)
        public void open() throws IOException, SQLException {
            if (rows < 1 || SQLITE_ROWS_PER_CALL % rows != 0) {
                throw new IllegalArgumentException("rows is " + rows + ": give a divisor of " + SQLITE_ROWS_PER_CALL);
            }
            dir = Scratch.newDirectory("sqlite-append-" + durability);
            queue = new SqliteQueue(dir.resolve("queue.db"), durability == Durability.INTERVAL ? "NORMAL" : "FULL",
                    durability == Durability.ALWAYS);
            inserted = 0;
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException, SQLException {
            long held = queue.count();
            queue.close();
            long bytes = Scratch.size(dir);
            Scratch.delete(dir);
            if (held != inserted) {
                throw new IllegalStateException("SQLite holds " + held + " rows, " + inserted + " were inserted");
            }
            System.out.printf("sqlite %s: %d rows, %.0f bytes per row in the files%n", durability, inserted,
                    (double) bytes / inserted);
        }
    }

    @Benchmark
    @OperationsPerInvocation(SQLITE_ROWS_PER_CALL)
    public void appendSqlite(SqliteAppend s) throws SQLException {
        if (s.durability == Durability.ALWAYS) {
            for (int i = 0; i < SQLITE_ROWS_PER_CALL; i++) {
                s.queue.insert(s.readings.next());
            }
        } else {
            for (int i = 0; i < SQLITE_ROWS_PER_CALL; i += s.rows) {
                s.queue.insertBatch(s.readings, s.rows);
            }
        }
        s.inserted += SQLITE_ROWS_PER_CALL;
    }

    // ------------------------------------------------------------------ replay

    /**
     * A spool of {@value #REPLAY_RECORDS} records, built once; each invocation opens a copy of
     * it. The copy links the segment files (replay only reads and deletes them) and copies the
     * cursor file, so the copy costs nothing and leaves no dirty pages behind.
     */
    @State(Scope.Benchmark)
    public static class SpoolReplay {
        private Path template;
        private Path dir;
        private Spool spool;

        @Setup(Level.Trial)
        public void build() throws IOException {
            template = Scratch.newDirectory("replay-template");
            try (Spool s = Spool.builder(template).maxBytes(MAX_BYTES).durability(Durability.INTERVAL).open()) {
                fill(s, REPLAY_RECORDS, Long.MAX_VALUE);
            }
        }

        @Setup(Level.Invocation)
        public void open() throws IOException {
            dir = Scratch.newDirectory("replay");
            try (DirectoryStream<Path> files = Files.newDirectoryStream(template)) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    if (name.endsWith(".seg")) {
                        Files.createLink(dir.resolve(name), f);
                    } else if (name.equals("cursor")) {
                        Files.copy(f, dir.resolve(name));
                    }
                }
            }
            spool = Spool.builder(dir).maxBytes(MAX_BYTES).open();
            long held = spool.stats().records();
            if (held != REPLAY_RECORDS) {
                throw new IllegalStateException("the replay spool holds " + held + " records, not " + REPLAY_RECORDS);
            }
        }

        @TearDown(Level.Invocation)
        public void close() throws IOException {
            SpoolStats stats = spool.stats();
            spool.close();
            Scratch.delete(dir);
            if (stats.records() != 0 || stats.confirmed() != REPLAY_RECORDS) {
                throw new IllegalStateException("replay left records behind: " + stats);
            }
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            Scratch.delete(template);
        }
    }

    @Benchmark
    @OperationsPerInvocation(REPLAY_RECORDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public long replaySpool(SpoolReplay s, Blackhole bh) {
        Spool spool = s.spool;
        long n = 0;
        while (n < REPLAY_RECORDS) {
            List<SpoolRecord> records = spool.poll(POLL);
            if (records.isEmpty()) {
                throw new IllegalStateException("the spool handed out " + n + " of " + REPLAY_RECORDS + " records");
            }
            for (SpoolRecord r : records) {
                bh.consume(r.message());
                spool.confirm(r.sequence());
            }
            n += records.size();
        }
        return n;
    }

    /** A SQLite database of {@value #REPLAY_RECORDS} rows, built once; each invocation reads and empties a copy. */
    @State(Scope.Benchmark)
    public static class SqliteReplay {
        private Path template;
        private Path dir;
        private SqliteQueue queue;

        @Setup(Level.Trial)
        public void build() throws IOException, SQLException {
            template = Scratch.newDirectory("sqlite-replay-template");
            Readings readings = new Readings();
            try (SqliteQueue q = new SqliteQueue(template.resolve("queue.db"), "NORMAL", false)) {
                for (int left = REPLAY_RECORDS; left > 0; left -= BUILD_ROWS) {
                    q.insertBatch(readings, Math.min(left, BUILD_ROWS));
                }
                q.checkpoint();
            }
        }

        @Setup(Level.Invocation)
        public void open() throws IOException, SQLException {
            dir = Scratch.newDirectory("sqlite-replay");
            Path db = dir.resolve("queue.db");
            Files.copy(template.resolve("queue.db"), db);
            try (FileChannel ch = FileChannel.open(db, StandardOpenOption.WRITE)) {
                ch.force(true); // the copy's dirty pages must not be written back while replay is timed
            }
            queue = new SqliteQueue(db, "NORMAL", false);
        }

        @TearDown(Level.Invocation)
        public void close() throws IOException, SQLException {
            long left = queue.count();
            queue.close();
            Scratch.delete(dir);
            if (left != 0) {
                throw new IllegalStateException("replay left " + left + " rows behind");
            }
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            Scratch.delete(template);
        }
    }

    @Benchmark
    @OperationsPerInvocation(REPLAY_RECORDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public long replaySqlite(SqliteReplay s, Blackhole bh) throws SQLException {
        long n = 0;
        int got;
        while ((got = s.queue.takeOldest(POLL, bh::consume)) > 0) {
            n += got;
        }
        if (n != REPLAY_RECORDS) {
            throw new IllegalStateException("SQLite handed out " + n + " of " + REPLAY_RECORDS + " rows");
        }
        return n;
    }

    // ------------------------------------------------------------------ recovery

    /** A closed spool of 1 GiB, built once; each iteration opens it once. */
    @State(Scope.Benchmark)
    public static class SpoolRecovery {
        /** {@code warm}: the files are in the page cache; {@code cold}: drop the machine's page cache before each open. */
        @Param("warm")
        public String cache;

        private Path dir;
        private long records;
        private Spool opened;

        @Setup(Level.Trial)
        public void build() throws IOException {
            if (!cache.equals("warm") && !cache.equals("cold")) {
                throw new IllegalArgumentException("cache is '" + cache + "': give warm or cold");
            }
            dir = Scratch.newDirectory("recovery");
            try (Spool s = Spool.builder(dir).maxBytes(MAX_BYTES).durability(Durability.INTERVAL).open()) {
                fill(s, Long.MAX_VALUE, RECOVERY_BYTES);
                SpoolStats stats = s.stats();
                records = stats.records();
                System.out.printf("recovery spool: %d records, %d bytes in %d segments (%.1f bytes per record)%n",
                        records, stats.bytes(), stats.segments(), (double) stats.bytes() / records);
            }
        }

        @Setup(Level.Iteration)
        public void dropCache() throws IOException, InterruptedException {
            if (cache.equals("cold")) {
                Scratch.dropPageCache();
            }
        }

        @TearDown(Level.Iteration)
        public void close() {
            long held = opened.stats().records();
            opened.close();
            if (held != records) {
                throw new IllegalStateException("the reopened spool holds " + held + " records, not " + records);
            }
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            Scratch.delete(dir);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3)
    @Measurement(iterations = 5)
    public Spool recoverSpool(SpoolRecovery s) {
        s.opened = Spool.builder(s.dir).maxBytes(MAX_BYTES).open();
        return s.opened;
    }

    // ------------------------------------------------------------------ the disk's own limit

    /** A bare file and one record's worth of bytes, the size a reading takes in the spool. */
    @State(Scope.Thread)
    public static class BareFile {
        /** Far more than an iteration writes; written once before it, then overwritten. */
        private static final long PREALLOCATED_BYTES = 64L << 20;

        /** {@code append}: every write grows the file; {@code preallocated}: writes go over blocks already written. */
        @Param({"append", "preallocated"})
        public String file;

        /** Records per write and force. */
        @Param({"1", "128"})
        public int records;

        private Path dir;
        private FileChannel channel;
        private ByteBuffer record;
        private long position;

        @Setup(Level.Trial)
        public void measureRecord() throws IOException {
            Path probe = Scratch.newDirectory("record-size");
            try (Spool s = Spool.builder(probe).open()) {
                long before = s.stats().bytes();
                s.append(new Readings().next()).join();
                long recordBytes = s.stats().bytes() - before;
                System.out.printf("one reading takes %d bytes in the spool%n", recordBytes);
                record = ByteBuffer.allocateDirect((int) recordBytes * records);
            }
            Scratch.delete(probe);
        }

        @Setup(Level.Iteration)
        public void open() throws IOException {
            dir = Scratch.newDirectory("force");
            channel = FileChannel.open(dir.resolve("bare"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            position = 0;
            if (file.equals("preallocated")) {
                Scratch.preallocate(channel, PREALLOCATED_BYTES);
            } else if (!file.equals("append")) {
                throw new IllegalArgumentException("file is '" + file + "': give append or preallocated");
            }
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException {
            channel.close();
            Scratch.delete(dir);
        }
    }

    @Benchmark
    public long forceBaseline(BareFile f) throws IOException {
        ByteBuffer b = f.record;
        b.clear();
        while (b.hasRemaining()) {
            f.position += f.channel.write(b, f.position);
        }
        f.channel.force(false);
        if (f.position + b.capacity() > BareFile.PREALLOCATED_BYTES && f.file.equals("preallocated")) {
            f.position = 0;
        }
        return f.position;
    }

    /**
     * The least an asynchronous durable append can do with one writer thread: the producer
     * hands a record's bytes over and waits for the oldest of {@code window} outstanding, as
     * {@code appendSpool} does; the committer takes everything handed over, writes it into a
     * preallocated file with one write, forces it once and completes those appends. No
     * encoding, CRC, segments, reader or second thread: the hand-offs, the write and the force.
     */
    @State(Scope.Thread)
    public static class HandOff {
        /** Appends outstanding. */
        @Param("256")
        public int window;

        private Path dir;
        private FileChannel channel;
        private byte[] record;
        private Thread committer;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition queued = lock.newCondition();
        private ArrayList<CompletableFuture<Long>> incoming = new ArrayList<>();
        private boolean stop;
        private volatile Throwable failure;
        private Window appends;
        private long forces;
        private long committed;

        @Setup(Level.Trial)
        public void open() throws IOException {
            appends = new Window(window);
            record = new byte[321];
            dir = Scratch.newDirectory("hand-off");
            channel = FileChannel.open(dir.resolve("bare"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Scratch.preallocate(channel, BareFile.PREALLOCATED_BYTES);
            committer = new Thread(this::commitAll, "hand-off-committer");
            committer.start();
            appends.fill(this::submit);
        }

        /** Hands a record's bytes over: the message only stands for them. */
        CompletableFuture<Long> submit(Message ignored) {
            CompletableFuture<Long> f = new CompletableFuture<>();
            lock.lock();
            try {
                incoming.add(f);
                queued.signal();
            } finally {
                lock.unlock();
            }
            return f;
        }

        private void commitAll() {
            ByteBuffer buffer = ByteBuffer.allocateDirect(record.length * 4096);
            ArrayList<CompletableFuture<Long>> batch = new ArrayList<>();
            long position = 0;
            try {
                while (true) {
                    lock.lock();
                    try {
                        while (incoming.isEmpty() && !stop) {
                            queued.await();
                        }
                        if (incoming.isEmpty()) {
                            return;
                        }
                        ArrayList<CompletableFuture<Long>> t = batch;
                        batch = incoming;
                        incoming = t;
                    } finally {
                        lock.unlock();
                    }
                    buffer.clear();
                    for (int i = 0; i < batch.size(); i++) {
                        buffer.put(record);
                    }
                    buffer.flip();
                    if (position + buffer.remaining() > BareFile.PREALLOCATED_BYTES) {
                        position = 0;
                    }
                    while (buffer.hasRemaining()) {
                        position += channel.write(buffer, position);
                    }
                    channel.force(false);
                    forces++;
                    for (CompletableFuture<Long> f : batch) {
                        f.complete(committed++);
                    }
                    batch.clear();
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException, InterruptedException {
            appends.awaitAll();
            lock.lock();
            try {
                stop = true;
                queued.signal();
            } finally {
                lock.unlock();
            }
            committer.join();
            channel.close();
            Scratch.delete(dir);
            System.out.printf("hand-off: %d records in %d forces (%.1f a force)%n", committed, forces,
                    (double) committed / forces);
            if (failure != null) {
                throw new IllegalStateException("the committer failed", failure);
            }
        }
    }

    @Benchmark
    public long handOffBaseline(HandOff h) {
        return h.appends.appendNext(h::submit);
    }

    // ------------------------------------------------------------------ helpers

    /** Appends readings until {@code records} are appended or the spool holds {@code bytes}. */
    static void fill(Spool spool, long records, long bytes) {
        Readings readings = new Readings();
        @SuppressWarnings("unchecked")
        CompletableFuture<Long>[] chunk = new CompletableFuture[4096];
        long n = 0;
        while (n < records && spool.stats().bytes() < bytes) {
            int k = (int) Math.min(chunk.length, records - n);
            for (int i = 0; i < k; i++) {
                chunk[i] = spool.append(readings.next());
            }
            for (int i = 0; i < k; i++) {
                chunk[i].join();
            }
            n += k;
        }
    }

    /** Scratch directories for the stores, and the page cache switch. */
    static final class Scratch {
        private Scratch() {
        }

        static Path newDirectory(String name) throws IOException {
            Path root = Path.of(System.getProperty("edgeflow.bench.dir", System.getProperty("java.io.tmpdir")));
            Files.createDirectories(root);
            return Files.createTempDirectory(root, "edgeflow-spoolbench-" + name + "-");
        }

        /** Writes {@code bytes} of zeros from the start of a file and forces them, so that later writes overwrite. */
        static void preallocate(FileChannel channel, long bytes) throws IOException {
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (long at = 0; at < bytes; ) {
                zeros.clear();
                at += channel.write(zeros, at);
            }
            channel.force(true);
        }

        static long size(Path dir) throws IOException {
            try (Stream<Path> files = Files.walk(dir)) {
                return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
        }

        static void delete(Path dir) throws IOException {
            if (dir == null || !Files.exists(dir)) {
                return;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }

        /** Writes dirty pages out, then drops every clean page of the machine's page cache. */
        static void dropPageCache() throws IOException, InterruptedException {
            Process sync = new ProcessBuilder("sync").inheritIO().start();
            if (sync.waitFor() != 0) {
                throw new IOException("sync exited with " + sync.exitValue());
            }
            Path control = Path.of("/proc/sys/vm/drop_caches");
            try {
                Files.write(control, new byte[] {'3'}, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new IOException("cache=cold drops the page cache through " + control + ", which failed (" + e
                        + "): run as root on Linux, or use cache=warm", e);
            }
        }
    }
}
