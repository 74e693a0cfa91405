package dev.edgeflow.benchmarks.spool;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A durable local queue on SQLite, written as a user would write one instead of the spool:
 * one table in WAL mode, keyed by an {@code INTEGER PRIMARY KEY} (SQLite's rowid, so rows are
 * kept in insertion order), holding every field the spool keeps. Writing inserts with a
 * prepared statement, in batches of one transaction each; reading selects the oldest rows and
 * deletes them by range, the equivalent of the spool's confirm.
 *
 * <p>Headers go into a BLOB of length-prefixed UTF-8 names and values: cheaper than JSON, and
 * unambiguous for any header. The timestamp is epoch nanoseconds, as exact as the spool's.
 */
final class SqliteQueue implements AutoCloseable {
    static final String SCHEMA = "CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, "
            + "topic TEXT NOT NULL, payload BLOB NOT NULL, headers BLOB NOT NULL, ts INTEGER NOT NULL, "
            + "qos INTEGER NOT NULL)";

    private final Connection connection;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement delete;
    private long lastRead;

    /**
     * Opens (and creates) the queue.
     *
     * @param file the database file
     * @param synchronous {@code FULL}: each commit forces the WAL to the device, so a committed
     *     row survives a power loss; {@code NORMAL}: commits are written to the WAL and forced
     *     only at checkpoints, so they survive a crash of the process but a power loss can take
     *     the last transactions back
     * @param autoCommit true for a transaction per statement
     */
    SqliteQueue(Path file, String synchronous, boolean autoCommit) throws SQLException {
        connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = connection.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
                if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
                    throw new SQLException("SQLite in " + file + " did not switch to WAL mode");
                }
            }
            s.execute("PRAGMA synchronous=" + synchronous);
            s.execute(SCHEMA);
        }
        connection.setAutoCommit(autoCommit);
        insert = connection.prepareStatement(
                "INSERT INTO queue (id, topic, payload, headers, ts, qos) VALUES (?, ?, ?, ?, ?, ?)");
        select = connection.prepareStatement(
                "SELECT seq, id, topic, payload, headers, ts, qos FROM queue WHERE seq > ? ORDER BY seq LIMIT ?");
        delete = connection.prepareStatement("DELETE FROM queue WHERE seq <= ?");
    }

    /** Inserts one row; in auto-commit mode that is one transaction, forced as {@code synchronous} says. */
    void insert(Message m) throws SQLException {
        bind(m);
        insert.executeUpdate();
    }

    /** Inserts rows in one transaction: a batch of the prepared statement, then a commit. */
    void insertBatch(Readings readings, int rows) throws SQLException {
        for (int i = 0; i < rows; i++) {
            bind(readings.next());
            insert.addBatch();
        }
        insert.executeBatch();
        connection.commit();
    }

    private void bind(Message m) throws SQLException {
        Instant ts = m.timestamp();
        insert.setString(1, m.id());
        insert.setString(2, m.topic());
        insert.setBytes(3, m.payload());
        insert.setBytes(4, encodeHeaders(m.headers()));
        insert.setLong(5, ts.getEpochSecond() * 1_000_000_000L + ts.getNano());
        insert.setInt(6, m.qos().level());
    }

    /**
     * Reads up to {@code max} of the oldest rows as messages, hands them to {@code sink}, then
     * deletes them and commits: the equivalent of the spool's poll and confirm.
     *
     * @return how many rows were read
     */
    int takeOldest(int max, Consumer<Message> sink) throws SQLException {
        select.setLong(1, lastRead);
        select.setInt(2, max);
        int n = 0;
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                lastRead = rs.getLong(1);
                long ts = rs.getLong(6);
                Message.Builder b = Message.builder(rs.getString(3))
                        .id(rs.getString(2))
                        .payload(rs.getBytes(4))
                        .timestamp(Instant.ofEpochSecond(Math.floorDiv(ts, 1_000_000_000L),
                                Math.floorMod(ts, 1_000_000_000L)))
                        .qos(Qos.ofLevel(rs.getInt(7)));
                decodeHeaders(rs.getBytes(5), b);
                sink.accept(b.build());
                n++;
            }
        }
        if (n > 0) {
            delete.setLong(1, lastRead);
            delete.executeUpdate();
            connection.commit();
        }
        return n;
    }

    /** Moves everything in the WAL into the database file and empties the WAL. */
    void checkpoint() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }

    long count() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM queue")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    static byte[] encodeHeaders(Map<String, String> headers) {
        if (headers.isEmpty()) {
            return new byte[0];
        }
        byte[][] parts = new byte[headers.size() * 2][];
        int size = 0;
        int i = 0;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            parts[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
            parts[i + 1] = e.getValue().getBytes(StandardCharsets.UTF_8);
            size += 8 + parts[i].length + parts[i + 1].length;
            i += 2;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        for (byte[] p : parts) {
            b.putInt(p.length).put(p);
        }
        return b.array();
    }

    private static void decodeHeaders(byte[] bytes, Message.Builder b) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        while (in.hasRemaining()) {
            String name = utf8(in);
            b.header(name, utf8(in));
        }
    }

    private static String utf8(ByteBuffer in) {
        int n = in.getInt();
        String s = new String(in.array(), in.position(), n, StandardCharsets.UTF_8);
        in.position(in.position() + n);
        return s;
    }
}
