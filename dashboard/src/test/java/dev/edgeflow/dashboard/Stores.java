package dev.edgeflow.dashboard;

import dev.edgeflow.timeseries.ReadingQueries;
import dev.edgeflow.timeseries.TimeSeriesException;
import dev.edgeflow.timeseries.TimeSeriesStore;
import dev.edgeflow.timeseries.jdbc.JdbcTimeSeriesStore;

/** Opens the store the dashboard tests run on: the real JDBC store, on in-memory H2. */
final class Stores {
    private Stores() {
    }

    /** A store to write through and query, closed by the test. */
    record Opened(TimeSeriesStore store, ReadingQueries queries) implements AutoCloseable {
        @Override
        public void close() {
            store.close();
        }
    }

    static Opened open(String name) throws TimeSeriesException {
        JdbcTimeSeriesStore store = JdbcTimeSeriesStore.h2InMemory(name);
        return new Opened(store, store);
    }
}
