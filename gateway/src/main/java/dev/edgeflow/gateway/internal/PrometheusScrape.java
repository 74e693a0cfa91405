package dev.edgeflow.gateway.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The gateway's own Prometheus registry, for {@code GET /metrics}: the gateway's meters and, since
 * this registry belongs to the gateway's process, Micrometer's JVM and process meters (memory and
 * GC, threads, classes, CPU, uptime, open files) that a supervisor of an unattended gateway
 * watches beside them. The only class that names micrometer-registry-prometheus, an optional
 * dependency: it is loaded only when the file asks for {@code http.metrics}, and the file's check
 * has made sure the artifact is there.
 */
final class PrometheusScrape implements HttpEndpoint.Metrics {
    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    private PrometheusScrape() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
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

    /** Stops listening for GC events. The registry keeps its last values. */
    @Override
    public void close() {
        gc.close();
    }
}
