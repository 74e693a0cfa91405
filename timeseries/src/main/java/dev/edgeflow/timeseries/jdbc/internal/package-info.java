/**
 * Implementation of {@code JdbcTimeSeriesStore}: the table and its statements, the H2 and
 * PostgreSQL dialects, and the translation of SQL failures. Not API; may change in any release.
 */
package dev.edgeflow.timeseries.jdbc.internal;
