package dev.edgeflow.timeseries;

/**
 * What a {@link TimeSeriesSink} has done since it was built.
 *
 * @param written readings committed to the store
 * @param batches batches committed
 * @param rejected readings refused for good: by the parser's rules, or by the store
 * @param droppedValues field values left out because they were not finite
 * @param outOfOrder readings stored whose time was before their device's previous reading
 * @param failedBatches batches the store failed to commit (their readings are retried by the pipeline)
 * @param pending readings accepted and not yet committed or failed
 * @since 0.1.0
 */
public record TimeSeriesSinkStats(long written, long batches, long rejected, long droppedValues, long outOfOrder,
        long failedBatches, int pending) {
}
