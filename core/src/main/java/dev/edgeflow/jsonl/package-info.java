/**
 * The {@code jsonl} connector: {@link dev.edgeflow.jsonl.JsonlSink} appends one JSON object per
 * message to a size-rotated file.
 *
 * @since 0.1.0
 */
package dev.edgeflow.jsonl;
