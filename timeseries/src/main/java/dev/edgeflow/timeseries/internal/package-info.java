/** Implementation of the time-series provider (schemes influxdb, postgres, h2); not API, free to change. */
package dev.edgeflow.timeseries.internal;
