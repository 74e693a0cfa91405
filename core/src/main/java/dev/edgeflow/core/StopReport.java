package dev.edgeflow.core;

/**
 * What {@link Pipeline#stop(java.time.Duration)} left behind.
 *
 * @param drained {@code true} if every accepted delivery was settled before the deadline
 * @param nackedUnsent deliveries still buffered at the deadline; they were nacked so that a
 *     source that redelivers will send them again
 * @param stillInFlight deliveries whose sends had not completed by the deadline; they are
 *     acked or nacked when those sends complete
 * @param stats the counters at the end
 * @since 0.1.0
 */
public record StopReport(boolean drained, long nackedUnsent, long stillInFlight, PipelineStats stats) {
}
