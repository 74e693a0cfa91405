package dev.edgeflow.log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;

/** An SLF4J logger that keeps what it is given, enabled from a threshold level up. */
final class RecordingLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    record Event(Level level, String message) {
    }

    private final transient Level threshold;
    private final transient RuntimeException failWith;
    final transient List<Event> events = new CopyOnWriteArrayList<>();

    RecordingLogger(Level threshold) {
        this(threshold, null);
    }

    RecordingLogger(Level threshold, RuntimeException failWith) {
        this.name = "recording";
        this.threshold = threshold;
        this.failWith = failWith;
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
