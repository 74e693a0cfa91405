package dev.edgeflow.gcp.internal;

import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.gcp.PubSubSink;
import dev.edgeflow.gcp.PubSubSource;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.ConnectorProvider;
import dev.edgeflow.spi.InvalidOptionException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Scheme {@code pubsub}: a {@link PubSubSink} on a topic, or a {@link PubSubSource} on a
 * subscription. {@code pubsub://<project>/<topic or subscription>?option=value...}, or the
 * options {@code project}, {@code topic} (sink) and {@code subscription} (source).
 *
 * <p>Connection: {@code emulatorHost}, {@code credentialsFile}, {@code endpoint}. Sink:
 * {@code batchMessages}, {@code batchBytes}, {@code batchDelay}, {@code maxOutstandingMessages},
 * {@code maxOutstandingBytes}, {@code retryTimeout}, {@code closeTimeout}, {@code topicAttribute},
 * {@code orderingKeyHeader}, {@code orderingKeyFromTopic}, {@code compression},
 * {@code createTopicIfMissing}, {@code threads}, {@code transport} ({@code grpc}, the default, or
 * {@code rest}). Source: {@code messageTopic},
 * {@code topicFromAttribute}, {@code maxOutstandingMessages}, {@code maxOutstandingBytes},
 * {@code maxAckExtension}, {@code closeTimeout}, {@code parallelPulls}, {@code threads},
 * {@code exactlyOnce}, {@code createOnTopic} (creates the topic and subscription if missing).
 * Both: {@code name}.
 */
public final class PubSubConnectorProvider implements ConnectorProvider {
    private static final Set<String> CONNECTION = Set.of("host", "path", "project", "emulatorHost", "credentialsFile",
            "endpoint", "name", "closeTimeout", "threads", "maxOutstandingMessages", "maxOutstandingBytes");
    private static final Set<String> SINK = union(CONNECTION, Set.of("topic", "batchMessages", "batchBytes",
            "batchDelay", "retryTimeout", "topicAttribute", "orderingKeyHeader", "orderingKeyFromTopic", "compression",
            "createTopicIfMissing", "transport"));
    private static final Set<String> SOURCE = union(CONNECTION, Set.of("subscription", "messageTopic",
            "topicFromAttribute", "maxAckExtension", "parallelPulls", "exactlyOnce", "createOnTopic"));

    @Override
    public Set<String> schemes() {
        return Set.of("pubsub");
    }

    @Override
    public Sink createSink(ConnectorOptions o) {
        return sinkBuilder(o).build();
    }

    // The builders only hold values; build() creates the gRPC publisher or subscriber.
    @Override
    public void checkSink(ConnectorOptions o) {
        sinkBuilder(o);
    }

    @Override
    public void checkSource(ConnectorOptions o) {
        sourceBuilder(o);
    }

    private static PubSubSink.Builder sinkBuilder(ConnectorOptions o) {
        o.requireOnly(SINK);
        String topic = resource(o, "topic", "iot-sensor-data");
        PubSubSink.Builder b = o.applying("topic", () -> PubSubSink.builder(connection(o), topic));
        if (o.string("batchMessages").isPresent()) {
            int n = o.integer("batchMessages", 100, 1, 1000);
            b.batchMessages(n);
        }
        if (o.string("batchBytes").isPresent()) {
            long n = o.size("batchBytes", 1);
            o.applying("batchBytes", () -> b.batchBytes(n));
        }
        o.ifDuration("batchDelay", b::batchDelay);
        if (o.string("maxOutstandingMessages").isPresent()) {
            int n = o.integer("maxOutstandingMessages", 1000, 1, Integer.MAX_VALUE);
            b.maxOutstandingMessages(n);
        }
        if (o.string("maxOutstandingBytes").isPresent()) {
            long n = o.size("maxOutstandingBytes", 1);
            o.applying("maxOutstandingBytes", () -> b.maxOutstandingBytes(n));
        }
        o.ifDuration("retryTimeout", b::retryTimeout);
        o.ifDuration("closeTimeout", b::closeTimeout);
        o.string("topicAttribute").ifPresent(a -> o.applying("topicAttribute", () -> b.topicAttribute(a)));
        o.string("orderingKeyHeader").ifPresent(b::orderingKeyFromHeader);
        if (o.bool("orderingKeyFromTopic", false)) {
            if (o.string("orderingKeyHeader").isPresent()) {
                throw new InvalidOptionException("orderingKeyFromTopic", "connector 'pubsub': give orderingKeyHeader "
                        + "or orderingKeyFromTopic=true, not both");
            }
            b.orderingKeyFromTopic();
        }
        PubSubSink.Transport transport = o.enumValue("transport", PubSubSink.Transport.class,
                PubSubSink.Transport.GRPC);
        b.transport(transport);
        if (o.string("compression").isPresent()) {
            if (transport == PubSubSink.Transport.REST) {
                throw new InvalidOptionException("compression", "connector 'pubsub': compression is offered by "
                        + "transport grpc only; leave it out with transport rest");
            }
            long n = o.size("compression", 1);
            b.compression(n);
        }
        b.createTopicIfMissing(o.bool("createTopicIfMissing", false));
        if (o.string("threads").isPresent()) {
            b.threads(o.integer("threads", 2, 1, 64));
        }
        o.string("name").ifPresent(b::name);
        return b;
    }

    @Override
    public Source createSource(ConnectorOptions o) {
        return sourceBuilder(o).build();
    }

    private static PubSubSource.Builder sourceBuilder(ConnectorOptions o) {
        o.requireOnly(SOURCE);
        String subscription = resource(o, "subscription", "iot-sensor-sub");
        PubSubSource.Builder b = o.applying("subscription", () -> PubSubSource.builder(connection(o), subscription));
        o.string("messageTopic").ifPresent(t -> o.applying("messageTopic", () -> b.topic(t)));
        o.string("topicFromAttribute").ifPresent(b::topicFromAttribute);
        if (o.string("maxOutstandingMessages").isPresent()) {
            b.maxOutstandingMessages(o.integer("maxOutstandingMessages", 1000, 1, Integer.MAX_VALUE));
        }
        if (o.string("maxOutstandingBytes").isPresent()) {
            long n = o.size("maxOutstandingBytes", 1);
            o.applying("maxOutstandingBytes", () -> b.maxOutstandingBytes(n));
        }
        o.ifDuration("maxAckExtension", b::maxAckExtension);
        o.ifDuration("closeTimeout", b::closeTimeout);
        if (o.string("parallelPulls").isPresent()) {
            b.parallelPulls(o.integer("parallelPulls", 1, 1, 16));
        }
        if (o.string("threads").isPresent()) {
            b.threads(o.integer("threads", 2, 1, 64));
        }
        b.exactlyOnce(o.bool("exactlyOnce", false));
        o.string("createOnTopic").ifPresent(t -> o.applying("createOnTopic", () -> b.createIfMissing(t)));
        o.string("name").ifPresent(b::name);
        return b;
    }

    private static PubSubConnection connection(ConnectorOptions o) {
        String project = o.string("project").orElseGet(() -> o.string("host").orElse(null));
        if (project == null) {
            throw new InvalidOptionException("project", "connector 'pubsub' needs the project id: write "
                    + "pubsub://my-project/iot-sensor-data or add ?project=my-project");
        }
        PubSubConnection.Builder b = o.applying("project", () -> PubSubConnection.builder(project));
        o.string("emulatorHost").ifPresent(h -> o.applying("emulatorHost", () -> b.emulatorHost(h)));
        if (o.string("credentialsFile").isPresent()) {
            b.credentialsFile(o.path("credentialsFile", "/etc/edgeflow/service-account.json"));
        }
        o.string("endpoint").ifPresent(e -> o.applying("endpoint", () -> b.endpoint(e)));
        return o.applying("emulatorHost", b::build);
    }

    /** The topic or subscription id: the option, or the URI path. */
    private static String resource(ConnectorOptions o, String kind, String example) {
        Optional<String> path = o.string("path").map(p -> p.startsWith("/") ? p.substring(1) : p)
                .filter(p -> !p.isEmpty());
        Optional<String> option = o.string(kind);
        if (path.isPresent() && option.isPresent() && !path.get().equals(option.get())) {
            throw new InvalidOptionException(kind, "connector 'pubsub' was given " + kind + " '" + option.get()
                    + "' and '" + path.get() + "' in the URI path: give one");
        }
        return path.or(() -> option).orElseThrow(() -> new InvalidOptionException(kind, "connector 'pubsub' "
                + (kind.equals("topic") ? "sink" : "source") + " needs a " + kind + " id: write pubsub://my-project/"
                + example + " or add ?" + kind + "=" + example));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return Set.copyOf(u);
    }
}
