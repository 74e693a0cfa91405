package dev.edgeflow.log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;

/** An SLF4J logger that keeps what it is given, enabled from a threshold level up; for tests that check what was logged. */
public final class RecordingLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    /** One logged event, its message formatted. */
    public record Event(Level level, String message) {
    }

    private final transient Level threshold;
    private final transient RuntimeException failWith;
    public final transient List<Event> events = new CopyOnWriteArrayList<>();

    public RecordingLogger(Level threshold) {
        this(threshold, null);
    }

    RecordingLogger(Level threshold, RuntimeException failWith) {
        this.name = "recording";
        this.threshold = threshold;
        this.failWith = failWith;
    }

    /** The formatted messages logged at WARN. */
    public List<String> warnings() {
        return events.stream().filter(e -> e.level() == Level.WARN).map(Event::message).collect(Collectors.toList());
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold.toInt();
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
            Throwable throwable) {
        if (failWith != null) {
            throw failWith;
        }
        events.add(new Event(level, org.slf4j.helpers.MessageFormatter.basicArrayFormat(messagePattern, arguments)));
    }
}
