package dev.edgeflow.gateway.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.edgeflow.gateway.internal.Specs.Alerts;
import dev.edgeflow.gateway.internal.Specs.ConnectorSpec;
import dev.edgeflow.gateway.internal.Specs.Filter;
import dev.edgeflow.gateway.internal.Specs.Http;
import dev.edgeflow.gateway.internal.Specs.RouteSpec;
import dev.edgeflow.gateway.internal.Specs.Stage;
import dev.edgeflow.spi.ConnectorOptions;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A gateway file that passed every check, with defaults filled in. Immutable. */
public final class ResolvedConfig {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build());

    private final Path file;
    private final String name;
    private final Map<String, ConnectorSpec> sources;
    private final Map<String, ConnectorSpec> sinks;
    private final List<RouteSpec> routes;
    private final Http http;
    private final Redactor redactor;

    ResolvedConfig(Path file, String name, Map<String, ConnectorSpec> sources, Map<String, ConnectorSpec> sinks,
            List<RouteSpec> routes, Http http, Redactor redactor) {
        this.file = file;
        this.name = name;
        this.sources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sources));
        this.sinks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sinks));
        this.routes = List.copyOf(routes);
        this.http = http;
        this.redactor = redactor;
    }

    /** @return the file it was read from */
    public Path file() {
        return file;
    }

    /** @return the gateway's name: {@code name:} or the file's name without extension */
    public String name() {
        return name;
    }

    /** @return the route names, in file order */
    public List<String> routeNames() {
        return routes.stream().map(RouteSpec::name).toList();
    }

    /** @return the redactor that masks this file's secrets */
    public Redactor redactor() {
        return redactor;
    }

    List<RouteSpec> routes() {
        return routes;
    }

    Http http() {
        return http;
    }

    ConnectorSpec source(String name) {
        return sources.get(name);
    }

    ConnectorSpec sink(String name) {
        return sinks.get(name);
    }

    /**
     * Renders the effective configuration as YAML: after substitution, with defaults, secrets masked.
     *
     * @return the YAML text
     */
    public String show() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("name", name);
        root.put("sources", connectors(sources, true));
        root.put("sinks", connectors(sinks, false));
        List<Object> rs = new ArrayList<>();
        for (RouteSpec r : routes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.name());
            m.put("source", r.source());
            m.put("topic", r.topic());
            m.put("sink", r.sink());
            switch (r.rewrite().kind()) {
                case "prefix" -> m.put("targetTopicPrefix", r.rewrite().to());
                case "replace" -> m.put("rewrite", Map.of("from", r.rewrite().from(), "to", r.rewrite().to()));
                case "fixed" -> m.put("rewrite", Map.of("fixed", r.rewrite().to()));
                default -> { }
            }
            List<Object> stages = new ArrayList<>();
            for (Stage s : r.stages()) {
                if (s instanceof Filter f) {
                    Map<String, Object> fm = new LinkedHashMap<>();
                    if (f.topic() != null) {
                        fm.put("topic", f.topic());
                    }
                    if (f.excludeTopic() != null) {
                        fm.put("excludeTopic", f.excludeTopic());
                    }
                    if (f.hasField() != null) {
                        fm.put("hasField", f.hasField());
                    }
                    stages.add(Map.of("filter", fm));
                } else if (s instanceof Alerts a) {
                    Map<String, Object> am = new LinkedHashMap<>();
                    am.put("sink", a.sink());
                    am.put("topic", a.topic());
                    am.put("maxSeries", a.maxSeries());
                    am.put("detectors", a.described());
                    stages.add(Map.of("alerts", am));
                }
            }
            if (r.batch() != null) {
                stages.add(Map.of("batch", Map.of("size", r.batch().size(), "linger", r.batch().linger().toString())));
            }
            if (!stages.isEmpty()) {
                m.put("stages", stages);
            }
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("type", r.buffer().type());
            b.put("size", r.buffer().size());
            b.put("overflow", r.buffer().overflow());
            if (r.buffer().directory() != null) {
                b.put("directory", r.buffer().directory().toString());
                b.put("maxBytes", r.buffer().maxBytes());
            }
            m.put("buffer", b);
            m.put("maxInFlight", r.maxInFlight());
            if (r.deadLetter() != null) {
                m.put("deadLetter", r.deadLetter());
            }
            rs.add(m);
        }
        root.put("routes", rs);
        if (http.enabled()) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("host", http.host());
            h.put("port", http.port());
            h.put("metrics", http.metrics());
            h.put("health", http.health());
            h.put("sinkFailureThreshold", http.sinkFailureThreshold().toString());
            root.put("http", h);
        }
        try {
            return redactor.scrub(YAML.writeValueAsString(root));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, Object> connectors(Map<String, ConnectorSpec> specs, boolean source) {
        Map<String, Object> out = new LinkedHashMap<>();
        specs.forEach((n, c) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", c.options().scheme());
            Map<String, String> options = new LinkedHashMap<>();
            c.options().asMap().forEach((k, v) -> options.put(k, ConnectorOptions.isSecret(k) ? Redactor.MASK
                    : redactor.scrub(v)));
            m.put("options", options);
            out.put(n, m);
        });
        return out;
    }

    /** @return the file, gateway name and routes; never a secret */
    @Override
    public String toString() {
        return "GatewayConfig[file=" + file + ", name=" + name + ", routes=" + routeNames() + "]";
    }
}
