package dev.edgeflow.dashboard;

import dev.edgeflow.core.Message;
import dev.edgeflow.dashboard.internal.DashboardConfig;
import dev.edgeflow.dashboard.internal.DashboardServer;
import dev.edgeflow.timeseries.ReadingQueries;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A web dashboard over stored readings: the tutorial's JSON API, a Server-Sent Events stream of
 * live readings and alerts, and a page with a live chart per device.
 *
 * <pre>{@code
 * try (Dashboard dashboard = Dashboard.builder().queries(store).port(8080).start()) {
 *     Pipeline pipeline = Pipeline.from(sensors)
 *             .tap("dashboard", dashboard.readingsTap())
 *             .tap("alerts", alerts.tap(dashboard.alertsTap()))
 *             .to(storeSink)
 *             .start();
 *     ...
 * }
 * }</pre>
 *
 * <p>It runs on the JDK's own {@code com.sun.net.httpserver.HttpServer}, because JSON and a
 * text event stream need nothing more and the dashboard then adds no dependency to an
 * application that runs on a Raspberry Pi.
 *
 * <p><b>Under load</b> every resource is bounded: the server runs on
 * {@link Builder#threads(int)} request threads plus one thread per stream client, at most
 * {@link Builder#maxStreamClients(int)} of them (the next one is answered 503); each stream
 * client has a queue of {@link Builder#streamQueueCapacity(int)} events, and a client that reads
 * too slowly loses its oldest events ({@link #droppedEventCount()}) and is told so with an
 * {@code event: dropped}. Publishing never blocks on a client. The alert list keeps the newest
 * {@link Builder#maxAlerts(int)} alerts.
 *
 * <p><b>When the store fails</b> a request is answered {@code 503} with the store's reason as
 * JSON; the live stream goes on. The dashboard never answers with a stack trace.
 *
 * <p>Thread-safe. {@link #close()} ends the stream clients and stops the server.
 *
 * @since 0.1.0
 */
public final class Dashboard implements AutoCloseable {
    private final DashboardServer server;
    private final Consumer<Message> readingsTap;
    private final Consumer<Message> alertsTap;

    private Dashboard(DashboardServer server) {
        this.server = server;
        this.readingsTap = server::publishReading;
        this.alertsTap = server::publishAlert;
    }

    /**
     * Starts configuring a dashboard.
     *
     * @return a builder with the defaults: port 8080 on 127.0.0.1, no CORS origin, the newest 100
     *     alerts, days in UTC
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the address of the page; the API is under {@code api/} of it.
     *
     * @return such as {@code http://127.0.0.1:8080/}; {@code localhost} when the dashboard
     *     listens on every interface
     */
    public URI url() {
        return server.url();
    }

    /**
     * Returns the port the dashboard listens on, which is the free port the system chose when
     * {@link Builder#port(int)} was 0.
     *
     * @return the TCP port
     */
    public int port() {
        return server.port();
    }

    /**
     * Returns a pipeline tap that streams each reading to the page, as
     * {@code .tap("dashboard", dashboard.readingsTap())}. The same as
     * {@link #publishReading(Message)}.
     *
     * @return the tap; it never blocks and never throws
     */
    public Consumer<Message> readingsTap() {
        return readingsTap;
    }

    /**
     * Streams a reading to the connected clients as {@code event: reading}. The reading is not
     * stored: the pipeline's store sink does that.
     *
     * <p>A reading is a JSON object with {@code device_id} (else the second level of the topic,
     * {@code sensor/<device>/...}), numeric fields and {@code timestamp} in epoch seconds,
     * epoch milliseconds or ISO-8601 (else the message's time). Anything else is counted in
     * {@link #skippedMessageCount()} and goes nowhere.
     *
     * <p>Does not block: each client's queue takes the event or drops its oldest one.
     *
     * @param reading the reading message
     */
    public void publishReading(Message reading) {
        server.publishReading(Objects.requireNonNull(reading, "reading"));
    }

    /**
     * Returns a consumer of alerts for an alert stage's tap, as
     * {@code .tap("alerts", alertStage.tap(dashboard.alertsTap()))}. The same as
     * {@link #publishAlert(Message)}.
     *
     * @return the consumer; it never blocks and never throws
     */
    public Consumer<Message> alertsTap() {
        return alertsTap;
    }

    /**
     * Keeps an alert in the alert list and streams it to the connected clients as
     * {@code event: alert}.
     *
     * <p>An alert is a JSON object as {@code AlertStage} makes it: {@code device_id},
     * {@code field}, {@code value}, {@code expected_min}, {@code expected_max},
     * {@code detector}, {@code state} ({@code raised} or {@code cleared}), {@code reason} and
     * {@code timestamp}. A raised alert stays in the list of active conditions until an alert of
     * the same device, field and detector clears it. A payload that is not a JSON object is
     * counted in {@link #skippedMessageCount()}.
     *
     * <p>Does not block.
     *
     * @param alert the alert message
     */
    public void publishAlert(Message alert) {
        server.publishAlert(Objects.requireNonNull(alert, "alert"));
    }

    /**
     * Returns how many clients are connected to the event stream now.
     *
     * @return 0 to {@link Builder#maxStreamClients(int)}
     */
    public int streamClientCount() {
        return server.streamClientCount();
    }

    /**
     * Returns how many events slow stream clients lost, over all clients.
     *
     * @return the count since start
     */
    public long droppedEventCount() {
        return server.droppedEventCount();
    }

    /**
     * Returns how many published readings and alerts were not shown because they were not a JSON
     * object, or a reading had no device or no numeric field.
     *
     * @return the count since start
     */
    public long skippedMessageCount() {
        return server.skippedMessageCount();
    }

    /**
     * Ends every stream client and stops the server. Idempotent; does not throw. Blocks until the
     * server's threads have ended, at most a few seconds. Taps called after close do nothing.
     */
    @Override
    public void close() {
        server.close();
    }

    @Override
    public String toString() {
        return "Dashboard[" + url() + "]";
    }

    /**
     * Configures a {@link Dashboard}. Each setter checks its value at once and says what would
     * have been right.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private static final Pattern ORIGIN = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#\\s]+");

        private ReadingQueries queries;
        private int port = 8080;
        private String bindAddress = "127.0.0.1";
        private final Set<String> corsOrigins = new LinkedHashSet<>();
        private int maxAlerts = 100;
        private ZoneId zone = ZoneOffset.UTC;
        private Clock clock = Clock.systemUTC();
        private int threads = 4;
        private int maxStreamClients = 8;
        private int streamQueueCapacity = 1000;
        private Duration heartbeat = Duration.ofSeconds(15);

        private Builder() {
        }

        /**
         * Sets where the readings come from, such as a {@code JdbcTimeSeriesStore}. Required.
         *
         * @param queries the store's queries
         * @return this builder
         */
        public Builder queries(ReadingQueries queries) {
            this.queries = Objects.requireNonNull(queries, "queries");
            return this;
        }

        /**
         * Sets the TCP port.
         *
         * @param port 1 to 65535, or 0 for a free port the system chooses; by default 8080
         * @return this builder
         * @throws IllegalArgumentException if the port is out of range
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port is " + port + "; give 1 to 65535, or 0 for a free port");
            }
            this.port = port;
            return this;
        }

        /**
         * Sets the address to listen on. The default keeps the dashboard to this machine; give
         * {@code 0.0.0.0} to reach it from the network (there is no login: put it behind a proxy
         * that has one).
         *
         * @param address an IP address or host name; by default {@code 127.0.0.1}
         * @return this builder
         * @throws IllegalArgumentException if the address is blank
         */
        public Builder bindAddress(String address) {
            if (address == null || address.isBlank()) {
                throw new IllegalArgumentException("bindAddress is blank; give an IP address such as 127.0.0.1 "
                        + "or 0.0.0.0 for every interface");
            }
            this.bindAddress = address.strip();
            return this;
        }

        /**
         * Allows pages from other origins to call the API (CORS). Without any, the API answers no
         * CORS headers and a browser lets only the dashboard's own page read it.
         *
         * @param origins each {@code scheme://host[:port]}, such as {@code http://localhost:3000},
         *     or {@code *} for any origin
         * @return this builder
         * @throws IllegalArgumentException if an origin has a path, a trailing slash, or no scheme
         */
        public Builder corsOrigins(String... origins) {
            return corsOrigins(List.of(origins));
        }

        /**
         * Allows pages from other origins to call the API (CORS); see {@link #corsOrigins(String...)}.
         *
         * @param origins each {@code scheme://host[:port]} or {@code *}
         * @return this builder
         * @throws IllegalArgumentException if an origin has a path, a trailing slash, or no scheme
         */
        public Builder corsOrigins(Collection<String> origins) {
            for (String origin : origins) {
                if (origin == null || !(origin.equals("*") || ORIGIN.matcher(origin).matches())) {
                    throw new IllegalArgumentException("CORS origin '" + origin + "' must be * or scheme://host[:port] "
                            + "without a path or trailing slash, such as http://localhost:3000");
                }
                corsOrigins.add(origin);
            }
            return this;
        }

        /**
         * Bounds the alert list: the newest this many alerts, and as many active conditions.
         *
         * @param max 1 to 100000; by default 100
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxAlerts(int max) {
            this.maxAlerts = range("maxAlerts", max, 1, 100_000, "100");
            return this;
        }

        /**
         * Sets the zone whose midnights divide the days of {@code /api/devices/{id}/daily}.
         *
         * @param zone such as {@code ZoneId.of("Europe/Berlin")}; by default UTC
         * @return this builder
         */
        public Builder zone(ZoneId zone) {
            this.zone = Objects.requireNonNull(zone, "zone");
            return this;
        }

        /**
         * Sets the clock that tells "now" for the windows of {@code hours} and {@code days}.
         *
         * @param clock by default {@link Clock#systemUTC()}
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets how many threads answer API and page requests; stream clients have threads of
         * their own on top.
         *
         * @param threads 1 to 64; by default 4
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder threads(int threads) {
            this.threads = range("threads", threads, 1, 64, "4");
            return this;
        }

        /**
         * Bounds the clients of {@code /api/stream}; each holds one thread while it is connected.
         * The next one is answered 503.
         *
         * @param max 1 to 1000; by default 8
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxStreamClients(int max) {
            this.maxStreamClients = range("maxStreamClients", max, 1, 1000, "8");
            return this;
        }

        /**
         * Bounds the events waiting for one stream client; past it the client loses its oldest.
         *
         * @param capacity 1 to 1000000; by default 1000
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder streamQueueCapacity(int capacity) {
            this.streamQueueCapacity = range("streamQueueCapacity", capacity, 1, 1_000_000, "1000");
            return this;
        }

        /**
         * Sets how often an idle stream sends a comment, which keeps proxies from closing it and
         * finds clients that went away.
         *
         * @param interval 10 ms to 10 minutes; by default 15 s
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder heartbeat(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("heartbeat is " + interval + "; give 10 ms to 10 minutes, "
                        + "such as Duration.ofSeconds(15)");
            }
            this.heartbeat = interval;
            return this;
        }

        /**
         * Starts the dashboard. Returns once it accepts connections.
         *
         * @return the running dashboard
         * @throws IllegalStateException if no {@link #queries(ReadingQueries)} was given
         * @throws UncheckedIOException if it cannot listen, such as when the port is taken; the
         *     message names the address and port
         */
        public Dashboard start() {
            if (queries == null) {
                throw new IllegalStateException("a dashboard needs the store's queries: call queries(store), such as "
                        + "queries(JdbcTimeSeriesStore.h2(Path.of(\"/var/lib/edgeflow/readings\")))");
            }
            DashboardConfig config = new DashboardConfig(queries, port, bindAddress, Set.copyOf(corsOrigins),
                    maxAlerts, zone, clock, threads, maxStreamClients, streamQueueCapacity, heartbeat);
            return new Dashboard(DashboardServer.start(config));
        }

        private static int range(String name, int value, int min, int max, String example) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " is " + value + "; give " + min + " to " + max
                        + ", such as " + example);
            }
            return value;
        }
    }
}
