/**
 * Collecting readings: {@link dev.edgeflow.timeseries.TimeSeriesSink} writes them in batches into a
 * {@link dev.edgeflow.timeseries.TimeSeriesStore}, by the rules of a
 * {@link dev.edgeflow.timeseries.ReadingParser}, and {@link dev.edgeflow.timeseries.ReadingQueries}
 * answers a dashboard's questions about them.
 */
package dev.edgeflow.timeseries;
