/**
 * The disk spool: a durable, bounded, append-only log of messages in segment files, for
 * store-and-forward when a sink is slow or unreachable. Start with
 * {@link dev.edgeflow.core.spool.Spool#builder(java.nio.file.Path)}.
 *
 * @since 0.1.0
 */
package dev.edgeflow.core.spool;
