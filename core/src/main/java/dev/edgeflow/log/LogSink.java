package dev.edgeflow.log;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A sink that writes one log line per message through SLF4J, for debugging a pipeline and for
 * audit trails; scheme {@code log}.
 *
 * <pre>{@code
 * Sink audit = LogSink.builder().name("edgeflow.audit").level(Level.DEBUG).build();
 * Sink same = Connectors.sink(URI.create("log:edgeflow.audit?level=DEBUG"));
 * }</pre>
 *
 * <p>Each line shows the topic, id, QoS, payload size and the header <em>names</em>. Header values
 * are never logged, because headers may carry tokens or signatures. The payload text is logged
 * only when {@link Builder#payload(boolean)} is on, shortened to
 * {@link Builder#maxPayloadChars(int)} characters, with line breaks and other control
 * characters escaped so that a payload cannot forge log lines; a payload that is not UTF-8 text
 * is shown as its size only.
 *
 * <p>{@link #send(Message)} logs on the caller's thread and returns a completed stage: the sink
 * blocks only as long as the SLF4J backend does, and it holds nothing back, so under load the
 * backend sets the pace. A send to a closed sink, or one whose logging backend throws, completes
 * exceptionally. Thread-safe.
 *
 * @since 0.1.0
 */
public final class LogSink implements Sink {
    /** The logger name used when none is given. */
    public static final String DEFAULT_NAME = "edgeflow.log";
    /** How many payload characters are logged when no limit is given. */
    public static final int DEFAULT_MAX_PAYLOAD_CHARS = 200;

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final String name;
    private final Level level;
    private final boolean payload;
    private final int maxPayloadChars;
    private final Logger log;
    private volatile boolean closed;

    private LogSink(Builder b) {
        this.name = b.name;
        this.level = b.level;
        this.payload = b.payload;
        this.maxPayloadChars = b.maxPayloadChars;
        this.log = b.logger != null ? b.logger : LoggerFactory.getLogger(b.name);
    }

    /**
     * Starts a log sink with the defaults: logger {@value #DEFAULT_NAME}, level INFO, payload text
     * included up to {@value #DEFAULT_MAX_PAYLOAD_CHARS} characters.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Logs one message, unless the logger is off for this sink's level. Does not block beyond
     * the SLF4J backend's own write.
     *
     * @param message the message, not null
     * @return a completed stage; completed exceptionally with {@link IllegalStateException} if
     *     this sink is closed, or with the backend's exception if logging throws
     * @throws NullPointerException if {@code message} is null
     */
    @Override
    public CompletionStage<Void> send(Message message) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("log sink '" + name() + "' is closed"));
        }
        try {
            if (log.isEnabledForLevel(level)) {
                log(describe(message));
            }
            return DONE;
        } catch (RuntimeException e) {
            // A broken backend must fail this send, not the pipeline thread that called it.
            return CompletableFuture.failedFuture(e);
        }
    }

    private void log(String line) {
        switch (level) {
            case TRACE -> log.trace(line);
            case DEBUG -> log.debug(line);
            case INFO -> log.info(line);
            case WARN -> log.warn(line);
            default -> log.error(line);
        }
    }

    private String describe(Message m) {
        StringBuilder sb = new StringBuilder(128 + (payload ? Math.min(maxPayloadChars, m.payloadSize()) : 0));
        sb.append(escape(m.topic())).append(" id=").append(escape(m.id())).append(" qos=").append(m.qos().level())
                .append(" bytes=").append(m.payloadSize());
        if (!m.headers().isEmpty()) {
            sb.append(" headers=[");
            boolean first = true;
            for (String header : m.headers().keySet()) {
                sb.append(first ? "" : ", ").append(escape(header));
                first = false;
            }
            sb.append(']');
        }
        if (payload) {
            sb.append(" payload=");
            appendPayload(sb, m);
        }
        return sb.toString();
    }

    private void appendPayload(StringBuilder sb, Message m) {
        // Decode only as much as is shown: a megabyte payload must not cost a megabyte string.
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = m.payloadBuffer();
        CharBuffer out = CharBuffer.allocate(Math.min(maxPayloadChars, m.payloadSize()));
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            sb.append("<not UTF-8 text>");
            return;
        }
        out.flip();
        sb.append('"');
        appendEscaped(sb, out);
        sb.append('"');
        if (in.hasRemaining()) {
            sb.append("... (").append(in.remaining()).append(" more bytes)");
        }
    }

    private static String escape(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                StringBuilder sb = new StringBuilder(s.length() + 8);
                appendEscaped(sb, s);
                return sb.toString();
            }
        }
        return s;
    }

    private static void appendEscaped(StringBuilder sb, CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
    }

    /**
     * Returns {@code log:} and the logger name.
     *
     * @return the name, such as {@code log:edgeflow.audit}
     */
    @Override
    public String name() {
        return "log:" + name;
    }

    /** Makes later sends complete exceptionally. Idempotent; never blocks or throws. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "LogSink{" + name + ", level=" + level + ", payload=" + (payload ? maxPayloadChars + " chars" : "off")
                + (closed ? ", closed" : "") + "}";
    }

    /**
     * Builds a {@link LogSink}. Not thread-safe; each {@link #build()} makes a new sink.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String name = DEFAULT_NAME;
        private Level level = Level.INFO;
        private boolean payload = true;
        private int maxPayloadChars = DEFAULT_MAX_PAYLOAD_CHARS;
        private Logger logger;

        private Builder() {
        }

        /**
         * Sets the SLF4J logger name, which is how the application's logging configuration
         * routes and filters these lines.
         *
         * @param name the logger name; default {@value LogSink#DEFAULT_NAME}
         * @return this builder
         * @throws IllegalArgumentException if the name is null or blank
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("log sink logger name is " + (name == null ? "null" : "blank")
                        + ": give a logger name such as 'edgeflow.audit', or leave it unset for '"
                        + DEFAULT_NAME + "'");
            }
            this.name = name;
            return this;
        }

        /**
         * Sets the level of every line.
         *
         * @param level the level; default {@link Level#INFO}
         * @return this builder
         * @throws NullPointerException if {@code level} is null
         */
        public Builder level(Level level) {
            this.level = Objects.requireNonNull(level, "level");
            return this;
        }

        /**
         * Sets whether the payload text is logged. Turn it off when payloads may hold personal
         * or secret data; the size is logged either way.
         *
         * @param payload {@code true} to log the payload text; default {@code true}
         * @return this builder
         */
        public Builder payload(boolean payload) {
            this.payload = payload;
            return this;
        }

        /**
         * Sets how many characters of payload text are logged; the rest is cut off and its
         * size in bytes shown.
         *
         * @param maxPayloadChars 1 or more; default {@value LogSink#DEFAULT_MAX_PAYLOAD_CHARS}
         * @return this builder
         * @throws IllegalArgumentException if it is less than 1
         */
        public Builder maxPayloadChars(int maxPayloadChars) {
            if (maxPayloadChars < 1) {
                throw new IllegalArgumentException("log sink maxPayloadChars is " + maxPayloadChars
                        + ": use 1 or more, or payload(false) to leave the payload out");
            }
            this.maxPayloadChars = maxPayloadChars;
            return this;
        }

        // Lets tests watch the lines without depending on which SLF4J backend is on the path.
        Builder logger(Logger logger) {
            this.logger = Objects.requireNonNull(logger, "logger");
            return this;
        }

        /**
         * Builds the sink. Never blocks or fails.
         *
         * @return the sink
         */
        public LogSink build() {
            return new LogSink(this);
        }
    }
}
