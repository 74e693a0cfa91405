package dev.edgeflow.timeseries;

import java.util.List;

/**
 * Where a {@link TimeSeriesSink} writes its batches: a database table, an InfluxDB bucket.
 *
 * <p>The sink calls {@link #write(List)} from one thread of its own, one batch at a time. A
 * store may also be read through {@link ReadingQueries} from other threads at the same time.
 *
 * @since 0.1.0
 */
public interface TimeSeriesStore extends AutoCloseable {

    /**
     * Returns a name for logs and stats.
     *
     * @return such as {@code h2:/var/lib/edgeflow/readings} or {@code influxdb-v1:http://localhost:8086/iot};
     *     never a password or token
     */
    String name();

    /**
     * Writes a batch: when this returns, every point is committed (a database transaction, an
     * HTTP 204 from InfluxDB).
     *
     * <p>When it throws, a store with transactions has stored none of the batch. InfluxDB has no
     * transactions: a 400 "partial write" stores the lines it could take and refuses the others.
     * Either way, writing the same points again is safe, since every store keeps one value per
     * device, field and time; the sink relies on that when it writes a refused batch again one
     * point at a time.
     *
     * <p>Blocks until the store answered, and no longer than the store's own timeouts.
     *
     * @param points the points, in the order they were received
     * @throws TimeSeriesException if the batch was not committed; {@link TimeSeriesException#isRetryable()}
     *     says whether writing it again may succeed
     */
    void write(List<Point> points) throws TimeSeriesException;

    /** Releases the store's connections. Idempotent; does not throw. */
    @Override
    void close();
}
