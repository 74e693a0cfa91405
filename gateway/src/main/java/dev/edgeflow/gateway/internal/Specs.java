package dev.edgeflow.gateway.internal;

import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.timeseries.analysis.Detector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The checked, resolved parts of a gateway file, with every default filled in. */
final class Specs {
    private Specs() {
    }

    /** A declared source or sink. */
    record ConnectorSpec(String name, boolean source, ConnectorOptions options) {
        String describe() {
            return (source ? "source '" : "sink '") + name + "' (" + options + ")";
        }
    }

    /** One route: its source, filter, rewrite, stages, buffer and sink. */
    record RouteSpec(String name, String source, String topic, Rewrite rewrite, List<Stage> stages, Batch batch,
            Buffer buffer, int maxInFlight, String deadLetter, String sink) {
    }

    /** How a route rewrites topics; {@code kind} is none, prefix, replace or fixed. */
    record Rewrite(String kind, String from, String to) {
        static final Rewrite NONE = new Rewrite("none", null, null);
    }

    /** A step of a route, in file order. */
    sealed interface Stage permits Filter, Alerts {
    }

    /** Keeps messages on {@code topic} (if given), not on {@code excludeTopic}, whose JSON has {@code hasField}. */
    record Filter(String topic, String excludeTopic, String hasField) implements Stage {
    }

    /** Runs detectors over the readings and sends alerts to a sink. */
    record Alerts(String sink, String topic, int maxSeries, List<Detector> detectors, List<String> described)
            implements Stage {
    }

    /** Sends to the route's sink in batches. */
    record Batch(int size, Duration linger) {
    }

    /** The route's buffer: {@code memory} or {@code spool}. */
    record Buffer(String type, int size, String overflow, Path directory, long maxBytes) {
    }

    /**
     * The metrics and health endpoint; {@code port} 0 takes any free port. {@code sinkFailureThreshold}
     * also applies to {@code Gateway.health()} when the file has no {@code http:}.
     */
    record Http(boolean enabled, String host, int port, boolean metrics, boolean health,
            Duration sinkFailureThreshold) {
    }
}
