/**
 * Alert stages for pipelines of readings: {@link dev.edgeflow.timeseries.analysis.AlertStage}
 * runs {@link dev.edgeflow.timeseries.analysis.Detector}s (a threshold, a rate of change, a
 * rolling z-score, an EWMA) per device and field, and emits an alert message when a condition
 * begins and another when it ends, never one per reading while it lasts.
 */
package dev.edgeflow.timeseries.analysis;
