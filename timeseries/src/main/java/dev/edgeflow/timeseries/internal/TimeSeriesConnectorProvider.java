package dev.edgeflow.timeseries.internal;

import dev.edgeflow.core.Sink;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.ConnectorProvider;
import dev.edgeflow.spi.InvalidOptionException;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.ReadingParser;
import dev.edgeflow.timeseries.TimeSeriesException;
import dev.edgeflow.timeseries.TimeSeriesSink;
import dev.edgeflow.timeseries.TimeSeriesStore;
import dev.edgeflow.timeseries.influx.InfluxDbStore;
import dev.edgeflow.timeseries.jdbc.JdbcTimeSeriesStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Schemes {@code influxdb}, {@code postgres} and {@code h2}: a {@link TimeSeriesSink} over an
 * {@link InfluxDbStore} or a {@link JdbcTimeSeriesStore}, so that a gateway file can write readings
 * into a time-series database. The sink owns its store and closes it with itself.
 *
 * <ul>
 *   <li>{@code influxdb}: {@code url} (such as {@code http://localhost:8086}; or {@code host} and
 *       {@code port}, 8086 by default, for plain http), and for InfluxDB 1.x {@code database}
 *       (or the URI path: {@code influxdb://localhost:8086/iot}), {@code retentionPolicy},
 *       {@code username}, {@code password}, {@code createDatabase}; for InfluxDB 2.x {@code org},
 *       {@code bucket} and {@code token}. Also {@code measurement}, {@code precision},
 *       {@code gzip}, {@code connectTimeout}, {@code requestTimeout}, {@code maxAttempts}.</li>
 *   <li>{@code postgres}: {@code url} ({@code jdbc:postgresql://host:5432/iot}; or {@code host},
 *       {@code port} and the database as the URI path), {@code user} (or {@code username}),
 *       {@code password}, {@code table}, {@code poolSize}, {@code connectionTimeout},
 *       {@code queryTimeout}.</li>
 *   <li>{@code h2}: {@code path}, the folder of an embedded database
 *       ({@code h2:///var/lib/edgeflow/readings}).</li>
 * </ul>
 *
 * <p>Every scheme: {@code name}, and the sink's {@code maxBatchSize}, {@code maxBatchDelay},
 * {@code maxPending}, {@code maxTrackedDevices}, {@code closeTimeout}, and the parser's
 * {@code maxFutureSkew} and {@code topicTag}.
 *
 * <p>Checking builds the InfluxDB store (which opens no connection) but not a JDBC store, which
 * connects and creates its table.
 */
public final class TimeSeriesConnectorProvider implements ConnectorProvider {
    private static final Set<String> SINK = Set.of("name", "maxBatchSize", "maxBatchDelay", "maxPending",
            "maxTrackedDevices", "closeTimeout", "maxFutureSkew", "topicTag");
    private static final Set<String> INFLUX = union(SINK, Set.of("url", "host", "port", "path", "database",
            "retentionPolicy", "username", "password", "createDatabase", "org", "bucket", "token", "measurement",
            "precision", "gzip", "connectTimeout", "requestTimeout", "maxAttempts"));
    private static final Set<String> POSTGRES = union(SINK, Set.of("url", "host", "port", "path", "user",
            "username", "password", "table", "poolSize", "connectionTimeout", "queryTimeout"));
    private static final Set<String> H2 = union(SINK, Set.of("path"));
    private static final Map<String, ChronoUnit> PRECISIONS = Map.of("ns", ChronoUnit.NANOS, "us",
            ChronoUnit.MICROS, "ms", ChronoUnit.MILLIS, "s", ChronoUnit.SECONDS);

    /** What a sink's builder is given while its options are checked; it is never built. */
    private static final TimeSeriesStore UNCHECKED_STORE = new TimeSeriesStore() {
        @Override
        public String name() {
            return "(checking)";
        }

        @Override
        public void write(List<Point> points) {
            throw new UnsupportedOperationException("a store for checking options only");
        }

        @Override
        public void close() {
        }
    };

    /** Called by {@link java.util.ServiceLoader}. */
    public TimeSeriesConnectorProvider() {
    }

    @Override
    public Set<String> schemes() {
        return Set.of("influxdb", "postgres", "h2");
    }

    @Override
    public Sink createSink(ConnectorOptions o) {
        TimeSeriesStore store = store(o);
        try {
            return sink(o, store).build();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    @Override
    public void checkSink(ConnectorOptions o) {
        switch (o.scheme()) {
            case "influxdb" -> influx(o).close(); // an HTTP client and nothing else until its first write
            case "postgres" -> {
                o.requireOnly(POSTGRES);
                postgresStore(o, false);
            }
            default -> {
                o.requireOnly(H2);
                h2Folder(o);
            }
        }
        sink(o, UNCHECKED_STORE);
    }

    private static TimeSeriesStore store(ConnectorOptions o) {
        switch (o.scheme()) {
            case "influxdb":
                return influx(o);
            case "postgres":
                o.requireOnly(POSTGRES);
                return postgresStore(o, true);
            default:
                o.requireOnly(H2);
                Path folder = h2Folder(o);
                return open(o, "path", () -> JdbcTimeSeriesStore.h2(folder));
        }
    }

    /** The sink's builder with its options, unbuilt: building it starts the sink's writer. */
    private static TimeSeriesSink.Builder sink(ConnectorOptions o, TimeSeriesStore store) {
        ReadingParser.Builder parser = ReadingParser.builder();
        o.ifDuration("maxFutureSkew", parser::maxFutureSkew);
        o.string("topicTag").ifPresent(t -> o.applying("topicTag", () -> parser.topicTag(t)));
        TimeSeriesSink.Builder b = TimeSeriesSink.builder(store).parser(parser.build()).closeStoreOnClose(true);
        if (o.string("maxBatchSize").isPresent()) {
            int n = o.integer("maxBatchSize", 500, 1, Integer.MAX_VALUE);
            o.applying("maxBatchSize", () -> b.maxBatchSize(n));
        }
        o.ifDuration("maxBatchDelay", b::maxBatchDelay);
        if (o.string("maxPending").isPresent()) {
            int n = o.integer("maxPending", 10_000, 1, Integer.MAX_VALUE);
            o.applying("maxPending", () -> b.maxPending(n));
        }
        if (o.string("maxTrackedDevices").isPresent()) {
            int n = o.integer("maxTrackedDevices", 10_000, 1, Integer.MAX_VALUE);
            o.applying("maxTrackedDevices", () -> b.maxTrackedDevices(n));
        }
        o.ifDuration("closeTimeout", b::closeTimeout);
        o.string("name").ifPresent(n -> o.applying("name", () -> b.name(n)));
        return b;
    }

    private static InfluxDbStore influx(ConnectorOptions o) {
        o.requireOnly(INFLUX);
        URI url = httpUrl(o);
        boolean v2 = o.string("org").isPresent() || o.string("bucket").isPresent() || o.string("token").isPresent();
        if (v2) {
            for (String v1Only : new String[] {"database", "retentionPolicy", "username", "password", "createDatabase"}) {
                if (o.string(v1Only).isPresent()) {
                    throw new InvalidOptionException(v1Only, "connector 'influxdb' was given org, bucket or token "
                            + "(InfluxDB 2.x) and " + v1Only + " (InfluxDB 1.x): give org, bucket and token for a 2.x "
                            + "server, or database (and username, password) for a 1.x server");
                }
            }
            String org = o.requireString("org", "my-org");
            String bucket = o.requireString("bucket", "iot");
            String token = o.requireString("token", "${file:/etc/edgeflow/influx-token}");
            InfluxDbStore.V2Builder b = o.applying("url", () -> InfluxDbStore.v2(url, org, bucket, token));
            return common(o, b).build();
        }
        String database = o.string("database").or(() -> path(o)).orElseThrow(() -> new InvalidOptionException(
                "database", "connector 'influxdb' needs the database (InfluxDB 1.x): add database: iot, or write "
                + "influxdb://localhost:8086/iot; for InfluxDB 2.x give org, bucket and token instead"));
        InfluxDbStore.V1Builder b = o.applying("url", () -> InfluxDbStore.v1(url, database));
        o.string("retentionPolicy").ifPresent(p -> o.applying("retentionPolicy", () -> b.retentionPolicy(p)));
        Optional<String> user = o.string("username");
        Optional<String> password = o.string("password");
        if (user.isPresent() != password.isPresent()) {
            String missing = user.isPresent() ? "password" : "username";
            throw new InvalidOptionException(missing, "connector 'influxdb' needs username and password together; "
                    + "add " + missing);
        }
        user.ifPresent(u -> o.applying("username", () -> b.credentials(u, password.get())));
        b.createDatabaseIfMissing(o.bool("createDatabase", false));
        return common(o, b).build();
    }

    private static <B extends InfluxDbStore.Builder<B>> B common(ConnectorOptions o, B b) {
        o.string("measurement").ifPresent(m -> o.applying("measurement", () -> b.measurement(m)));
        if (o.string("precision").isPresent()) {
            String p = o.string("precision").get().trim().toLowerCase(Locale.ROOT);
            ChronoUnit unit = PRECISIONS.get(p);
            if (unit == null) {
                throw o.bad("precision", o.string("precision").get(), "one of ns, us, ms, s");
            }
            b.precision(unit);
        }
        b.gzip(o.bool("gzip", true));
        o.ifDuration("connectTimeout", b::connectTimeout);
        o.ifDuration("requestTimeout", b::requestTimeout);
        if (o.string("maxAttempts").isPresent()) {
            int n = o.integer("maxAttempts", 3, 1, 100);
            b.maxAttempts(n);
        }
        return b;
    }

    /** The server's http(s) URL: the {@code url} option, or http://host:port. */
    private static URI httpUrl(ConnectorOptions o) {
        Optional<String> url = o.string("url");
        Optional<String> host = o.string("host");
        if (url.isPresent() && host.isPresent()) {
            throw new InvalidOptionException("url", "connector 'influxdb' was given url and host: give one");
        }
        if (url.isPresent()) {
            try {
                return new URI(url.get().trim());
            } catch (java.net.URISyntaxException e) {
                throw o.bad("url", url.get(), "an http or https URL, such as http://localhost:8086");
            }
        }
        String h = host.orElseThrow(() -> new InvalidOptionException("url", "connector 'influxdb' needs the server: "
                + "add url: http://localhost:8086, or write influxdb://localhost:8086/iot"));
        int port = o.integer("port", 8086, 1, 65_535);
        return URI.create("http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port);
    }

    /** The JDBC URL: the {@code url} option, or jdbc:postgresql://host:port/database. */
    private static String postgresUrl(ConnectorOptions o) {
        Optional<String> url = o.string("url");
        if (url.isPresent()) {
            if (o.string("host").isPresent()) {
                throw new InvalidOptionException("url", "connector 'postgres' was given url and host: give one");
            }
            if (!url.get().startsWith("jdbc:postgresql:")) {
                throw new InvalidOptionException("url", "connector 'postgres' needs a jdbc:postgresql: URL, such as "
                        + "jdbc:postgresql://localhost:5432/iot");
            }
            return url.get();
        }
        String host = o.string("host").orElseThrow(() -> new InvalidOptionException("url", "connector 'postgres' "
                + "needs the database: add url: jdbc:postgresql://localhost:5432/iot, or write "
                + "postgres://localhost:5432/iot"));
        String database = path(o).orElseThrow(() -> new InvalidOptionException("path", "connector 'postgres' needs "
                + "the database's name after the host: postgres://" + host + ":5432/iot"));
        return "jdbc:postgresql://" + host + ":" + o.integer("port", 5432, 1, 65_535) + "/" + database;
    }

    /** The JDBC store's builder with its options; builds (and so connects) only if asked. */
    private static JdbcTimeSeriesStore postgresStore(ConnectorOptions o, boolean build) {
        String url = postgresUrl(o);
        if (o.string("user").isPresent() && o.string("username").isPresent()) {
            throw new InvalidOptionException("user", "connector 'postgres' was given user and username: give one");
        }
        JdbcTimeSeriesStore.Builder b = JdbcTimeSeriesStore.builder().url(url);
        o.string("user").or(() -> o.string("username")).ifPresent(b::user);
        o.string("password").ifPresent(b::password);
        o.string("table").ifPresent(t -> o.applying("table", () -> b.table(t)));
        if (o.string("poolSize").isPresent()) {
            b.poolSize(o.integer("poolSize", 4, 1, 64));
        }
        o.ifDuration("connectionTimeout", b::connectionTimeout);
        o.ifDuration("queryTimeout", b::queryTimeout);
        return build ? open(o, "url", b::build) : null;
    }

    /**
     * Opens a JDBC store: a value the store refuses names its option ({@link ConnectorOptions#applying});
     * a database that refuses to open (the file is taken, the credentials are wrong) is an unchecked
     * failure with its reason.
     */
    private static JdbcTimeSeriesStore open(ConnectorOptions o, String option, StoreOpener opener) {
        return o.applying(option, () -> {
            try {
                return opener.open();
            } catch (TimeSeriesException e) {
                throw new IllegalStateException("connector '" + o.scheme() + "' could not open its database: "
                        + e.getMessage(), e);
            }
        });
    }

    @FunctionalInterface
    private interface StoreOpener {
        JdbcTimeSeriesStore open() throws TimeSeriesException;
    }

    private static Path h2Folder(ConnectorOptions o) {
        return o.path("path", "/var/lib/edgeflow/readings");
    }

    /** The URI path without its leading slash, if any. */
    private static Optional<String> path(ConnectorOptions o) {
        return o.string("path").map(p -> p.startsWith("/") ? p.substring(1) : p).filter(p -> !p.isEmpty());
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return Set.copyOf(u);
    }
}
