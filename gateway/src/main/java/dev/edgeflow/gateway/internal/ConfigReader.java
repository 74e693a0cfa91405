package dev.edgeflow.gateway.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.TopicFilter;
import dev.edgeflow.core.TopicRewrite;
import dev.edgeflow.gateway.ConfigException;
import dev.edgeflow.gateway.ConfigProblem;
import dev.edgeflow.gateway.internal.Model.AlertsModel;
import dev.edgeflow.gateway.internal.Model.BatchModel;
import dev.edgeflow.gateway.internal.Model.BufferModel;
import dev.edgeflow.gateway.internal.Model.ConnectorModel;
import dev.edgeflow.gateway.internal.Model.DetectorModel;
import dev.edgeflow.gateway.internal.Model.FileModel;
import dev.edgeflow.gateway.internal.Model.FilterModel;
import dev.edgeflow.gateway.internal.Model.HttpModel;
import dev.edgeflow.gateway.internal.Model.RouteModel;
import dev.edgeflow.gateway.internal.Model.StageModel;
import dev.edgeflow.gateway.internal.Specs.Alerts;
import dev.edgeflow.gateway.internal.Specs.Batch;
import dev.edgeflow.gateway.internal.Specs.Buffer;
import dev.edgeflow.gateway.internal.Specs.ConnectorSpec;
import dev.edgeflow.gateway.internal.Specs.Filter;
import dev.edgeflow.gateway.internal.Specs.Http;
import dev.edgeflow.gateway.internal.Specs.Rewrite;
import dev.edgeflow.gateway.internal.Specs.RouteSpec;
import dev.edgeflow.gateway.internal.Specs.Stage;
import dev.edgeflow.spi.ConnectorOptions;

import dev.edgeflow.spi.InvalidOptionException;
import dev.edgeflow.timeseries.analysis.AlertStage;
import dev.edgeflow.timeseries.analysis.Detector;
import dev.edgeflow.timeseries.analysis.Detectors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads a gateway file: YAML into a located tree, substitution, binding by Jackson with every
 * binding problem collected, then the checks Jackson cannot make (names that must exist, values
 * that must agree, provider options), each placed at the node at fault.
 */
public final class ConfigReader {
    static final int DEFAULT_BUFFER_SIZE = 1024;
    static final int DEFAULT_MAX_IN_FLIGHT = 256;
    static final int DEFAULT_BATCH_SIZE = 100;
    static final Duration DEFAULT_LINGER = Duration.ofSeconds(1);
    static final long DEFAULT_SPOOL_BYTES = 1L << 30;
    static final List<String> MEMORY_OVERFLOW = List.of("backpressure", "drop-oldest", "drop-newest");
    static final List<String> SPOOL_OVERFLOW = List.of("backpressure", "drop-oldest");
    static final String DEFAULT_HTTP_HOST = "127.0.0.1";
    static final int DEFAULT_HTTP_PORT = 9464;
    static final Duration DEFAULT_SINK_FAILURE_THRESHOLD = Duration.ofSeconds(60);
    private static final boolean PROMETHEUS_PRESENT = prometheusPresent();
    static final List<String> DETECTORS = List.of("above", "outside", "rateOfChange", "zScore", "ewma");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private final Problems problems;
    private final Path baseDirectory;

    private ConfigReader(Path file) {
        this.problems = new Problems(file);
        Path parent = file.toAbsolutePath().getParent();
        this.baseDirectory = parent != null ? parent : Path.of("").toAbsolutePath();
    }

    /**
     * Reads and checks a gateway file.
     *
     * @param file the file
     * @param environment looks up {@code ${NAME}}; returns null for a variable that is not set
     * @return the checked configuration
     * @throws ConfigException listing every problem found
     */
    public static ResolvedConfig read(Path file, Function<String, String> environment) {
        return new ConfigReader(file).run(environment);
    }

