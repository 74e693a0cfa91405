package dev.edgeflow.gateway;

import dev.edgeflow.gateway.internal.MeterBinding;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * A running gateway's meters for any Micrometer {@link MeterRegistry}: per route (tags
 * {@code gateway}, {@code route}, {@code source}, {@code sink}) the pipeline's counters and
 * levels, its spool where the route has one and the latency of every send to its sinks; per
 * source and sink their connection state where the connector tells it, and how long a sink has
 * been failing. Every name is listed in {@code docs/gateway.md}, "Metrics and health".
 *
 * <pre>{@code
 * Gateway gateway = Gateway.start(config);
 * GatewayMetrics.bind(gateway, meterRegistry);   // e.g. Spring Boot's registry
 * }</pre>
 *
 * <p>A gateway file with {@code http:} gets its own Prometheus registry for {@code GET /metrics};
 * this class is for an application that has a registry of its own.
 *
 * <p>Counters and levels are read from the pipelines when the registry asks for them, so they
 * cost nothing between scrapes; only the send timers record on the hot path, one timer update
 * per send per bound registry. Binding the same registry twice registers nothing more. The
 * meters stay registered after the gateway stops, with their final values; remove them from
 * the registry if it outlives the gateway. Thread-safe.
 *
 * @since 0.1.0
 */
public final class GatewayMetrics implements MeterBinder {
    private final Gateway gateway;

    private GatewayMetrics(Gateway gateway) {
        this.gateway = gateway;
    }

    /**
     * Returns a binder for a gateway's meters, to hand to a framework that binds
     * {@link MeterBinder} beans itself.
     *
     * @param gateway a started gateway
     * @return the binder; registers nothing until {@link #bindTo(MeterRegistry)}
     */
    public static GatewayMetrics of(Gateway gateway) {
        return new GatewayMetrics(Objects.requireNonNull(gateway, "gateway"));
    }

    /**
     * Registers a gateway's meters with a registry, as {@code GatewayMetrics.of(gateway).bindTo(registry)}.
     *
     * @param gateway a started gateway
     * @param registry where to register; binding it again does nothing
     */
    public static void bind(Gateway gateway, MeterRegistry registry) {
        of(gateway).bindTo(registry);
    }

    /**
     * Registers the meters. Does not block, and does no I/O.
     *
     * @param registry where to register; binding the same registry again does nothing
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        MeterBinding.bind(gateway.runtime(), Objects.requireNonNull(registry, "registry"));
    }
}
