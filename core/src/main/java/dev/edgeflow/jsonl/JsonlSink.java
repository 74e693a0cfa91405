package dev.edgeflow.jsonl;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.internal.Json;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sink that appends one JSON object per message to a file (JSON Lines), rotating it by size;
 * scheme {@code jsonl}. For archiving readings on the device and for replaying them later.
 *
 * <pre>{@code
 * Sink archive = JsonlSink.builder(Path.of("/var/lib/edgeflow/readings.jsonl")).maxBytes(10 << 20).build();
 * Sink same = Connectors.sink(URI.create("jsonl:///var/lib/edgeflow/readings.jsonl?maxBytes=10MB"));
 * }</pre>
 *
 * <p>Each line is one object:
 * <pre>{@code
 * {"id":"...","topic":"sensor/room1","timestamp":"2026-01-01T12:00:00Z","qos":1,"headers":{"unit":"C"},"payload":{"t":21.5}}
 * }</pre>
 * A payload that is valid JSON is embedded as it is, under {@code payload} (line breaks between
 * its tokens become spaces, so it stays on one line); other valid UTF-8 text goes in
 * {@code payloadText} as a string; anything else in {@code payloadBase64} (RFC 4648, padded).
 * Headers, values included, are written in full: the file is the message's archive.
 *
 * <p><b>Completion.</b> {@link #send(Message)} writes the line and flushes it to the operating
 * system on the caller's thread, so it blocks for one {@code write} call (and, with
 * {@link Builder#fsync(boolean) fsync}, one {@code fsync}), then returns a completed stage.
 * The line survives a crash of the JVM once the stage is complete; with fsync it survives a
 * power cut too. An I/O error (disk full, the file system remounted read-only) completes
 * the stage exceptionally with an {@link IOException} naming the file and the reason; the file
 * is cut back to its last whole line, so the send may be retried. Strings that are not valid Unicode (a lone UTF-16
 * surrogate in a header) are written as JSON escapes such as <code>&#92;uD800</code>, so every message can
 * be written; should Jackson still refuse one, its send completes with
 * {@link MessageRejectedException}.
 *
 * <p><b>Rotation.</b> Before a line would take the file over {@code maxBytes}, the file is
 * closed and the files move one step along: the oldest, {@code out.jsonl.<maxFiles-1>}, is
 * deleted, {@code out.jsonl.1} becomes {@code out.jsonl.2} and so on, {@code out.jsonl} becomes
 * {@code out.jsonl.1}, and a fresh {@code out.jsonl} is opened. So at most {@code maxFiles} files
 * exist, the current one included, and the oldest lines go first, a whole file at a time.
 * A line longer than {@code maxBytes} is still written, alone in a fresh file. Files numbered
 * above {@code maxFiles - 1} left by an earlier, larger setting are not touched.
 *
 * <p>Thread-safe: lines are encoded on the calling threads and written under a lock, so lines
 * from different threads are never interleaved or torn. Only one sink (in one process) should
 * write a file at a time. Reopening a file appends to it.
 *
 * @since 0.1.0
 */
public final class JsonlSink implements Sink {
    /** The size at which the file is rotated when none is given: 64 MiB. */
    public static final long DEFAULT_MAX_BYTES = 64L << 20;
    /** How many files are kept when no number is given, the current one included. */
    public static final int DEFAULT_MAX_FILES = 5;
    /** The most files that may be kept. */
    public static final int MAX_FILES_LIMIT = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(JsonlSink.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final JsonFactory JSON = Json.MAPPER.getFactory();
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final byte NEWLINE = '\n';

    private final Path file;
    private final long maxBytes;
    private final int maxFiles;
    private final boolean fsync;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;

    // Guarded by lock. channel is null after a rotation or a recovery failed, until the next write reopens it.
    private FileChannel channel;
    private OutputStream out;
    /** Bytes written to the current file, buffered ones included. */
    private long size;
    /** Bytes of the current file known to be handed to the OS: every line before them is complete. */
    private long committed;

    private JsonlSink(Builder b) {
        this.file = b.file;
        this.maxBytes = b.maxBytes;
        this.maxFiles = b.maxFiles;
        this.fsync = b.fsync;
    }

    /**
     * Starts a sink that appends to a file.
     *
     * @param file the file; relative paths are taken from the working directory. Missing parent
     *     directories are created by {@link Builder#build()}.
     * @return a builder with the defaults: 64 MiB per file, 5 files, no fsync
     * @throws NullPointerException if {@code file} is null
     */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /**
     * Returns the file lines are appended to; rotated files sit next to it with {@code .1},
     * {@code .2}, ... appended to its name.
     *
     * @return the absolute path of the current file
     */
    public Path file() {
        return file;
    }

    /**
     * Appends one line and flushes it to the operating system. Blocks for that write (and the
     * fsync, if on), and while another thread writes.
     *
     * @param message the message, not null
     * @return a completed stage: normally once the line is written; exceptionally with an
     *     {@link IOException} naming the file if writing or rotating failed (retryable), with
     *     {@link MessageRejectedException} if the message cannot be written as JSON, or with
     *     {@link IllegalStateException} if this sink is closed
     * @throws NullPointerException if {@code message} is null
     */
    @Override
    public CompletionStage<Void> send(Message message) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            return closedFailure();
        }
        byte[] line;
        try {
            line = encode(message);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(rejected(message, e));
        }
        lock.lock();
        try {
            if (closed) {
                return closedFailure();
            }
            ensureOpen();
            if (rotationDue(line.length)) {
                commit();
                rotate();
            }
            write(line);
            commit();
            return DONE;
        } catch (IOException e) {
            return CompletableFuture.failedFuture(recover(e));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends several lines, in order, and flushes them to the operating system once, which
     * costs one {@code write} (and one fsync) for the batch instead of one per message. Blocks
     * like {@link #send(Message)}.
     *
     * @param messages the messages, in order; none null
     * @return one completed stage per message, in the same order, each with the outcome
     *     {@link #send(Message)} describes. When a write fails, the lines already flushed (by a
     *     rotation) complete normally and the others exceptionally.
     * @throws NullPointerException if the list or one of its messages is null
     */
    @Override
    public List<CompletionStage<Void>> sendBatch(List<Message> messages) {
        List<CompletionStage<Void>> results = new ArrayList<>(messages.size());
        if (closed) {
            for (int i = 0; i < messages.size(); i++) {
                results.add(closedFailure());
            }
            return results;
        }
        byte[][] lines = new byte[messages.size()][];
        for (int i = 0; i < lines.length; i++) {
            Message m = Objects.requireNonNull(messages.get(i), "message");
            try {
                lines[i] = encode(m);
            } catch (IOException e) {
                lines[i] = null;
                results.add(CompletableFuture.failedFuture(rejected(m, e)));
                continue;
            }
            results.add(null);
        }
        int done = 0;
        IOException failure = null;
        boolean wasClosed = false;
        lock.lock();
        try {
            if (closed) {
                wasClosed = true;
            } else {
                ensureOpen();
                for (int i = 0; i < lines.length; i++) {
                    if (lines[i] == null) {
                        continue;
                    }
                    if (rotationDue(lines[i].length)) {
                        commit();
                        done = i;
                        rotate();
                    }
                    write(lines[i]);
                }
                commit();
                done = lines.length;
            }
        } catch (IOException e) {
            failure = recover(e);
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < lines.length; i++) {
            if (lines[i] != null) {
                results.set(i, i < done ? DONE
                        : wasClosed ? closedFailure() : CompletableFuture.failedFuture(failure));
            }
        }
        return results;
    }

    /**
     * Flushes to the operating system anything not yet there, and with fsync forces the file to
     * disk. Every send has flushed already, so without fsync this costs nothing. Blocks for the
     * fsync. Idempotent; after {@link #close()} it completes at once.
     *
     * @return a completed stage, exceptionally with an {@link IOException} naming the file if
     *     the flush or fsync failed
     */
    @Override
    public CompletionStage<Void> flush() {
        lock.lock();
        try {
            if (closed || channel == null) {
                return DONE;
            }
            commit();
            return DONE;
        } catch (IOException e) {
            return CompletableFuture.failedFuture(recover(e));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns {@code jsonl:} and the file path.
     *
     * @return the name, such as {@code jsonl:/var/lib/edgeflow/readings.jsonl}
     */
    @Override
    public String name() {
        return "jsonl:" + file;
    }

    /**
     * Flushes (and with fsync forces) the file and closes it; later sends complete with
     * {@link IllegalStateException}. Waits for a write in progress. Idempotent; an I/O error
     * while closing is logged at WARN, not thrown: the lines of completed sends were already
     * handed to the operating system.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (channel != null) {
                try {
                    commit();
                } catch (IOException e) {
                    LOG.warn("jsonl sink {}: flushing on close failed: {}", file, reason(e), e);
                }
                closeChannel();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "JsonlSink{" + file + ", maxBytes=" + maxBytes + ", maxFiles=" + maxFiles + ", fsync=" + fsync
                + (closed ? ", closed" : "") + "}";
    }

    private CompletableFuture<Void> closedFailure() {
        return CompletableFuture.failedFuture(new IllegalStateException("jsonl sink '" + name() + "' is closed"));
    }

    private MessageRejectedException rejected(Message m, IOException e) {
        return new MessageRejectedException("message " + m.id() + " on topic '" + m.topic()
                + "' cannot be written as JSON to " + file + ": " + e.getMessage(), e);
    }

    // ---- encoding: runs on the caller's thread, outside the lock ----

    static byte[] encode(Message m) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(160 + m.payloadSize() + m.payloadSize() / 3);
        try (JsonGenerator g = JSON.createGenerator(buf, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("id", m.id());
            g.writeStringField("topic", m.topic());
            g.writeStringField("timestamp", m.timestamp().toString());
            g.writeNumberField("qos", m.qos().level());
            g.writeObjectFieldStart("headers");
            // Sorted, so that equal messages give equal lines and files diff well.
            Map<String, String> headers = m.headers().size() > 1 ? new TreeMap<>(m.headers()) : m.headers();
            for (Map.Entry<String, String> h : headers.entrySet()) {
                g.writeStringField(h.getKey(), h.getValue());
            }
            g.writeEndObject();
            String text = utf8(m);
            if (text != null && isSingleJsonValue(text)) {
                g.writeFieldName("payload");
                g.writeRawValue(onOneLine(text));
            } else if (text != null) {
                g.writeStringField("payloadText", text);
            } else {
                g.writeStringField("payloadBase64", Base64.getEncoder().encodeToString(m.payload()));
            }
            g.writeEndObject();
        }
        buf.write(NEWLINE);
        return buf.toByteArray();
    }

    private static String utf8(Message m) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(m.payloadBuffer())
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * Whether the text is exactly one strict JSON value. Parsed from the decoded text, not the
     * bytes, so that Jackson cannot guess UTF-16 and make us embed bytes that are not UTF-8; and
     * trailing values ({@code {} {}}) are refused, since embedding them would break the line.
     */
    private static boolean isSingleJsonValue(String text) {
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Strict JSON allows CR and LF only between tokens, never raw inside a string, so turning
     * them into spaces keeps the value and puts it on one line.
     */
    private static String onOneLine(String json) {
        return json.indexOf('\n') < 0 && json.indexOf('\r') < 0 ? json : json.replace('\n', ' ').replace('\r', ' ');
    }

    // ---- writing: everything below runs under the lock ----

    private void ensureOpen() throws IOException {
        if (channel == null) {
            open();
        }
    }

    private void open() throws IOException {
        boolean existed = Files.exists(file);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IOException("cannot open " + file + " for appending: " + reason(e), e);
        }
        try {
            long length = ch.size();
            if (length > 0 && !endsWithNewline(length)) {
                // A crash or a failed write left half a line: end it, so that our next line parses.
                LOG.warn("jsonl sink {}: the file ends in an incomplete line; starting a new line after it", file);
                ByteBuffer nl = ByteBuffer.wrap(new byte[] {NEWLINE});
                while (nl.hasRemaining()) {
                    ch.write(nl);
                }
                length++;
            }
            channel = ch;
            out = new BufferedOutputStream(Channels.newOutputStream(ch), BUFFER_BYTES);
            size = length;
            committed = length;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IOException("cannot open " + file + " for appending: " + reason(e), e);
        }
        if (fsync && !existed) {
            syncDirectory();
        }
    }

    /** Reads the last byte through a channel of its own: an appending channel cannot read. */
    private boolean endsWithNewline(long length) throws IOException {
        try (FileChannel reader = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            return reader.read(last, length - 1) == 1 && last.get(0) == NEWLINE;
        }
    }

    /**
     * Whether a line of this length would take the file over the limit. A line never goes to a
     * file that holds nothing yet, however long it is, so that it is never lost.
     */
    private boolean rotationDue(int lineLength) {
        return size > 0 && size + lineLength > maxBytes;
    }

    private void write(byte[] line) throws IOException {
        try {
            out.write(line);
        } catch (IOException e) {
            throw new IOException("cannot append to " + file + ": " + reason(e), e);
        }
        size += line.length;
    }

    private void commit() throws IOException {
        try {
            out.flush();
            if (fsync) {
                // force(true): whether force(false) also persists the new file length is up to the OS.
                channel.force(true);
            }
        } catch (IOException e) {
            throw new IOException("cannot " + (fsync ? "flush and fsync " : "flush ") + file + ": " + reason(e), e);
        }
        committed = size;
    }

    /** Renames the files one step along and opens a fresh one; the caller has committed. */
    private void rotate() throws IOException {
        closeChannel();
        String step = "deleting " + file;
        try {
            if (maxFiles == 1) {
                Files.deleteIfExists(file);
            } else {
                Path oldest = rotated(maxFiles - 1);
                step = "deleting " + oldest;
                Files.deleteIfExists(oldest);
                for (int i = maxFiles - 2; i >= 0; i--) {
                    Path from = i == 0 ? file : rotated(i);
                    Path to = rotated(i + 1);
                    step = "moving " + from + " to " + to;
                    if (i == 0 || Files.exists(from)) {
                        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            throw new IOException("cannot rotate " + file + " (" + step + "): " + reason(e), e);
        }
        LOG.debug("jsonl sink {}: rotated after reaching {} bytes", file, maxBytes);
        open();
    }

    private Path rotated(int index) {
        return file.resolveSibling(file.getFileName() + "." + index);
    }

    /**
     * After a failed write: cut the file back to its last complete line, so that the failed
     * lines, which will be retried, are not in it twice or half. If even that fails, close the
     * file; reopening it ends any half line.
     */
    private IOException recover(IOException cause) {
        if (channel != null) {
            try {
                channel.truncate(committed);
                out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES);
                size = committed;
            } catch (IOException e) {
                cause.addSuppressed(e);
                closeChannel();
            }
        }
        return cause;
    }

    private void closeChannel() {
        FileChannel ch = channel;
        channel = null;
        out = null;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.warn("jsonl sink {}: closing the file failed: {}", file, reason(e), e);
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Already failing with the error that matters.
        }
    }

    /** A new file's name is only durable once its directory is synced too. */
    private void syncDirectory() {
        Path dir = file.getParent();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some systems (Windows) cannot open a directory; the file's own fsync is all they offer.
            LOG.debug("jsonl sink {}: cannot fsync directory {}: {}", file, dir, reason(e));
        }
    }

    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "a directory that is not empty is in the way";
        }
        if (e instanceof FileAlreadyExistsException) {
            return ((FileAlreadyExistsException) e).getFile() + " already exists";
        }
        // The OS words its errors as sentences ("No space left on device"); ours continue after a colon.
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            return lowerFirst(((FileSystemException) e).getReason());
        }
        return e.getMessage() != null ? lowerFirst(e.getMessage()) : e.getClass().getSimpleName();
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
    }

    /**
     * Builds a {@link JsonlSink}. Not thread-safe; each {@link #build()} opens the file anew.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final Path file;
        private long maxBytes = DEFAULT_MAX_BYTES;
        private int maxFiles = DEFAULT_MAX_FILES;
        private boolean fsync;

        private Builder(Path file) {
            this.file = Objects.requireNonNull(file, "file").toAbsolutePath();
        }

        /**
         * Sets the size at which the file is rotated.
         *
         * @param maxBytes 1 or more; default {@link JsonlSink#DEFAULT_MAX_BYTES} (64 MiB)
         * @return this builder
         * @throws IllegalArgumentException if it is less than 1
         */
        public Builder maxBytes(long maxBytes) {
            if (maxBytes < 1) {
                throw new IllegalArgumentException("jsonl sink maxBytes is " + maxBytes
                        + ": use a positive size in bytes, such as " + DEFAULT_MAX_BYTES + " (64 MiB)");
            }
            this.maxBytes = maxBytes;
            return this;
        }

        /**
         * Sets how many files are kept, the current one included; older ones are deleted on
         * rotation. With 1, rotation empties the file.
         *
         * @param maxFiles from 1 to {@value JsonlSink#MAX_FILES_LIMIT}; default
         *     {@value JsonlSink#DEFAULT_MAX_FILES}
         * @return this builder
         * @throws IllegalArgumentException if it is out of that range
         */
        public Builder maxFiles(int maxFiles) {
            if (maxFiles < 1 || maxFiles > MAX_FILES_LIMIT) {
                throw new IllegalArgumentException("jsonl sink maxFiles is " + maxFiles + ": use 1 to "
                        + MAX_FILES_LIMIT);
            }
            this.maxFiles = maxFiles;
            return this;
        }

        /**
         * Sets whether each send and each {@link JsonlSink#flush()} forces the file to disk
         * ({@link FileChannel#force(boolean)}), so that completed sends survive a power cut.
         * It costs one disk sync per send, or per batch with {@link JsonlSink#sendBatch(List)};
         * on SD cards that can be milliseconds each.
         *
         * @param fsync {@code true} to sync; default {@code false}
         * @return this builder
         */
        public Builder fsync(boolean fsync) {
            this.fsync = fsync;
            return this;
        }

        /**
         * Creates missing parent directories and opens the file for appending. Blocks for that
         * file-system work.
         *
         * @return the sink, with the file open
         * @throws UncheckedIOException if a directory cannot be created or the file cannot be
         *     opened for appending; the message names the path and the reason, such as
         *     {@code cannot open /root/x.jsonl for appending: permission denied}
         */
        public JsonlSink build() {
            createParentDirectories();
            JsonlSink sink = new JsonlSink(this);
            sink.lock.lock();
            try {
                sink.open();
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            } finally {
                sink.lock.unlock();
            }
            return sink;
        }

        private void createParentDirectories() {
            Path dir = file.getParent();
            if (dir == null || Files.isDirectory(dir)) {
                return;
            }
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                String why = reason(e);
                for (Path p = dir; p != null; p = p.getParent()) {
                    if (Files.exists(p) && !Files.isDirectory(p)) {
                        why = p + " is a file, not a directory";
                        break;
                    }
                }
                throw new UncheckedIOException("cannot create directory " + dir + " for " + file + ": " + why, e);
            }
        }
    }
}
