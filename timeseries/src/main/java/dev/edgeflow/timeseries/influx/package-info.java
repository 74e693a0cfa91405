/**
 * The InfluxDB backend of {@link dev.edgeflow.timeseries.TimeSeriesStore}: {@link
 * dev.edgeflow.timeseries.influx.InfluxDbStore} writes batches of points as line protocol over
 * HTTP, to InfluxDB 1.x ({@code /write}) or 2.x and Cloud ({@code /api/v2/write}), with nothing
 * but the JDK's HTTP client.
 */
package dev.edgeflow.timeseries.influx;
