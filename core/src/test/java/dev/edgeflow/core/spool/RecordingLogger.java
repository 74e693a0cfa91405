package dev.edgeflow.core.spool;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** An SLF4J logger that keeps INFO and above, so tests can check what the spool reported. */
final class RecordingLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    record Event(Level level, String message) {
    }

    final transient List<Event> events = new CopyOnWriteArrayList<>();

    RecordingLogger() {
        this.name = "spool-test";
    }

    List<String> warnings() {
        return events.stream().filter(e -> e.level() == Level.WARN).map(Event::message).collect(Collectors.toList());
    }

    @Override
    public boolean isTraceEnabled() {
        return false;
    }

    @Override
    public boolean isDebugEnabled() {
        return false;
    }

    @Override
    public boolean isInfoEnabled() {
        return true;
    }

    @Override
    public boolean isWarnEnabled() {
        return true;
    }

    @Override
    public boolean isErrorEnabled() {
        return true;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
            Throwable throwable) {
        events.add(new Event(level, MessageFormatter.basicArrayFormat(messagePattern, arguments)));
    }
}
