package dev.edgeflow.gcp;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * One message as Pub/Sub takes it, already checked against Pub/Sub's limits.
 *
 * @param data the payload, a read-only view
 * @param attributes the attributes, in the order they were added
 * @param orderingKey the ordering key, or {@code ""} for none
 * @param bytes its size as Pub/Sub counts it: data, attribute keys and values, ordering key
 */
record OutgoingMessage(ByteBuffer data, Map<String, String> attributes, String orderingKey, long bytes) {
}
