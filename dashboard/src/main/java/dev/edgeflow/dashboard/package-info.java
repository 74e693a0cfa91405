/**
 * A web dashboard over stored readings: {@link dev.edgeflow.dashboard.Dashboard} serves the
 * tutorial's JSON API over a store's {@code ReadingQueries}, a Server-Sent Events stream of the
 * readings and alerts a pipeline taps into it, and a page with a live chart per device.
 */
package dev.edgeflow.dashboard;
