package dev.edgeflow.gateway;

import dev.edgeflow.core.StopReport;
import java.time.Duration;
import java.util.Map;

/**
 * What {@link Gateway#stop(Duration)} achieved.
 *
 * @param drained whether every route settled everything it had taken before the deadline
 * @param took how long stopping took
 * @param routes each route's pipeline report, by route name in file order
 * @since 0.1.0
 */
public record GatewayStopReport(boolean drained, Duration took, Map<String, StopReport> routes) {

    /**
     * Copies the map, keeping its order.
     *
     * @param drained whether every route settled everything before the deadline
     * @param took how long stopping took
     * @param routes each route's pipeline report, by route name
     */
    public GatewayStopReport {
        routes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(routes));
    }

    /**
     * Returns how many deliveries were not settled by the deadline: nacked unsent (a source that
     * redelivers sends them again) or still in flight.
     *
     * @return 0 when {@link #drained()}
     */
    public long left() {
        return routes.values().stream().mapToLong(r -> r.nackedUnsent() + r.stillInFlight()).sum();
    }

    /**
     * Returns the report as one line.
     *
     * @return such as {@code drained in 120ms, 0 left} or {@code not drained in 5000ms: 12 left (route a: 12)}
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(drained ? "drained" : "not drained").append(" in ")
                .append(took.toMillis()).append("ms");
        long left = left();
        sb.append(drained ? ", " : ": ").append(left).append(" left");
        if (left > 0) {
            StringBuilder per = new StringBuilder();
            routes.forEach((name, r) -> {
                long n = r.nackedUnsent() + r.stillInFlight();
                if (n > 0) {
                    per.append(per.length() == 0 ? "" : ", ").append("route ").append(name).append(": ").append(n);
                }
            });
            sb.append(" (").append(per).append(')');
        }
        return sb.toString();
    }
}
