/**
 * The InfluxDB backend's implementation: line protocol encoding, gzip, the HTTP exchange and its
 * retries. Not part of the API: it may change in any release.
 */
package dev.edgeflow.timeseries.influx.internal;
