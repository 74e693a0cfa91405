package dev.edgeflow.dashboard;

import dev.edgeflow.timeseries.DailyStatistics;
import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.FieldStatistics;
import dev.edgeflow.timeseries.ReadingQueries;
import dev.edgeflow.timeseries.StoredReading;
import dev.edgeflow.timeseries.TimeSeriesException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/** A store whose every query fails, the one thing the real store cannot be made to do on demand. */
final class FailingQueries implements ReadingQueries {
    private final Exception failure;

    /** Fails with a {@link TimeSeriesException} or a runtime exception. */
    FailingQueries(Exception failure) {
        this.failure = failure;
    }

    @Override
    public List<StoredReading> recent(String device, Instant since, int limit) throws TimeSeriesException {
        throw fail();
    }

    @Override
    public Map<String, FieldStatistics> statistics(String device, Instant from, Instant to)
            throws TimeSeriesException {
        throw fail();
    }

    @Override
    public List<DailyStatistics> daily(String device, LocalDate firstDay, LocalDate lastDay, ZoneId zone)
            throws TimeSeriesException {
        throw fail();
    }

    @Override
    public List<DeviceSummary> devices() throws TimeSeriesException {
        throw fail();
    }

    private TimeSeriesException fail() {
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        }
        return (TimeSeriesException) failure;
    }
}