    private ResolvedConfig run(Function<String, String> environment) {
        String text;
        try {
            text = Files.readString(problems.file(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw fail("gateway file " + problems.file().toAbsolutePath() + " does not exist: check the path");
        } catch (IOException e) {
            throw fail("gateway file " + problems.file().toAbsolutePath() + " cannot be read: " + e);
        }
        JsonNode tree = LocatedYaml.read(text, problems);
        if (tree == null) {
            throw new ConfigException(problems.file(), problems.sorted());
        }
        if (!tree.isObject()) {
            problems.atValue("", "the file must be a mapping with sources:, sinks: and routes:, not a "
                    + kind(tree));
            throw new ConfigException(problems.file(), problems.sorted());
        }
        Set<String> secrets = new HashSet<>();
        new Substitution(environment, baseDirectory, problems, secrets).apply(tree, "", false);
        Redactor redactor = new Redactor(secrets);
        problems.redactor(redactor);

        FileModel model = bind(tree);
        ResolvedConfig resolved = model == null ? null : resolve(model, redactor);
        if (!problems.isEmpty() || resolved == null) {
            throw new ConfigException(problems.file(), problems.sorted());
        }
        return resolved;
    }

    private ConfigException fail(String message) {
        return new ConfigException(problems.file(), List.of(new ConfigProblem(problems.file(), 0, 0, message)));
    }

    // ---------------------------------------------------------------- binding

    private FileModel bind(JsonNode tree) {
        try {
            return MAPPER.readerFor(FileModel.class).withHandler(new Handler()).readValue(MAPPER.treeAsTokens(tree));
        } catch (JsonMappingException e) {
            // Anything the handler did not take: still placed, by the path Jackson reports.
            StringBuilder pointer = new StringBuilder();
            for (JsonMappingException.Reference r : e.getPath()) {
                pointer.append('/').append(r.getFieldName() != null
                        ? r.getFieldName().replace("~", "~0").replace("/", "~1") : Integer.toString(r.getIndex()));
            }
            problems.atValue(pointer.toString(), Problems.display(pointer.toString()) + ": "
                    + String.valueOf(e.getOriginalMessage()).split("\n")[0]);
            return null;
        } catch (IOException e) {
            problems.at(null, "cannot bind the file: " + e.getMessage());
            return null;
        }
    }

    private static String pointer(JsonParser p) {
        return p.getParsingContext().pathAsPointer().toString();
    }

    private final class Handler extends DeserializationProblemHandler {
        @Override
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer,
                Object beanOrClass, String propertyName) throws IOException {
            String at = pointer(p);
            if (!Problems.last(at).equals(propertyName)) {
                at = Problems.child(at, propertyName);
            }
            String parent = at.substring(0, at.lastIndexOf('/'));
            Collection<Object> known = deserializer.getKnownPropertyNames();
            problems.atKey(at, "unknown key '" + propertyName + "' in " + Problems.display(parent)
                    + Names.didYouMean(propertyName, known) + " Allowed keys: " + sorted(known));
            p.skipChildren();
            return true;
        }

        @Override
        public Object handleWeirdStringValue(DeserializationContext ctxt, Class<?> targetType, String valueToConvert,
                String failureMsg) {
            String at = pointer(ctxt.getParser());
            problems.atValue(at, Problems.display(at) + " is '" + shown(at, valueToConvert) + "': use "
                    + describe(targetType));
            return null;
        }

        @Override
        public Object handleWeirdNumberValue(DeserializationContext ctxt, Class<?> targetType, Number valueToConvert,
                String failureMsg) {
            String at = pointer(ctxt.getParser());
            problems.atValue(at, Problems.display(at) + " is " + shown(at, String.valueOf(valueToConvert)) + ": use "
                    + describe(targetType));
            return null;
        }

        @Override
        public Object handleUnexpectedToken(DeserializationContext ctxt, JavaType targetType, JsonToken t, JsonParser p,
                String failureMsg) throws IOException {
            String at = pointer(p);
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                // The context of a container's own start token is the container: its pointer is the parent's child.
                at = p.getParsingContext().getParent() != null
                        ? p.getParsingContext().getParent().pathAsPointer().toString() : at;
            }
            problems.atValue(at, Problems.display(at) + " is " + tokenKind(t) + ": use " + describe(targetType.getRawClass()));
            p.skipChildren();
            return null;
        }

        @Override
        public Object handleMissingInstantiator(DeserializationContext ctxt, Class<?> instClass,
                ValueInstantiator valueInsts, JsonParser p, String msg) throws IOException {
            String at = pointer(p);
            problems.atValue(at, Problems.display(at) + " is " + tokenKind(p.currentToken()) + ": use "
                    + describe(instClass));
            p.skipChildren();
            return null;
        }
    }

    private String shown(String pointer, String value) {
        return ConnectorOptions.isSecret(Problems.last(pointer)) ? Redactor.MASK : value;
    }

