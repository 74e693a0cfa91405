package dev.edgeflow.aws.internal;

import dev.edgeflow.aws.AwsIotConnection;
import dev.edgeflow.aws.AwsIotLimits;
import dev.edgeflow.aws.AwsIotSink;
import dev.edgeflow.aws.AwsIotSource;
import dev.edgeflow.aws.DeviceConfig;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.ConnectorProvider;
import dev.edgeflow.spi.InvalidOptionException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Scheme {@code awsiot}: an {@link AwsIotSink} or an {@link AwsIotSource} on a connection of its
 * own. {@code awsiot://<endpoint>[:port]?clientId=..&certificate=..&privateKey=..&rootCa=..}, or
 * {@code awsiot://?config=/etc/edgeflow/edgeflow-aws.json} with a device configuration written by
 * thing registration.
 *
 * <p>Connection: {@code clientId}, {@code certificate}, {@code privateKey}, {@code rootCa},
 * {@code config}, {@code limits} ({@code iot-core} or {@code none}), {@code publishesPerSecond},
 * {@code keepAlive}, {@code sessionExpiry}. Sink: {@code qos}, {@code maxInFlight},
 * {@code maxQueued}, {@code batchBytes}, {@code batchDelay}, {@code offlineTimeout},
 * {@code closeTimeout}. Source: {@code subscribe} (comma-separated topic filters), {@code qos},
 * {@code closeTimeout}. Both: {@code name}.
 */
public final class AwsIotConnectorProvider implements ConnectorProvider {
    private static final Set<String> CONNECTION = Set.of("host", "port", "path", "clientId", "certificate",
            "privateKey", "rootCa", "config", "limits", "publishesPerSecond", "keepAlive", "sessionExpiry", "name",
            "qos", "closeTimeout");
    private static final Set<String> SINK = union(CONNECTION, Set.of("maxInFlight", "maxQueued", "batchBytes",
            "batchDelay", "offlineTimeout"));
    private static final Set<String> SOURCE = union(CONNECTION, Set.of("subscribe"));

    @Override
    public Set<String> schemes() {
        return Set.of("awsiot");
    }

    @Override
    public Sink createSink(ConnectorOptions o) {
        return sink(o, true);
    }

    @Override
    public Source createSource(ConnectorOptions o) {
        return source(o, true);
    }

    // Checking stops short of the connection: building it reads the device config, the
    // certificate and the key, and loads the AWS CRT.
    @Override
    public void checkSink(ConnectorOptions o) {
        sink(o, false);
    }

    @Override
    public void checkSource(ConnectorOptions o) {
        source(o, false);
    }

    private static Sink sink(ConnectorOptions o, boolean create) {
        o.requireOnly(SINK);
        AwsIotSink.Builder b = AwsIotSink.builder();
        qos(o).ifPresent(q -> o.applying("qos", () -> b.qos(q)));
        if (o.string("maxInFlight").isPresent()) {
            b.maxInFlight(o.integer("maxInFlight", 100, 1, 65_535));
        }
        if (o.string("maxQueued").isPresent()) {
            b.maxQueued(o.integer("maxQueued", 10_000, 0, Integer.MAX_VALUE));
        }
        if (o.string("batchBytes").isPresent() || o.string("batchDelay").isPresent()) {
            long bytes = o.size("batchBytes", 128 * 1024);
            Duration delay = o.duration("batchDelay", Duration.ofMillis(500));
            o.applying("batchBytes", () -> b.batching((int) Math.min(bytes, Integer.MAX_VALUE), delay));
        }
        o.ifDuration("offlineTimeout", b::offlineTimeout);
        o.ifDuration("closeTimeout", b::closeTimeout);
        o.string("name").ifPresent(b::name);
        AwsIotConnection connection = connection(o, create);
        if (!create) {
            return null;
        }
        try {
            return o.applying("batchBytes", () -> b.ownConnection(connection).build());
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    private static Source source(ConnectorOptions o, boolean create) {
        o.requireOnly(SOURCE);
        String filters = o.requireString("subscribe", "device/rpi-01/commands/#");
        AwsIotSource.Builder b = AwsIotSource.builder();
        Qos qos = qos(o).orElse(Qos.AT_LEAST_ONCE);
        for (String f : filters.split(",")) {
            o.applying("subscribe", () -> b.subscribe(f.trim(), qos));
        }
        o.ifDuration("closeTimeout", b::closeTimeout);
        o.string("name").ifPresent(b::name);
        AwsIotConnection connection = connection(o, create);
        return create ? b.ownConnection(connection).build() : null;
    }

    private static Optional<Qos> qos(ConnectorOptions o) {
        if (o.string("qos").isEmpty()) {
            return Optional.empty();
        }
        int level = o.integer("qos", 1, 0, 1);
        return Optional.of(Qos.ofLevel(level));
    }

    private static AwsIotConnection connection(ConnectorOptions o, boolean create) {
        AwsIotConnection.Builder b = AwsIotConnection.builder();
        if (o.string("config").isPresent()) {
            Path file = o.path("config", "/etc/edgeflow/edgeflow-aws.json");
            if (create) {
                b.config(o.applying("config", () -> DeviceConfig.load(file)));
            }
        }
        o.string("host").ifPresent(b::endpoint);
        if (o.string("port").isPresent()) {
            int port = o.integer("port", 8883, 1, 65_535);
            b.port(port);
        }
        o.string("clientId").ifPresent(b::clientId);
        if (o.string("certificate").isPresent() || o.string("privateKey").isPresent()) {
            b.certificate(o.path("certificate", "/etc/edgeflow/device.cert.pem"),
                    o.path("privateKey", "/etc/edgeflow/device.private.key"));
        }
        if (o.string("rootCa").isPresent()) {
            b.caCertificate(o.path("rootCa", "/etc/edgeflow/AmazonRootCA1.pem"));
        }
        AwsIotLimits limits = AwsIotLimits.IOT_CORE;
        if (o.string("limits").isPresent()) {
            String l = o.string("limits").get();
            if (l.equals("none")) {
                limits = AwsIotLimits.NONE;
            } else if (!l.equals("iot-core")) {
                throw o.bad("limits", l, "iot-core or none");
            }
        }
        if (o.string("publishesPerSecond").isPresent()) {
            limits = limits.withPublishesPerSecond(o.integer("publishesPerSecond", 100, 0, 100_000));
        }
        b.limits(limits);
        o.ifDuration("keepAlive", b::keepAlive);
        o.ifDuration("sessionExpiry", b::sessionExpiry);
        if (!create) {
            checkRequired(o, limits);
            return null;
        }
        try {
            return b.build();
        } catch (InvalidOptionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            String name = m.startsWith("endpoint") ? "host" : m.startsWith("clientId") ? "clientId"
                    : m.contains("CA certificate") ? "rootCa"
                    : m.contains("private key") ? "privateKey" : "certificate";
            String hint = name.equals("host") ? " (write awsiot://abc123-ats.iot.eu-west-1.amazonaws.com?clientId=...)"
                    : "";
            throw new InvalidOptionException(name, "option '" + name + "' of connector 'awsiot': " + m + hint);
        }
    }

    /**
     * What {@code AwsIotConnection.Builder.build()} requires, checked without reading a file. A
     * device config file may give all of it, so nothing is required beside it: that file is read
     * when the connector is created.
     */
    private static void checkRequired(ConnectorOptions o, AwsIotLimits limits) {
        if (o.string("config").isPresent()) {
            return;
        }
        o.requireString("host", "abc123-ats.iot.eu-west-1.amazonaws.com (the account's iot:Data-ATS endpoint)");
        String clientId = o.requireString("clientId", "rpi-01 (the thing name)");
        o.applying("clientId", () -> {
            limits.checkClientId(clientId);
            return null;
        });
        o.requireString("certificate", "/etc/edgeflow/device.cert.pem");
        o.requireString("privateKey", "/etc/edgeflow/device.private.key");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return Set.copyOf(u);
    }
}
