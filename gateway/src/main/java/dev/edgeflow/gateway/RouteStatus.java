package dev.edgeflow.gateway;

/**
 * The counters of one route at one moment, from its pipeline's {@link dev.edgeflow.core.PipelineStats}.
 *
 * @param route the route's name
 * @param received deliveries taken from the source that matched the route's topic filter
 * @param forwarded deliveries the route's sink confirmed
 * @param buffered deliveries waiting in the route's buffer now
 * @param dropped deliveries dropped by the buffer's overflow policy
 * @param failed deliveries nacked: failed for good with no dead-letter sink, or unsent at stop
 * @param filtered deliveries removed by a filter stage
 * @param inFlight deliveries handed to the sink and not yet confirmed, now
 * @param deadLettered deliveries taken by the dead-letter sink
 * @param running whether the route still takes deliveries
 * @since 0.1.0
 */
public record RouteStatus(String route, long received, long forwarded, long buffered, long dropped, long failed,
        long filtered, long inFlight, long deadLettered, boolean running) {

    /**
     * Returns the counters as one short line.
     *
     * @return such as {@code sensors-to-cloud received=10 forwarded=9 buffered=1 dropped=0 failed=0}
     */
    @Override
    public String toString() {
        return route + (running ? "" : " (stopped)") + " received=" + received + " forwarded=" + forwarded
                + " buffered=" + buffered + " dropped=" + dropped + " failed=" + failed;
    }
}
