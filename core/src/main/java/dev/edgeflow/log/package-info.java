/**
 * The {@code log} connector: {@link dev.edgeflow.log.LogSink} writes one SLF4J log line per
 * message.
 *
 * @since 0.1.0
 */
package dev.edgeflow.log;
