package dev.edgeflow.timeseries.jdbc;

import java.util.concurrent.atomic.AtomicInteger;

/** The store's specification on an in-memory H2 database. */
class H2MemoryTimeSeriesStoreTest extends TimeSeriesStoreSpec {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    JdbcTimeSeriesStore openEmptyStore() throws Exception {
        return JdbcTimeSeriesStore.h2InMemory("spec-" + DATABASES.incrementAndGet());
    }
}
