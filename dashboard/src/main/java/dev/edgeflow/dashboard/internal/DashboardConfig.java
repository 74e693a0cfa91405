package dev.edgeflow.dashboard.internal;

import dev.edgeflow.timeseries.ReadingQueries;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Set;

/** The checked settings of one dashboard; the public builder validated every value. */
public record DashboardConfig(ReadingQueries queries, int port, String bindAddress, Set<String> corsOrigins,
        int maxAlerts, ZoneId zone, Clock clock, int threads, int maxStreamClients, int streamQueueCapacity,
        Duration heartbeat) {
}
