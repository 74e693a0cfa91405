package dev.edgeflow.timeseries.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.edgeflow.timeseries.DailyStatistics;
import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.FieldStatistics;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.ReadingQueries;
import dev.edgeflow.timeseries.StoredReading;
import dev.edgeflow.timeseries.TimeSeriesException;
import dev.edgeflow.timeseries.TimeSeriesStore;
import dev.edgeflow.timeseries.jdbc.internal.Dialect;
import dev.edgeflow.timeseries.jdbc.internal.ReadingsTable;
import dev.edgeflow.timeseries.jdbc.internal.SqlFailures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TimeSeriesStore} and {@link ReadingQueries} on a relational database: the embedded
 * H2 by default, PostgreSQL (with TimescaleDB where the server has it) in production.
 *
 * <pre>{@code
 * JdbcTimeSeriesStore store = JdbcTimeSeriesStore.h2(Path.of("/var/lib/edgeflow/readings"));
 * JdbcTimeSeriesStore central = JdbcTimeSeriesStore.postgres("jdbc:postgresql://db:5432/iot", "edgeflow", secret);
 * }</pre>
 *
 * <p><b>Why H2 is the default.</b> It is pure Java, so it runs in a Raspberry Pi's JVM with no
 * native library and no server to install; it keeps its data in one file; and it speaks the
 * standard SQL the queries need: {@code STDDEV_POP}, {@code MERGE}, and
 * {@code AT TIME ZONE} with region zones and their daylight-saving rules. The queries are the
 * same on PostgreSQL but for a few lines of dialect, so a deployment can move from the device
 * to a central server without changing its own code beyond the factory it calls.
 *
 * <p><b>The table.</b> One narrow table, {@code readings} unless {@link Builder#table(String)}
 * says otherwise, created if missing: one row per device, time and field
 * ({@code device_id VARCHAR(255), ts TIMESTAMP WITH TIME ZONE, field VARCHAR(255),
 * value DOUBLE PRECISION, tags VARCHAR}, the tags as a JSON object), with the primary key
 * {@code (device_id, ts, field)}, which is also the index every query uses. A row whose key is
 * already stored is left as it is, so a batch written again after its commit acknowledgement
 * was lost is stored once. Times keep microseconds; finer digits are dropped. On PostgreSQL,
 * when the server offers the TimescaleDB extension, the store creates it and makes the table a
 * hypertable; that step is not covered by edgeflow's tests (no TimescaleDB on the build
 * machine), and a refusal of it only logs a warning. A second table, {@code readings_devices}
 * (the table's name and {@code _devices}), holds each device's newest time, written in the same
 * transaction as the rows, so that {@link #devices()} costs one index lookup per device rather
 * than a pass over every row.
 *
 * <p><b>Failures.</b> Every method throws {@link TimeSeriesException}, whose message names the
 * store and the fix, and whose {@link TimeSeriesException#isRetryable() retryable} flag is true
 * when the database is unreachable, restarting, overloaded or timed out, and false for bad
 * credentials, a missing database, a missing privilege, or a value a column cannot take. While
 * the network is down a call blocks for at most {@link Builder#connectionTimeout(Duration)} to
 * get a connection and at most {@link Builder#queryTimeout(Duration)} per statement.
 *
 * <p><b>Durability.</b> PostgreSQL makes a commit durable before it answers. H2 writes a
 * committed transaction to its file within half a second (its {@code WRITE_DELAY}) without
 * forcing it to the disk, so a power cut can lose the last moments; a JVM that exits normally
 * loses nothing.
 *
 * <p>Instances are safe for use by several threads: writes and queries each take a connection
 * from a pool of {@link Builder#poolSize(int)}.
 *
 * @since 0.1.0
 */
public final class JdbcTimeSeriesStore implements TimeSeriesStore, ReadingQueries {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcTimeSeriesStore.class);
    private static final String DEFAULT_TABLE = "readings";
    private static final Pattern MEMORY_NAME = Pattern.compile("[A-Za-z0-9_-]{1,100}");

    private final String name;
    private final String user;
    private final String tableName;
    private final DataSource dataSource;
    private final HikariDataSource pool;
    private final int queryTimeoutSeconds;
    private final boolean shutdownOnClose;
    private final Object schemaLock = new Object();
    private volatile Dialect dialect;
    private volatile ReadingsTable table;
    private volatile boolean closed;

    private JdbcTimeSeriesStore(Builder b, String name, Dialect dialect, DataSource dataSource,
            HikariDataSource pool, boolean shutdownOnClose) {
        this.name = name;
        this.user = b.user == null ? "(from the DataSource)" : b.user;
        this.tableName = b.table;
        this.dialect = dialect;
        this.dataSource = dataSource;
        this.pool = pool;
        this.queryTimeoutSeconds = (int) Math.max(1, b.queryTimeout.toSeconds());
        this.shutdownOnClose = shutdownOnClose;
    }

    /**
     * Opens (or creates) an embedded H2 database in a folder, with the table ready. The folder
     * is created if missing; the database is the file {@code readings.mv.db} in it. Only one
     * process at a time may open it.
     *
     * @param directory the folder, such as {@code /var/lib/edgeflow/readings}
     * @return the open store; close it
     * @throws TimeSeriesException if the database cannot be opened or the table created (the
     *     file is open in another process, or corrupt), never retryable
     * @throws UncheckedIOException if the folder cannot be created
     */
    public static JdbcTimeSeriesStore h2(Path directory) throws TimeSeriesException {
        Objects.requireNonNull(directory, "directory");
        Path folder = directory.toAbsolutePath().normalize();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder " + folder + " for the H2 readings database: "
                    + e.getMessage(), e);
        }
        return builder().url("jdbc:h2:file:" + folder.resolve("readings")).name("h2:" + folder).build();
    }

    /**
     * Opens a private in-memory H2 database, for tests and demos. It lives until this store is
     * closed; stores of the same name in the same JVM share it meanwhile.
     *
     * @param name letters, digits, {@code -} and {@code _}
     * @return the open store; close it to free the memory
     * @throws IllegalArgumentException if the name has other characters
     * @throws TimeSeriesException if the table cannot be created, never retryable
     */
    public static JdbcTimeSeriesStore h2InMemory(String name) throws TimeSeriesException {
        Objects.requireNonNull(name, "name");
        if (!MEMORY_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("in-memory database name '" + name + "' may hold only letters, digits, "
                    + "'-' and '_' (1 to 100 of them), such as 'readings-test'");
        }
        Builder b = builder().url("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1").name("h2:mem:" + name);
        b.shutdownOnClose = true;
        return b.build();
    }

    /**
     * Opens a store on PostgreSQL, creating the table if missing. When the server cannot be
     * reached now, the store is returned anyway and creates the table on its first successful
     * call, so that a device can start before its database.
     *
     * @param jdbcUrl such as {@code jdbc:postgresql://db.example.com:5432/iot}
     * @param user the database user
     * @param password the user's password; it appears in no log, message or {@code toString()}
     * @return the open store; close it
     * @throws IllegalArgumentException if the URL is not a {@code jdbc:postgresql:} URL
     * @throws TimeSeriesException if the server refuses for good: wrong credentials, no such
     *     database, no privilege to create the table
     */
    public static JdbcTimeSeriesStore postgres(String jdbcUrl, String user, String password)
            throws TimeSeriesException {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("JdbcTimeSeriesStore.postgres needs a jdbc:postgresql: URL, such as "
                    + "jdbc:postgresql://localhost:5432/iot; was " + redact(jdbcUrl));
        }
        return builder().url(jdbcUrl).user(user).password(password).build();
    }

    /**
     * Starts describing a store, for settings the factories do not take.
     *
     * @return a builder with the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Settings of a store. Defaults: table {@code readings}, pool size 4, connection timeout
     * 10 s, query timeout 60 s, user {@code sa} with an empty password for H2.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String url;
        private String user;
        private String password;
        private DataSource dataSource;
        private String table = DEFAULT_TABLE;
        private int poolSize = 4;
        private Duration connectionTimeout = Duration.ofSeconds(10);
        private Duration queryTimeout = Duration.ofSeconds(60);
        private String name;
        private boolean shutdownOnClose;

        private Builder() {
        }

        /**
         * Sets the database by JDBC URL; the store keeps a connection pool of its own.
         *
         * @param jdbcUrl a {@code jdbc:h2:} or {@code jdbc:postgresql:} URL
         * @return this builder
         */
        public Builder url(String jdbcUrl) {
            this.url = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            return this;
        }

        /**
         * Sets the database user.
         *
         * @param user the user; {@code sa} by default for H2, required for PostgreSQL
         * @return this builder
         */
        public Builder user(String user) {
            this.user = Objects.requireNonNull(user, "user");
            return this;
        }

        /**
         * Sets the user's password. It appears in no log, message or {@code toString()}.
         *
         * @param password the password; empty by default
         * @return this builder
         */
        public Builder password(String password) {
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Uses a {@code DataSource} the application configured (and pools) itself, instead of a
         * URL. The store does not close it. Its database must be H2 or PostgreSQL; for
         * PostgreSQL set {@code reWriteBatchedInserts=true} on it for fast batches.
         *
         * @param dataSource the data source
         * @return this builder
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /**
         * Sets the table's name.
         *
         * @param table a plain SQL identifier of at most 55 characters, optionally after a schema
         *     and a dot (such as {@code iot.readings}); {@code readings} by default
         * @return this builder
         * @throws IllegalArgumentException if the name is not such an identifier; it goes into
         *     the SQL unquoted, so nothing else is accepted
         */
        public Builder table(String table) {
            this.table = ReadingsTable.checkTableName(table);
            return this;
        }

        /**
         * Sets how many connections the store's pool holds at most: the number of writes and
         * queries that run at the same time.
         *
         * @param size 1 to 64; 4 by default
         * @return this builder
         * @throws IllegalArgumentException if the size is outside that range
         */
        public Builder poolSize(int size) {
            if (size < 1 || size > 64) {
                throw new IllegalArgumentException("poolSize must be 1 to 64, was " + size);
            }
            this.poolSize = size;
            return this;
        }

        /**
         * Sets how long a call waits for a connection (when the database is down: how long it
         * blocks before it fails, retryably).
         *
         * @param timeout at least 250 ms; 10 s by default
         * @return this builder
         * @throws IllegalArgumentException if the timeout is shorter
         */
        public Builder connectionTimeout(Duration timeout) {
            if (timeout.toMillis() < 250) {
                throw new IllegalArgumentException("connectionTimeout must be at least 250 ms, was " + timeout);
            }
            this.connectionTimeout = timeout;
            return this;
        }

        /**
         * Sets how long one statement may run before the database cancels it (a retryable
         * failure).
         *
         * @param timeout at least 1 s; 60 s by default
         * @return this builder
         * @throws IllegalArgumentException if the timeout is shorter
         */
        public Builder queryTimeout(Duration timeout) {
            if (timeout.toSeconds() < 1) {
                throw new IllegalArgumentException("queryTimeout must be at least 1 s, was " + timeout);
            }
            this.queryTimeout = timeout;
            return this;
        }

        /**
         * Sets the store's {@link JdbcTimeSeriesStore#name() name}.
         *
         * @param name for logs and stats; by default the URL without its parameters, such as
         *     {@code postgresql://db:5432/iot}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Opens the store and creates the table if it is missing. When the database cannot be
         * reached now (a retryable failure), the store is returned anyway and creates the table
         * on its first successful call.
         *
         * @return the open store; close it
         * @throws IllegalArgumentException if neither or both of a URL and a {@code DataSource}
         *     were given, the URL is neither H2 nor PostgreSQL, or PostgreSQL has no user
         * @throws TimeSeriesException if the database refuses for good (wrong credentials, no
         *     such database, no privilege to create the table, a database that is neither H2
         *     nor PostgreSQL behind a {@code DataSource})
         */
        public JdbcTimeSeriesStore build() throws TimeSeriesException {
            if ((url == null) == (dataSource == null)) {
                throw new IllegalArgumentException("JdbcTimeSeriesStore needs either url(...) or dataSource(...), "
                        + (url == null ? "and got neither" : "not both"));
            }
            JdbcTimeSeriesStore store;
            if (url != null) {
                Dialect dialect = Dialect.ofUrl(url).orElseThrow(() -> new IllegalArgumentException(
                        "JdbcTimeSeriesStore supports H2 and PostgreSQL; the URL " + redact(url) + " is neither "
                        + "(use jdbc:h2:... or jdbc:postgresql:...)"));
                if (dialect.kind().equals("postgresql") && (user == null || user.isBlank())) {
                    throw new IllegalArgumentException("JdbcTimeSeriesStore on PostgreSQL needs a user: add "
                            + "user(...) and password(...) for " + redact(url));
                }
                if (user == null) {
                    user = "sa";
                }
                String storeName = name != null ? name : redact(url).replaceFirst("^jdbc:", "");
                HikariConfig config = new HikariConfig();
                config.setPoolName("edgeflow-timeseries[" + storeName + "]");
                config.setJdbcUrl(url);
                config.setUsername(user);
                config.setPassword(password == null ? "" : password);
                config.setMaximumPoolSize(poolSize);
                config.setMinimumIdle(1);
                config.setConnectionTimeout(connectionTimeout.toMillis());
                config.setValidationTimeout(Math.min(5000, Math.max(250, connectionTimeout.toMillis() / 2)));
                // The pool starts without a connection: a database that is down now must not
                // stop the application from starting (the first write fails retryably instead).
                config.setInitializationFailTimeout(-1);
                dialect.configure(config, (int) Math.max(1, queryTimeout.toSeconds()));
                store = new JdbcTimeSeriesStore(this, storeName, dialect, null, new HikariDataSource(config),
                        shutdownOnClose);
            } else {
                String storeName = name != null ? name : "datasource:" + dataSource.getClass().getSimpleName();
                store = new JdbcTimeSeriesStore(this, storeName, null, dataSource, null, false);
            }
            store.openAtStart();
            return store;
        }
    }

    /**
     * Returns the store's name: the kind of database and where it is, never a password.
     *
     * @return such as {@code h2:/var/lib/edgeflow/readings} or {@code postgresql://db:5432/iot}
     */
    @Override
    public String name() {
        return name;
    }

    /**
     * Returns the table's name.
     *
     * @return such as {@code readings}
     */
    public String table() {
        return tableName;
    }

    /**
     * Writes a batch in one transaction with JDBC batch inserts (multi-row INSERTs on
     * PostgreSQL): all of its rows or none. A reading whose device, time and field are already
     * stored keeps its stored value. Blocks until the commit; an empty batch does nothing.
     *
     * @param points the points
     * @throws TimeSeriesException if the batch was not committed; retryable when the database
     *     is unreachable or timed out, not for a value it refuses (a device id or field name
     *     over 255 characters) or missing rights
     */
    @Override
    public void write(List<Point> points) throws TimeSeriesException {
        Objects.requireNonNull(points, "points");
        if (points.isEmpty()) {
            return;
        }
        String action = "write a batch of " + points.size() + (points.size() == 1 ? " reading" : " readings");
        try (Connection c = connection(action)) {
            ReadingsTable t = ready(c);
            c.setAutoCommit(false);
            try {
                t.insert(c, points);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw failure(action, e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A reading is every field the device reported at one time; the limit counts readings,
     * not fields.
     *
     * @throws IllegalArgumentException if the device is blank or the limit below 1
     */
    @Override
    public List<StoredReading> recent(String device, Instant since, int limit) throws TimeSeriesException {
        checkDevice(device);
        Objects.requireNonNull(since, "since");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, was " + limit + ": it is how many readings "
                    + "(newest first) to return");
        }
        String action = "read the newest readings of device " + device;
        try (Connection c = connection(action)) {
            return ready(c).recent(c, device, since, limit);
        } catch (SQLException e) {
            throw failure(action, e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The standard deviation is the population's ({@code STDDEV_POP}).
     *
     * @throws IllegalArgumentException if the device is blank or {@code to} is before
     *     {@code from}
     */
    @Override
    public Map<String, FieldStatistics> statistics(String device, Instant from, Instant to)
            throws TimeSeriesException {
        checkDevice(device);
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (to.isBefore(from)) {
            throw new IllegalArgumentException("to (" + to + ") is before from (" + from + "): the window runs from "
                    + "from, inclusive, to to, exclusive; swap them");
        }
        String action = "compute the statistics of device " + device;
        try (Connection c = connection(action)) {
            return ready(c).statistics(c, device, from, to);
        } catch (SQLException e) {
            throw failure(action, e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The days are cut at the zone's midnights, so a day across a daylight-saving change
     * holds 23 or 25 hours of readings. The database computes the day of each reading with
     * {@code AT TIME ZONE}; on PostgreSQL the zone must be known to the server's time zone
     * database (every region of {@code java.time} is).
     *
     * @throws IllegalArgumentException if the device is blank or the last day is before the
     *     first
     */
    @Override
    public List<DailyStatistics> daily(String device, LocalDate firstDay, LocalDate lastDay, ZoneId zone)
            throws TimeSeriesException {
        checkDevice(device);
        Objects.requireNonNull(firstDay, "firstDay");
        Objects.requireNonNull(lastDay, "lastDay");
        Objects.requireNonNull(zone, "zone");
        if (lastDay.isBefore(firstDay)) {
            throw new IllegalArgumentException("lastDay (" + lastDay + ") is before firstDay (" + firstDay + "): both "
                    + "are inclusive; pass the earlier day first, or the same day twice for one day");
        }
        Instant from = firstDay.atStartOfDay(zone).toInstant();
        Instant to = lastDay.plusDays(1).atStartOfDay(zone).toInstant();
        String action = "compute the daily statistics of device " + device;
        try (Connection c = connection(action)) {
            return ready(c).daily(c, device, from, to, zone);
        } catch (SQLException e) {
            throw failure(action, e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The reading count counts distinct times, as {@link #recent(String, Instant, int)} does.
     * This scans the whole table.
     */
    @Override
    public List<DeviceSummary> devices() throws TimeSeriesException {
        String action = "list the devices";
        try (Connection c = connection(action)) {
            return ready(c).devices(c);
        } catch (SQLException e) {
            throw failure(action, e);
        }
    }

    /**
     * Closes the connection pool (not a {@code DataSource} given to the builder); an in-memory
     * H2 database is dropped. Idempotent; does not throw. Calls after this fail, not
     * retryably.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (shutdownOnClose && pool != null) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            } catch (SQLException e) {
                LOG.debug("{}: could not drop the in-memory database: {}", name, e.toString());
            }
        }
        if (pool != null) {
            pool.close();
        }
    }

    /**
     * Describes the store by its name and table, never a password.
     *
     * @return such as {@code JdbcTimeSeriesStore[h2:/var/lib/edgeflow/readings, table readings]}
     */
    @Override
    public String toString() {
        return "JdbcTimeSeriesStore[" + name + ", table " + tableName + "]";
    }

    private void openAtStart() throws TimeSeriesException {
        try (Connection c = connection("open the store")) {
            ready(c);
        } catch (SQLException e) {
            TimeSeriesException failure = failure("open the store", e);
            if (!failure.isRetryable()) {
                close();
                throw failure;
            }
            LOG.warn("{}: the database cannot be reached now; the table will be created on the first call that "
                    + "reaches it: {}", name, failure.getMessage());
        }
    }

    private Connection connection(String action) throws SQLException, TimeSeriesException {
        if (closed) {
            throw new TimeSeriesException(name + ": cannot " + action + ": the store is closed", null, false);
        }
        return pool != null ? pool.getConnection() : dataSource.getConnection();
    }

    /** Creates the table on the first call that reaches the database. */
    private ReadingsTable ready(Connection c) throws SQLException, TimeSeriesException {
        ReadingsTable t = table;
        if (t != null) {
            return t;
        }
        synchronized (schemaLock) {
            if (table == null) {
                Dialect d = dialect;
                if (d == null) {
                    String product = c.getMetaData().getDatabaseProductName();
                    d = Dialect.ofProduct(product).orElseThrow(() -> new TimeSeriesException(name
                            + ": JdbcTimeSeriesStore supports H2 and PostgreSQL; the DataSource connects to " + product,
                            null, false));
                    dialect = d;
                }
                ReadingsTable created = new ReadingsTable(tableName, d, queryTimeoutSeconds);
                boolean autoCommit = c.getAutoCommit();
                c.setAutoCommit(true);
                created.create(c);
                c.setAutoCommit(autoCommit);
                LOG.debug("{}: table {} is ready", name, tableName);
                table = created;
            }
            return table;
        }
    }

    private TimeSeriesException failure(String action, SQLException e) {
        return SqlFailures.translate(name, action, user, tableName, e);
    }

    private void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // the connection is gone, and the database rolls back on its own
            cause.addSuppressed(e);
        }
    }

    private static void checkDevice(String device) {
        Objects.requireNonNull(device, "device");
        if (device.isBlank()) {
            throw new IllegalArgumentException("device must not be blank: pass the device id as the readings carry "
                    + "it, such as \"pi-1\"");
        }
    }

    /** The URL without its parameters, where a password may be. */
    private static String redact(String url) {
        String bare = url.replaceFirst("//[^/@]*@", "//");
        int cut = bare.length();
        for (char c : new char[] {'?', ';'}) {
            int i = bare.indexOf(c);
            if (i >= 0) {
                cut = Math.min(cut, i);
            }
        }
        return bare.substring(0, cut);
    }
}
