package dev.edgeflow.gateway.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The gateway's own Prometheus registry, for {@code GET /metrics}. The only class that names
 * micrometer-registry-prometheus, an optional dependency: it is loaded only when the file asks for
 * {@code http.metrics}, and the file's check has made sure the artifact is there.
 */
final class PrometheusScrape implements HttpEndpoint.Metrics {
    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private PrometheusScrape() {
    }

    static PrometheusScrape create() {
        return new PrometheusScrape();
    }

    MeterRegistry registry() {
        return registry;
    }

    @Override
    public String contentType() {
        return TEXT_FORMAT;
    }

    @Override
    public String scrape() {
        return registry.scrape();
    }
}
