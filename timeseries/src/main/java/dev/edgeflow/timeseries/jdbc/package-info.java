/**
 * The time-series store on a relational database:
 * {@link dev.edgeflow.timeseries.jdbc.JdbcTimeSeriesStore} writes readings into one narrow table
 * of the embedded H2 (the default, no server needed) or of PostgreSQL, and answers
 * {@link dev.edgeflow.timeseries.ReadingQueries} with SQL aggregates computed by the database.
 */
package dev.edgeflow.timeseries.jdbc;
