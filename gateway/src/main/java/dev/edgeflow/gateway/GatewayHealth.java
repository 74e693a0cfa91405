package dev.edgeflow.gateway;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Whether a gateway is alive and ready, and why not, part by part, at one moment.
 *
 * <ul>
 *   <li><b>live</b>: the gateway has not been stopped and every route's pipeline still takes
 *       deliveries. A route whose source ended (completed or failed for good) is not live; a
 *       restart is what helps.
 *   <li><b>ready</b>: live, and every source is subscribed and, where its connector tells,
 *       connected, and no sink has been failing for longer than the threshold
 *       ({@code http.sinkFailureThreshold}, default 60 s). A sink is failing while its sends
 *       complete exceptionally with no success since; a message the far side refuses for good
 *       ({@link dev.edgeflow.core.MessageRejectedException}) does not count. A sink whose
 *       connection has been down for longer than the same threshold holds readiness back too,
 *       with or without anything to send. A connector that does not tell its connection state
 *       (one that is not {@link dev.edgeflow.core.ConnectionAware}: memory, log, jsonl, pubsub,
 *       pi4j) is {@code connection unknown} in its component's detail and does not hold readiness
 *       back.
 * </ul>
 *
 * @param live whether every route still runs
 * @param ready whether the gateway can move messages now
 * @param components one entry per route, source and sink, in file order, each with its reason
 * @since 0.1.0
 */
public record GatewayHealth(boolean live, boolean ready, List<Component> components) {

    /**
     * Checks the components and copies the list.
     *
     * @param live whether every route still runs
     * @param ready whether the gateway can move messages now
     * @param components one entry per route, source and sink
     * @since 0.1.0
     */
    public GatewayHealth {
        components = List.copyOf(Objects.requireNonNull(components, "components"));
    }

    /**
     * One part of the gateway and its state.
     *
     * @param kind {@code gateway}, {@code route}, {@code source} or {@code sink}
     * @param name its name in the gateway file
     * @param live whether it is alive
     * @param ready whether it does not hold readiness back
     * @param detail why, in words, such as {@code connected}, {@code connection unknown; subscribed}
     *     or {@code failing for 75s: java.net.ConnectException: Connection refused}; never a secret
     * @since 0.1.0
     */
    public record Component(String kind, String name, boolean live, boolean ready, String detail) {
    }

    /**
     * Returns the components that make the gateway not ready (or not live).
     *
     * @return the failing components, in file order; empty when the gateway is ready
     */
    public List<Component> failing() {
        return components.stream().filter(c -> !c.ready() || !c.live()).toList();
    }

    /**
     * Returns one line: {@code ready}, or what is wrong.
     *
     * @return such as {@code live, not ready: sink cloud: failing for 75s: ...}
     */
    @Override
    public String toString() {
        if (ready) {
            return "live, ready";
        }
        return (live ? "live, not ready: " : "not live: ") + failing().stream()
                .map(c -> c.kind() + " " + c.name() + ": " + c.detail()).collect(Collectors.joining("; "));
    }
}