    private static String sorted(Collection<?> names) {
        TreeSet<String> s = new TreeSet<>();
        names.forEach(n -> s.add(n.toString()));
        return String.join(", ", s);
    }

    private static String tokenKind(JsonToken t) {
        if (t == null) {
            return "empty";
        }
        return switch (t) {
            case START_OBJECT -> "a mapping";
            case START_ARRAY -> "a list";
            case VALUE_STRING -> "a text";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "true/false";
            case VALUE_NULL -> "empty";
            default -> t.toString();
        };
    }

    private static String describe(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a single value (text or number)";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list (lines starting with '- ')";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "a mapping of names to entries";
        }
        if (type == ConnectorModel.class) {
            return "a mapping with type: and options:";
        }
        return "a mapping with keys " + String.join(", ", keysOf(type));
    }

    private static List<String> keysOf(Class<?> type) {
        List<String> keys = new ArrayList<>();
        if (type.isRecord()) {
            for (var c : type.getRecordComponents()) {
                keys.add(c.getName());
            }
        }
        return keys;
    }

    private static String kind(JsonNode node) {
        return node.isArray() ? "list" : node.isNull() || node.isMissingNode() ? "nothing" : "single value";
    }

    // ---------------------------------------------------------------- checks

    private ResolvedConfig resolve(FileModel model, Redactor redactor) {
        Map<String, ConnectorSpec> sources = connectors("/sources", model.sources(), true);
        Map<String, ConnectorSpec> sinks = connectors("/sinks", model.sinks(), false);
        List<RouteSpec> routes = new ArrayList<>();
        if (model.routes() == null || model.routes().isEmpty()) {
            problems.atValue("/routes", "no routes: add routes: with at least one, such as\n"
                    + "    routes:\n      - source: <a source's name>\n        topic: sensor/#\n        sink: <a sink's name>");
        } else {
            Map<String, String> names = new LinkedHashMap<>();
            for (int i = 0; i < model.routes().size(); i++) {
                RouteSpec r = route(Problems.child("/routes", i), model.routes().get(i), sources, sinks);
                if (r == null) {
                    continue;
                }
                String first = names.putIfAbsent(r.name(), Problems.child("/routes", i));
                if (first != null) {
                    String at = Problems.child("/routes", i);
                    problems.atValue(problems.has(Problems.child(at, "name")) ? Problems.child(at, "name") : at,
                            "route name '" + r.name() + "' is used twice (" + Problems.display(first) + " and "
                            + Problems.display(at) + "): give each route its own name:");
                    continue;
                }
                routes.add(r);
            }
        }
        String name = model.name() == null || model.name().isBlank()
                ? baseName(problems.file()) : model.name().strip();
        Http http = http("/http", model.http());
        return new ResolvedConfig(problems.file(), name, sources, sinks, routes, http, redactor);
    }

    private Http http(String at, HttpModel h) {
        if (h == null) {
            return new Http(false, DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, false, false, DEFAULT_SINK_FAILURE_THRESHOLD);
        }
        String host = DEFAULT_HTTP_HOST;
        if (h.host() != null) {
            host = h.host().strip();
            if (host.isEmpty() || host.contains("/") || host.contains(" ")) {
                problems.atValue(Problems.child(at, "host"), Problems.display(Problems.child(at, "host")) + " is '"
                        + h.host() + "': use an address or host name to listen on, such as 127.0.0.1 (the default, "
                        + "this machine only) or 0.0.0.0 (every interface)");
            }
        }
        int port = range(Problems.child(at, "port"), h.port(), DEFAULT_HTTP_PORT, 0, 65_535);
        boolean metrics = h.metrics() == null || h.metrics();
        boolean health = h.health() == null || h.health();
        if (!metrics && !health) {
            problems.atKey(at, Problems.display(at) + " has metrics: false and health: false, so it would serve "
                    + "nothing: enable one, or remove http:");
        }
        if (metrics && !PROMETHEUS_PRESENT) {
            String p = problems.has(Problems.child(at, "metrics")) ? Problems.child(at, "metrics") : at;
            problems.atKey(p, Problems.display(at) + " serves /metrics (metrics: " + (h.metrics() == null
                    ? "true by default" : "true") + "), which needs io.micrometer:micrometer-registry-prometheus "
                    + "on the class path: add that artifact, or set metrics: false");
        }
        Duration threshold = duration(Problems.child(at, "sinkFailureThreshold"), h.sinkFailureThreshold(),
                DEFAULT_SINK_FAILURE_THRESHOLD);
        return new Http(true, host, port, metrics, health, threshold);
    }

    private static boolean prometheusPresent() {
        try {
            Class.forName("io.micrometer.prometheusmetrics.PrometheusMeterRegistry", false,
                    ConfigReader.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static String baseName(Path file) {
        String n = file.getFileName() == null ? "gateway" : file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private Map<String, ConnectorSpec> connectors(String pointer, Map<String, ConnectorModel> declared, boolean source) {
        Map<String, ConnectorSpec> out = new LinkedHashMap<>();
        String what = source ? "source" : "sink";
        if (declared == null || declared.isEmpty()) {
            if (problems.has(pointer) || declared == null) {
                problems.atValue(pointer, "no " + what + "s: add " + what + "s: with at least one, such as\n    "
                        + what + "s:\n      " + (source ? "local:\n        type: mqtt\n        options: {host: localhost, topics: sensor/#}"
                                : "archive:\n        type: jsonl\n        options: {path: /var/lib/edgeflow/readings.jsonl}"));
            }
            return out;
        }
        declared.forEach((name, c) -> {
            String at = Problems.child(pointer, name);
            if (c == null) {
                problems.atValue(at, what + " '" + name + "' is empty: give it a type:, such as type: "
                        + (source ? "mqtt" : "jsonl") + ", and its options:");
                return;
            }
            if (c.type() == null || c.type().isBlank()) {
                problems.atKey(at, what + " '" + name + "' has no type: add type: with one of "
                        + String.join(", ", Connectors.schemes()));
                return;
            }
            String type = c.type().strip().toLowerCase(Locale.ROOT);
            if (!Connectors.schemes().contains(type)) {
                problems.atValue(Problems.child(at, "type"), "unknown " + what + " type '" + c.type() + "' for "
                        + what + " '" + name + "': " + unknownType(type));
                return;
            }
            ConnectorOptions options = options(Problems.child(at, "options"), type, c.options());
            if (options == null || problems.anyUnder(at)) {
                return; // a value that could not be substituted would only be reported again
            }
            try {
                if (source) {
                    Connectors.checkSource(options);
                } else {
                    Connectors.checkSink(options);
                }
            } catch (InvalidOptionException e) {
                String optionPointer = Problems.child(Problems.child(at, "options"), e.option());
                if (problems.has(optionPointer)) {
                    boolean unknownOption = e.getMessage().contains("has no option '" + e.option() + "'");
                    if (unknownOption) {
                        problems.atKey(optionPointer, what + " '" + name + "': " + e.getMessage());
                    } else {
                        problems.atValue(optionPointer, what + " '" + name + "': " + e.getMessage());
                    }
                } else {
                    problems.atKey(problems.has(Problems.child(at, "options")) ? Problems.child(at, "options") : at,
                            what + " '" + name + "': " + e.getMessage());
                }
                return;
            } catch (UnsupportedOperationException e) {
                problems.atValue(Problems.child(at, "type"), what + " '" + name + "': " + e.getMessage()
                        + "; declare it under " + (source ? "sinks:" : "sources:") + " instead, or pick another type");
                return;
            } catch (IllegalArgumentException e) {
                problems.atKey(at, what + " '" + name + "': " + e.getMessage());
                return;
            }
            out.put(name, new ConnectorSpec(name, source, options));
        });
        return out;
    }

    /** The SDK's own words for a scheme no provider serves: what is available, and the jar or spelling to fix. */
    private static String unknownType(String type) {
        try {
            Connectors.checkSink(ConnectorOptions.of(type, Map.of()));
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new IllegalStateException("a provider for '" + type + "' appeared while the file was checked");
    }

    private ConnectorOptions options(String pointer, String type, Map<String, JsonNode> given) {
        Map<String, String> values = new LinkedHashMap<>();
        boolean ok = true;
        if (given != null) {
            for (Map.Entry<String, JsonNode> e : given.entrySet()) {
                JsonNode v = e.getValue();
                String at = Problems.child(pointer, e.getKey());
                if (v == null || v.isNull()) {
                    continue;
                }
                if (v.isValueNode()) {
                    values.put(e.getKey(), v.asText());
                } else if (v.isArray() && allScalars(v)) {
                    List<String> parts = new ArrayList<>();
                    v.forEach(x -> parts.add(x.asText()));
                    values.put(e.getKey(), String.join(",", parts));
                } else {
                    problems.atValue(at, Problems.display(at) + " is " + (v.isArray() ? "a list of mappings"
                            : "a mapping") + ": an option takes one value, or a list of values");
                    ok = false;
                }
            }
        }
        return ok ? ConnectorOptions.of(type, values) : null;
    }

    private static boolean allScalars(JsonNode array) {
        for (JsonNode x : array) {
            if (!x.isValueNode() || x.isNull()) {
                return false;
            }
        }
        return true;
    }

    private RouteSpec route(String at, RouteModel r, Map<String, ConnectorSpec> sources,
            Map<String, ConnectorSpec> sinks) {
        if (r == null) {
            problems.atValue(at, Problems.display(at) + " is empty: give it source:, topic: and sink:");
            return null;
        }
        int before = problems.sorted().size();
        String source = reference(at, "source", r.source(), sources, "sources", true);
        String sink = reference(at, "sink", r.sink(), sinks, "sinks", true);
        String name = r.name() != null && !r.name().isBlank() ? r.name().strip()
                : (r.source() == null ? "route" : r.source()) + "-to-" + (r.sink() == null ? "sink" : r.sink());
        String topic = r.topic() == null || r.topic().isBlank() ? "#" : r.topic().strip();
        topicFilter(Problems.child(at, "topic"), topic);
        Rewrite rewrite = rewrite(at, r);
        int maxInFlight = range(Problems.child(at, "maxInFlight"), r.maxInFlight(), DEFAULT_MAX_IN_FLIGHT, 1, 65_535);
        List<Stage> stages = new ArrayList<>();
        Batch batch = null;
        if (r.stages() != null) {
            for (int i = 0; i < r.stages().size(); i++) {
                String sat = Problems.child(Problems.child(at, "stages"), i);
                StageModel s = r.stages().get(i);
                int given = s == null ? 0 : (s.filter() != null ? 1 : 0) + (s.alerts() != null ? 1 : 0)
                        + (s.batch() != null ? 1 : 0);
                if (given != 1) {
                    problems.atValue(sat, Problems.display(sat) + " must have exactly one of filter:, alerts: or "
                            + "batch:, not " + given + "; write each stage as its own list item");
                    continue;
                }
                if (batch != null) {
                    problems.atValue(sat, Problems.display(sat) + " comes after the batch: stage; batch: sends to "
                            + "the sink, so it must be the last stage");
                }
                if (s.filter() != null) {
                    Filter f = filter(Problems.child(sat, "filter"), s.filter());
                    if (f != null) {
                        stages.add(f);
                    }
                } else if (s.alerts() != null) {
                    Alerts a = alerts(Problems.child(sat, "alerts"), s.alerts(), sinks);
                    if (a != null) {
                        stages.add(a);
                    }
                } else {
                    batch = batch(Problems.child(sat, "batch"), s.batch(), maxInFlight, batch);
                }
            }
        }
        Buffer buffer = buffer(Problems.child(at, "buffer"), r.buffer(), name);
        String deadLetter = r.deadLetter() == null ? null
                : reference(at, "deadLetter", r.deadLetter(), sinks, "sinks", false);
        if (problems.sorted().size() > before) {
            return null;
        }
        return new RouteSpec(name, source, topic, rewrite, List.copyOf(stages), batch, buffer, maxInFlight, deadLetter,
                sink);
    }

    private String reference(String at, String key, String value, Map<String, ConnectorSpec> declared, String section,
            boolean required) {
        String p = Problems.child(at, key);
        if (value == null || value.isBlank()) {
            if (required) {
                problems.atKey(at, Problems.display(at) + " has no " + key + ": add " + key + ": with one of the "
                        + section + " declared: " + String.join(", ", declared.keySet()));
            }
            return null;
        }
        if (!declared.containsKey(value)) {
            // A declared connector whose own entry has problems is not in the map; do not report it twice.
            if (problems.has(Problems.child("/" + section, value))) {
                return value;
            }
            problems.atValue(p, Problems.display(p) + " names " + section.substring(0, section.length() - 1) + " '"
                    + value + "', which is not declared under " + section + Names.didYouMean(value,
                    declared.keySet()) + " Declared: " + (declared.isEmpty() ? "none" : String.join(", ",
                    declared.keySet())));
        }
        return value;
    }

    private void topicFilter(String at, String filter) {
        if (filter.startsWith("$share/")) {
            // Messages arrive with their own topic, never the subscription's: such a filter would
            // match nothing, and every message would be acked as unrouted and so lost.
            int slash = filter.indexOf('/', "$share/".length());
            String real = slash < 0 ? "sensor/#" : filter.substring(slash + 1);
            problems.atValue(at, Problems.display(at) + " '" + filter + "' is a shared subscription, which belongs "
                    + "in the source's topics option; messages reach the route with their own topics, so give the "
                    + "filter without $share/<group>/, such as '" + real + "'");
            return;
        }
        try {
            TopicFilter.of(filter);
        } catch (IllegalArgumentException e) {
            problems.atValue(at, Problems.display(at) + ": " + e.getMessage());
        }
    }

    private Rewrite rewrite(String at, RouteModel r) {
        if (r.targetTopicPrefix() != null && r.rewrite() != null) {
            problems.atKey(Problems.child(at, "rewrite"), Problems.display(at) + " has both targetTopicPrefix: and "
                    + "rewrite:; give one");
            return Rewrite.NONE;
        }
        if (r.targetTopicPrefix() != null) {
            String p = Problems.child(at, "targetTopicPrefix");
            try {
                TopicRewrite.prefix(r.targetTopicPrefix());
            } catch (IllegalArgumentException e) {
                problems.atValue(p, Problems.display(p) + " '" + r.targetTopicPrefix() + "': " + e.getMessage());
            }
            return new Rewrite("prefix", null, r.targetTopicPrefix());
        }
        if (r.rewrite() == null) {
            return Rewrite.NONE;
        }
        String p = Problems.child(at, "rewrite");
        var w = r.rewrite();
        if (w.fixed() != null && (w.from() == null && w.to() == null)) {
            try {
                TopicRewrite.fixed(w.fixed());
            } catch (IllegalArgumentException e) {
                problems.atValue(Problems.child(p, "fixed"), Problems.display(Problems.child(p, "fixed")) + " '"
                        + w.fixed() + "': " + e.getMessage());
            }
            return new Rewrite("fixed", null, w.fixed());
        }
        if (w.fixed() == null && w.from() != null && w.to() != null && !w.from().isEmpty()) {
            return new Rewrite("replace", w.from(), w.to());
        }
        problems.atValue(p, Problems.display(p) + " needs from: and to: (replace a topic's beginning, such as "
                + "from: sensor/ to: cloud/sensor/) or fixed: alone (one topic for all), not "
                + (w.fixed() != null ? "fixed: with from:/to:" : "only one of from: and to:"));
        return Rewrite.NONE;
    }

    private Filter filter(String at, FilterModel f) {
        if (f.topic() == null && f.excludeTopic() == null && f.hasField() == null) {
            problems.atValue(at, Problems.display(at) + " is empty: give topic: (keep matching topics), "
                    + "excludeTopic: (drop matching topics) or hasField: (keep JSON payloads with that field)");
            return null;
        }
        if (f.topic() != null) {
            topicFilter(Problems.child(at, "topic"), f.topic());
        }
        if (f.excludeTopic() != null) {
            topicFilter(Problems.child(at, "excludeTopic"), f.excludeTopic());
        }
        return new Filter(f.topic(), f.excludeTopic(), f.hasField());
    }

    private Alerts alerts(String at, AlertsModel a, Map<String, ConnectorSpec> sinks) {
        int before = problems.sorted().size();
        String sink = reference(at, "sink", a.sink(), sinks, "sinks", true);
        String topic = a.topic() == null ? "alert/{device}/{field}" : a.topic();
        int maxSeries = range(Problems.child(at, "maxSeries"), a.maxSeries(), 10_000, 1, 10_000_000);
        List<Detector> detectors = new ArrayList<>();
        List<String> described = new ArrayList<>();
        if (a.detectors() == null || a.detectors().isEmpty()) {
            problems.atKey(at, Problems.display(at) + " has no detectors: add detectors:, such as\n"
                    + "      detectors:\n        - {type: above, field: temperature, max: 35}");
        } else {
            for (int i = 0; i < a.detectors().size(); i++) {
                String dat = Problems.child(Problems.child(at, "detectors"), i);
                Detector d = detector(dat, a.detectors().get(i));
                if (d != null) {
                    detectors.add(d);
                    described.add(describe(a.detectors().get(i)));
                }
            }
        }
        try {
            AlertStage.Builder b = AlertStage.builder().topic(topic).maxSeries(maxSeries);
            detectors.forEach(b::detector);
            if (!detectors.isEmpty()) {
                b.build();
            }
        } catch (IllegalArgumentException e) {
            problems.atValue(Problems.child(at, "topic"), Problems.display(Problems.child(at, "topic")) + ": "
                    + e.getMessage());
        }
        return problems.sorted().size() > before ? null
                : new Alerts(sink, topic, maxSeries, List.copyOf(detectors), List.copyOf(described));
    }

    private static String describe(DetectorModel d) {
        return switch (d.type()) {
            case "above" -> "above{field=" + d.field() + ", max=" + d.max() + "}";
            case "outside" -> "outside{field=" + d.field() + ", min=" + d.min() + ", max=" + d.max() + "}";
            case "rateOfChange" -> "rateOfChange{field=" + d.field() + ", maxChange=" + d.maxChange() + ", per="
                    + (d.per() == null ? "1m" : d.per()) + "}";
            case "zScore" -> "zScore{field=" + d.field() + ", window=" + d.window() + ", warmUp=" + d.warmUp()
                    + ", sensitivity=" + d.sensitivity() + "}";
            default -> "ewma{field=" + d.field() + ", alpha=" + d.alpha() + ", warmUp=" + d.warmUp()
                    + ", sensitivity=" + d.sensitivity() + "}";
        };
    }

    private Detector detector(String at, DetectorModel d) {
        if (d == null || d.type() == null) {
            problems.atKey(at, Problems.display(at) + " has no type: add type: with one of "
                    + String.join(", ", DETECTORS));
            return null;
        }
        if (!DETECTORS.contains(d.type())) {
            problems.atValue(Problems.child(at, "type"), Problems.display(Problems.child(at, "type")) + " is '"
                    + d.type() + "'" + Names.didYouMean(d.type(), DETECTORS) + " Use one of "
                    + String.join(", ", DETECTORS));
            return null;
        }
        Map<String, Object> needs = new LinkedHashMap<>();
        needs.put("field", d.field());
        switch (d.type()) {
            case "above" -> needs.put("max", d.max());
            case "outside" -> {
                needs.put("min", d.min());
                needs.put("max", d.max());
            }
            case "rateOfChange" -> needs.put("maxChange", d.maxChange());
            case "zScore" -> {
                needs.put("window", d.window());
                needs.put("sensitivity", d.sensitivity());
            }
            default -> {
                needs.put("alpha", d.alpha());
                needs.put("sensitivity", d.sensitivity());
            }
        }
        boolean missing = false;
        for (Map.Entry<String, Object> e : needs.entrySet()) {
            if (e.getValue() == null && !problems.has(Problems.child(at, e.getKey()))) {
                problems.atKey(at, "detector " + d.type() + " in " + Problems.display(at) + " needs " + e.getKey()
                        + ": (it takes " + String.join(", ", needs.keySet()) + detectorOptional(d.type()) + ")");
                missing = true;
            } else if (e.getValue() == null) {
                missing = true; // its wrong type is reported already
            }
        }
        if (missing) {
            return null;
        }
        try {
            return switch (d.type()) {
                case "above" -> Detectors.above(d.field(), d.max());
                case "outside" -> Detectors.outside(d.field(), d.min(), d.max());
                case "rateOfChange" -> Detectors.rateOfChange(d.field(), d.maxChange(),
                        duration(Problems.child(at, "per"), d.per(), Duration.ofMinutes(1)));
                case "zScore" -> Detectors.zScore(d.field(), d.window(),
                        d.warmUp() == null ? Math.max(2, Math.min(d.window(), 20)) : d.warmUp(), d.sensitivity());
                default -> Detectors.ewma(d.field(), d.alpha(), d.warmUp() == null ? 20 : d.warmUp(), d.sensitivity());
            };
        } catch (IllegalArgumentException e) {
            problems.atValue(at, "detector " + d.type() + " in " + Problems.display(at) + ": " + e.getMessage());
            return null;
        }
    }

    private static String detectorOptional(String type) {
        return switch (type) {
            case "rateOfChange" -> ", and per: (default 1m)";
            case "zScore" -> ", and warmUp: (default the smaller of window and 20)";
            case "ewma" -> ", and warmUp: (default 20)";
            default -> "";
        };
    }

    private Batch batch(String at, BatchModel b, int maxInFlight, Batch previous) {
        if (previous != null) {
            problems.atValue(at, Problems.display(at) + ": a route takes one batch: stage");
        }
        int size = range(Problems.child(at, "size"), b.size(), DEFAULT_BATCH_SIZE, 1, 10_000);
        if (size > maxInFlight) {
            problems.atValue(problems.has(Problems.child(at, "size")) ? Problems.child(at, "size") : at,
                    Problems.display(Problems.child(at, "size")) + " is " + size + ", more than the route's maxInFlight "
                    + maxInFlight + ", so a batch could never fill: lower size or raise maxInFlight");
        }
        Duration linger = duration(Problems.child(at, "linger"), b.linger(), DEFAULT_LINGER);
        return new Batch(size, linger);
    }

    private Buffer buffer(String at, BufferModel b, String routeName) {
        if (b == null) {
            return new Buffer("memory", DEFAULT_BUFFER_SIZE, "backpressure", null, 0);
        }
        String type = b.type() == null ? "memory" : b.type().strip().toLowerCase(Locale.ROOT);
        if (!type.equals("memory") && !type.equals("spool")) {
            problems.atValue(Problems.child(at, "type"), Problems.display(Problems.child(at, "type")) + " is '"
                    + b.type() + "'" + Names.didYouMean(b.type(), List.of("memory", "spool"))
                    + " Use memory or spool.");
            return null;
        }
        int size = range(Problems.child(at, "size"), b.size(), DEFAULT_BUFFER_SIZE, 1, 1_000_000);
        List<String> allowed = type.equals("memory") ? MEMORY_OVERFLOW : SPOOL_OVERFLOW;
        String overflow = b.overflow() == null ? "backpressure"
                : b.overflow().strip().toLowerCase(Locale.ROOT).replace('_', '-');
        if (!allowed.contains(overflow)) {
            problems.atValue(Problems.child(at, "overflow"), Problems.display(Problems.child(at, "overflow")) + " is '"
                    + b.overflow() + "'; a " + type + " buffer takes one of " + String.join(", ", allowed)
                    + (type.equals("memory") ? " (or type: spool to keep every message on disk)" : ""));
        }
        if (type.equals("memory")) {
            for (String spoolOnly : List.of("directory", "maxBytes")) {
                if (problems.has(Problems.child(at, spoolOnly))) {
                    problems.atKey(Problems.child(at, spoolOnly), Problems.display(Problems.child(at, spoolOnly))
                            + " is for type: spool only; add type: spool or remove it");
                }
            }
            return new Buffer(type, size, overflow, null, 0);
        }
        Path directory = null;
        if (b.directory() == null || b.directory().isBlank()) {
            problems.atKey(at, Problems.display(at) + " of type spool needs directory:, such as "
                    + "directory: /var/lib/edgeflow/spool (each route keeps its spool in a folder of its name there)");
        } else {
            try {
                directory = baseDirectory.resolve(b.directory().strip()).resolve(routeName).normalize();
            } catch (InvalidPathException e) {
                problems.atValue(Problems.child(at, "directory"), Problems.display(Problems.child(at, "directory"))
                        + " '" + b.directory() + "' is not a valid path: " + e.getReason());
            }
        }
        long maxBytes = DEFAULT_SPOOL_BYTES;
        if (b.maxBytes() != null) {
            try {
                maxBytes = ConnectorOptions.of("buffer", Map.of("maxBytes", b.maxBytes())).size("maxBytes",
                        DEFAULT_SPOOL_BYTES);
            } catch (InvalidOptionException e) {
                problems.atValue(Problems.child(at, "maxBytes"), Problems.display(Problems.child(at, "maxBytes"))
                        + " is '" + b.maxBytes() + "': use a positive size such as 1048576, 512KB, 10MB or 1GB");
            }
        }
        return new Buffer(type, size, overflow, directory, maxBytes);
    }

    private int range(String at, Integer value, int defaultValue, int min, int max) {
        if (value == null) {
            return defaultValue;
        }
        if (value < min || value > max) {
            problems.atValue(at, Problems.display(at) + " is " + value + ": use a whole number from " + min + " to "
                    + max);
            return defaultValue;
        }
        return value;
    }

    private Duration duration(String at, String value, Duration defaultValue) {
        if (value == null) {
            return defaultValue;
        }
        try {
            return ConnectorOptions.of("gateway", Map.of("d", value)).duration("d", defaultValue);
        } catch (InvalidOptionException e) {
            problems.atValue(at, Problems.display(at) + " is '" + value + "': use a positive duration such as "
                    + "250ms, 30s, 5m, 1h or PT30S");
            return defaultValue;
        }
    }
}
