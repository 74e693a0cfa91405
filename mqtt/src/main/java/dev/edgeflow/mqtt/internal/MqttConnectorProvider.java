package dev.edgeflow.mqtt.internal;

import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.mqtt.MqttConnection;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.mqtt.MqttTls;
import dev.edgeflow.mqtt.MqttVersion;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.ConnectorProvider;
import dev.edgeflow.spi.InvalidOptionException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Schemes {@code mqtt} and {@code mqtts}: an {@link MqttSource} or {@link MqttSink}.
 *
 * <p>Connection options: {@code host} and {@code port} (from the URI), {@code username},
 * {@code password}, {@code clientId}, {@code version} ({@code 5} or {@code 3.1.1}),
 * {@code keepAlive}, {@code cleanStart}, {@code sessionExpiry}, {@code reconnect} (boolean),
 * {@code reconnectInitialDelay}, {@code reconnectMaxDelay}, {@code connectTimeout}; TLS:
 * {@code caCertificate}, {@code clientCertificate}, {@code clientKey},
 * {@code hostnameVerification}. Source: {@code topics} (comma-separated filters; or the URI
 * path, with {@code #} written {@code %23}), {@code qos}, {@code receiveMaximum}. Sink:
 * {@code qos}, {@code retain}, {@code maxInFlight}, {@code maxQueued}. Both: {@code name}.
 */
public final class MqttConnectorProvider implements ConnectorProvider {
    private static final Set<String> CONNECTION = Set.of("host", "port", "username", "password", "clientId", "version",
            "keepAlive", "cleanStart", "sessionExpiry", "reconnect", "reconnectInitialDelay", "reconnectMaxDelay",
            "connectTimeout", "caCertificate", "clientCertificate", "clientKey", "hostnameVerification", "name");
    private static final Set<String> SOURCE = union(CONNECTION, Set.of("topics", "path", "qos", "receiveMaximum"));
    private static final Set<String> SINK = union(CONNECTION, Set.of("qos", "retain", "maxInFlight", "maxQueued"));

    @Override
    public Set<String> schemes() {
        return Set.of("mqtt", "mqtts");
    }

    @Override
    public Source createSource(ConnectorOptions options) {
        return source(options, true);
    }

    // Checking stops short of the TLS files and of the client: MqttTls reads its PEM files and
    // MqttSource and MqttSink create a client session when built.
    @Override
    public void checkSource(ConnectorOptions options) {
        source(options, false);
    }

    @Override
    public void checkSink(ConnectorOptions options) {
        sink(options, false);
    }

    private static Source source(ConnectorOptions options, boolean create) {
        options.requireOnly(SOURCE);
        MqttSource.Builder b = MqttSource.builder().connection(connection(options, create));
        String topics = options.string("topics").orElse(null);
        String path = options.string("path").filter(p -> !p.equals("/")).orElse(null);
        if (topics == null && path == null) {
            throw new InvalidOptionException("topics", "connector '" + options.scheme() + "' source needs topic "
                    + "filters: add ?topics=sensor/%23,device/%2B/status (write # as %23 and + as %2B in a URI)");
        }
        if (path != null) {
            b.subscribe(path.startsWith("/") ? path.substring(1) : path);
        }
        if (topics != null) {
            for (String t : topics.split(",")) {
                if (!t.isBlank()) {
                    options.applying("topics", () -> b.subscribe(t.trim()));
                }
            }
        }
        b.qos(qos(options, Qos.AT_LEAST_ONCE));
        if (options.string("receiveMaximum").isPresent()) {
            b.receiveMaximum(options.integer("receiveMaximum", MqttSource.DEFAULT_RECEIVE_MAXIMUM, 1, 65535));
        }
        options.string("name").ifPresent(b::name);
        return create ? b.build() : null;
    }

    @Override
    public Sink createSink(ConnectorOptions options) {
        return sink(options, true);
    }

    private static Sink sink(ConnectorOptions options, boolean create) {
        if (options.string("path").filter(p -> !p.equals("/")).isPresent()) {
            throw new InvalidOptionException("path", "connector '" + options.scheme() + "' sink publishes on each "
                    + "message's own topic and takes no topic in the URI path ('" + options.string("path").get()
                    + "'); rewrite topics in the pipeline with route(filter, sink, TopicRewrite.prefix(...))");
        }
        options.requireOnly(SINK);
        MqttSink.Builder b = MqttSink.builder().connection(connection(options, create));
        if (options.string("qos").isPresent()) {
            b.qos(qos(options, null));
        }
        b.retain(options.bool("retain", false));
        b.maxInFlight(options.integer("maxInFlight", MqttSink.DEFAULT_MAX_IN_FLIGHT, 1, 65535));
        b.maxQueued(options.integer("maxQueued", MqttSink.DEFAULT_MAX_QUEUED, 0, Integer.MAX_VALUE));
        options.string("name").ifPresent(b::name);
        return create ? b.build() : null;
    }

    private static MqttConnection connection(ConnectorOptions o, boolean create) {
        String host = o.requireString("host", o.scheme() + "://localhost:1883");
        MqttConnection.Builder b = MqttConnection.builder().host(host);
        boolean tls = o.scheme().equals("mqtts");
        b.port(o.integer("port", tls ? MqttConnection.DEFAULT_TLS_PORT : MqttConnection.DEFAULT_PORT, 1, 65535));
        o.string("clientId").ifPresent(b::clientId);
        o.string("username").ifPresent(u -> b.credentials(u, o.string("password").orElse(null)));
        if (o.string("password").isPresent() && o.string("username").isEmpty()) {
            throw new InvalidOptionException("password", "connector '" + o.scheme()
                    + "' was given a password without a username: write it as " + o.scheme() + "://user:****@host");
        }
        String version = o.string("version").orElse("5");
        switch (version) {
            case "5":
            case "5.0":
                b.version(MqttVersion.MQTT_5);
                break;
            case "3.1.1":
            case "3":
            case "4":
                b.version(MqttVersion.MQTT_3_1_1);
                break;
            default:
                throw o.bad("version", version, "5 or 3.1.1");
        }
        b.keepAlive(o.duration("keepAlive", Duration.ofSeconds(30)));
        o.string("cleanStart").ifPresent(v -> b.cleanStart(o.bool("cleanStart", false)));
        o.string("sessionExpiry").ifPresent(v -> b.sessionExpiry(o.duration("sessionExpiry", Duration.ZERO)));
        if (!o.bool("reconnect", true)) {
            b.noReconnect();
        } else {
            b.reconnect(o.duration("reconnectInitialDelay", Duration.ofSeconds(1)),
                    o.duration("reconnectMaxDelay", Duration.ofMinutes(2)));
        }
        b.connectTimeout(o.duration("connectTimeout", Duration.ofSeconds(10)));
        boolean tlsOptions = o.string("caCertificate").isPresent() || o.string("clientCertificate").isPresent();
        if (tls || tlsOptions) {
            if (!tls) {
                throw new InvalidOptionException(o.string("caCertificate").isPresent() ? "caCertificate"
                        : "clientCertificate", "TLS options need scheme mqtts, not " + o.scheme()
                        + ": write mqtts://" + host + ":8883");
            }
            MqttTls.Builder t = MqttTls.builder();
            if (o.string("caCertificate").isPresent()) {
                t.caCertificate(o.path("caCertificate", "/etc/edgeflow/ca.pem"));
            }
            if (o.string("clientCertificate").isPresent() || o.string("clientKey").isPresent()) {
                t.clientCertificate(o.path("clientCertificate", "/etc/edgeflow/device.cert.pem"),
                        o.path("clientKey", "/etc/edgeflow/device.private.key"));
            }
            t.hostnameVerification(o.bool("hostnameVerification", true));
            if (create) {
                b.tls(t.build());
            }
        }
        return b.build();
    }

    private static Qos qos(ConnectorOptions o, Qos defaultValue) {
        int level = o.integer("qos", defaultValue == null ? 1 : defaultValue.level(), 0, 2);
        return Qos.ofLevel(level);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }
}
