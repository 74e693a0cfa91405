package dev.edgeflow.timeseries.influx;

import dev.edgeflow.timeseries.DailyStatistics;
import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.FieldStatistics;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.ReadingQueries;
import dev.edgeflow.timeseries.StoredReading;
import dev.edgeflow.timeseries.TimeSeriesException;
import dev.edgeflow.timeseries.TimeSeriesStore;
import dev.edgeflow.timeseries.influx.internal.InfluxHttpStore;
import dev.edgeflow.timeseries.influx.internal.InfluxQlQueries;
import dev.edgeflow.timeseries.influx.internal.InfluxSettings;
import dev.edgeflow.timeseries.influx.internal.LineProtocolEncoder;
import dev.edgeflow.timeseries.influx.internal.Sleeper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * A {@link TimeSeriesStore} that writes to InfluxDB over its HTTP line protocol API, with the JDK's
 * {@link java.net.http.HttpClient} and no client library.
 *
 * <pre>{@code
 * TimeSeriesStore store = InfluxDbStore.v1(URI.create("http://localhost:8086"), "iot")
 *         .createDatabaseIfMissing(true)
 *         .build();
 * TimeSeriesStore cloud = InfluxDbStore.v2(URI.create("https://eu-central-1-1.aws.cloud2.influxdata.com"),
 *         "my-org", "readings", System.getenv("INFLUX_TOKEN")).build();
 * }</pre>
 *
 * <p>Each point becomes one line: measurement {@code sensor_reading} (see {@link Builder#measurement}),
 * tag {@code device_id} with the point's device and a tag per point tag (sorted; tags with an empty
 * value are left out), a float field per point field, and the point's time in the configured
 * precision (rounded down). A batch is one HTTP request.
 *
 * <p><b>Failures.</b> A 204 answer means the batch is stored. InfluxDB's refusals are not retried and
 * throw a {@link TimeSeriesException} whose {@link TimeSeriesException#isRetryable()} is {@code false}:
 * 400 (a line InfluxDB cannot take; its error is in the message; with 1.x's "partial write" the other
 * points were stored), 401 and 403 (the credentials, and how to fix them), 404 (the database or
 * bucket does not exist, and the {@code CREATE DATABASE} that fixes it), 413 (the batch is larger
 * than the server accepts). A point this store cannot encode (a key or value ending with a
 * backslash, a time outside 1677 to 2262) fails the same way, before anything is sent. A 429, a
 * 5xx, a refused connection or a timeout is retried, up to {@link Builder#maxAttempts} attempts in
 * all, waiting with exponential backoff and jitter between them, at least as long as a 429's or
 * 503's {@code Retry-After} asks; after that the write throws a retryable exception. Writing a batch
 * again is safe: InfluxDB keeps one value per series, field and time.
 *
 * <p>{@link #write(List)} blocks the calling thread until InfluxDB answered or the attempts are
 * used up: at most about {@code maxAttempts × requestTimeout} plus the backoffs. Writes are
 * serialized: the store reuses one encoding buffer. Credentials never appear in {@link #name()},
 * {@link #toString()}, messages or logs.
 *
 * <p><b>Reading.</b> The {@link ReadingQueries} run InfluxQL on {@code POST /query} in the store's
 * database (with a v2 store: the bucket's database and retention policy mapping, which InfluxDB 2.1
 * and later make for every bucket), reading the store's measurement. They are not retried: a
 * failure throws at once, retryable when the server could not be reached. They may run on other
 * threads while a write is in progress. InfluxQL's {@code STDDEV} is the sample standard deviation;
 * {@link FieldStatistics#stddev()} is converted to the population one.
 *
 * @since 0.1.0
 */
public final class InfluxDbStore implements TimeSeriesStore, ReadingQueries {
    private final InfluxHttpStore delegate;
    private final InfluxQlQueries queries;
    private final String description;

    private InfluxDbStore(InfluxSettings settings) {
        this.delegate = new InfluxHttpStore(settings);
        this.queries = new InfluxQlQueries(delegate);
        this.description = "InfluxDbStore[" + settings + "]";
    }

    /**
     * Starts a store for InfluxDB 1.x, which writes to {@code POST /write?db=database}.
     *
     * @param url the server, such as {@code http://localhost:8086}; a path is kept as a prefix
     *     (for a server behind a proxy path)
     * @param database the database, such as {@code iot}
     * @return a builder with the defaults described on its methods
     * @throws IllegalArgumentException if the URL is not an http or https URL without user info,
     *     query or fragment, or the database is blank
     */
    public static V1Builder v1(URI url, String database) {
        return new V1Builder(url, database);
    }

    /**
     * Starts a store for InfluxDB 2.x or InfluxDB Cloud, which writes to
     * {@code POST /api/v2/write?org=&bucket=} with {@code Authorization: Token ...}.
     *
     * @param url the server, such as {@code http://localhost:8086}
     * @param org the organization's name or id
     * @param bucket the bucket's name or id
     * @param token an API token with write permission on the bucket; kept out of every message
     * @return a builder with the defaults described on its methods
     * @throws IllegalArgumentException if the URL is not an http or https URL without user info,
     *     query or fragment, or the org, bucket or token is blank
     */
    public static V2Builder v2(URI url, String org, String bucket, String token) {
        return new V2Builder(url, org, bucket, token);
    }

    /**
     * Returns the store's name for logs and stats.
     *
     * @return {@code influxdb-v1:URL/DATABASE} (with {@code .RP} if a retention policy is set) or
     *     {@code influxdb-v2:URL/ORG/BUCKET}; never a password or token
     */
    @Override
    public String name() {
        return delegate.name();
    }

    /**
     * Writes a batch as one HTTP request, retrying passing failures as the class comment describes.
     * With {@code createDatabaseIfMissing}, the first write runs {@code CREATE DATABASE} first.
     *
     * <p>Blocks until InfluxDB answered with success, refused, or the attempts are used up. An empty
     * batch returns at once without a request.
     *
     * @param points the points, in the order they were received
     * @throws TimeSeriesException if the batch was not stored: not retryable for InfluxDB's refusals
     *     (400, 401, 403, 404, 413) and points that cannot be encoded, retryable when the network or
     *     the server failed through every attempt, or the thread was interrupted (its interrupt flag
     *     is then set again); also not retryable once the store is closed
     */
    @Override
    public void write(List<Point> points) throws TimeSeriesException {
        Objects.requireNonNull(points, "points");
        delegate.write(points);
    }

    /**
     * Returns a device's newest readings: the fields it reported at each time, newest first.
     * Blocks until InfluxDB answered, at most the request timeout.
     *
     * @param device the device id
     * @param since only readings at or after this time
     * @param limit at most this many readings, 1 or more
     * @return newest first; empty if the device has none in that window
     * @throws TimeSeriesException if InfluxDB cannot be reached (retryable) or refuses the query
     * @throws IllegalArgumentException if the limit is below 1
     */
    @Override
    public List<StoredReading> recent(String device, Instant since, int limit) throws TimeSeriesException {
        return queries.recent(device, since, limit);
    }

    /**
     * Returns each field's count, min, max, mean and population standard deviation over a window,
     * computed by InfluxDB. Blocks until InfluxDB answered.
     *
     * @param device the device id
     * @param from the window's start, inclusive
     * @param to the window's end, exclusive
     * @return by field name, sorted; empty if the device has no reading in the window
     * @throws TimeSeriesException if InfluxDB cannot be reached (retryable) or refuses the query
     */
    @Override
    public Map<String, FieldStatistics> statistics(String device, Instant from, Instant to) throws TimeSeriesException {
        return queries.statistics(device, from, to);
    }

    /**
     * Returns daily aggregates of each field, computed by InfluxDB with
     * {@code GROUP BY time(1d) tz(...)}, so that days follow the zone's midnights, daylight saving
     * time included. Blocks until InfluxDB answered.
     *
     * @param device the device id
     * @param firstDay the first day, inclusive
     * @param lastDay the last day, inclusive
     * @param zone a region (such as {@code Europe/Berlin}) or an offset of whole hours
     * @return one entry per day and field that has readings, by day and then field
     * @throws TimeSeriesException if InfluxDB cannot be reached (retryable) or refuses the query
     * @throws IllegalArgumentException if the last day is before the first, or the zone is an
     *     offset that is not whole hours (InfluxDB's {@code tz()} has no name for it)
     */
    @Override
    public List<DailyStatistics> daily(String device, LocalDate firstDay, LocalDate lastDay, ZoneId zone)
            throws TimeSeriesException {
        return queries.daily(device, firstDay, lastDay, zone);
    }

    /**
     * Returns every device with readings in the measurement, with its newest reading. The reading
     * count is that of the device's most often reported field (InfluxDB counts per field). Blocks
     * until InfluxDB answered; two requests for all devices together.
     *
     * @return sorted by device id
     * @throws TimeSeriesException if InfluxDB cannot be reached (retryable) or refuses the query
     */
    @Override
    public List<DeviceSummary> devices() throws TimeSeriesException {
        return queries.devices();
    }

    /** Releases the HTTP client's threads; later writes fail. Idempotent; does not throw. */
    @Override
    public void close() {
        delegate.close();
    }

    /**
     * Describes the store without its credentials.
     *
     * @return the name and settings, such as
     *     {@code InfluxDbStore[influxdb-v1:http://localhost:8086/iot (measurement sensor_reading, ...)]}
     */
    @Override
    public String toString() {
        return description;
    }

    /**
     * The settings both APIs share. Each setter checks its value and throws
     * {@link IllegalArgumentException} naming the setting and the bad value.
     *
     * @param <B> the builder's own type
     * @since 0.1.0
     */
    public abstract static class Builder<B extends Builder<B>> {
        final URI url;
        String measurement = "sensor_reading";
        ChronoUnit precision = ChronoUnit.MILLIS;
        boolean gzip = true;
        Duration connectTimeout = Duration.ofSeconds(5);
        Duration requestTimeout = Duration.ofSeconds(10);
        int maxAttempts = 3;
        Duration initialBackoff = Duration.ofMillis(200);
        Duration maxBackoff = Duration.ofSeconds(5);
        Sleeper sleeper = Sleeper.THREAD_SLEEP;
        Clock clock = Clock.systemUTC();
        DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

        Builder(URI url) {
            this.url = checkUrl(url);
        }

        abstract B self();

        /**
         * Sets the measurement every point is written to.
         *
         * @param measurement default {@code sensor_reading}, as the tutorial's {@code Point("sensor_reading")}
         * @return this builder
         * @throws IllegalArgumentException if it is empty, starts with {@code #}, holds a line break or
         *     ends with a backslash
         */
        public B measurement(String measurement) {
            LineProtocolEncoder.escapedMeasurement(measurement);
            this.measurement = measurement;
            return self();
        }

        /**
         * Sets the unit of the timestamps. A point's time is rounded down to it, so two readings of
         * one device within one unit overwrite each other in InfluxDB.
         *
         * @param precision {@code MILLIS} (default), {@code NANOS}, {@code MICROS} or {@code SECONDS}
         * @return this builder
         * @throws IllegalArgumentException for another unit
         */
        public B precision(ChronoUnit precision) {
            this.precision = LineProtocolEncoder.checkPrecision(precision);
            return self();
        }

        /**
         * Sets whether request bodies are gzip-compressed ({@code Content-Encoding: gzip}).
         *
         * @param gzip default {@code true}: line protocol shrinks several times, for a little CPU
         * @return this builder
         */
        public B gzip(boolean gzip) {
            this.gzip = gzip;
            return self();
        }

        /**
         * Sets how long connecting to the server may take.
         *
         * @param timeout default 5 s; positive
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public B connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return self();
        }

        /**
         * Sets how long one attempt may wait for InfluxDB's answer. A timed-out attempt counts as
         * failed and is retried.
         *
         * @param timeout default 10 s; positive
         * @return this builder
         * @throws IllegalArgumentException if it is not positive
         */
        public B requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return self();
        }

        /**
         * Sets how many times one write sends its batch before it gives up with a retryable
         * exception.
         *
         * @param attempts default 3; 1 means no retry
         * @return this builder
         * @throws IllegalArgumentException if it is below 1
         */
        public B maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts is " + attempts + ": use 1 (no retry) or more");
            }
            this.maxAttempts = attempts;
            return self();
        }

        /**
         * Sets the waits between attempts: after the n-th failed attempt the store waits between
         * half and all of {@code min(max, initial × 2^(n-1))}, chosen at random, and at least the
         * {@code Retry-After} of a 429 or 503 answer. A {@code Retry-After} longer than {@code max}
         * ends the write at once with a retryable exception, so that a write never blocks for
         * longer than configured.
         *
         * @param initial default 200 ms; positive
         * @param max default 5 s; at least {@code initial}
         * @return this builder
         * @throws IllegalArgumentException if either is not positive, or max is below initial
         */
        public B backoff(Duration initial, Duration max) {
            positive("backoff initial", initial);
            positive("backoff max", max);
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff max " + max + " is below backoff initial " + initial
                        + ": max must be at least initial");
            }
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return self();
        }

        /** For tests: waits without sleeping. */
        B sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return self();
        }

        /** For tests: the clock that {@code Retry-After} dates are measured with. */
        B clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return self();
        }

        /** For tests: the jitter's source, numbers in [0, 1). */
        B random(DoubleSupplier random) {
            this.random = Objects.requireNonNull(random, "random");
            return self();
        }

        abstract InfluxSettings settings();

        /**
         * Builds the store. Does not connect: a server that is down fails the first write, not the
         * build.
         *
         * @return the store; close it
         */
        public InfluxDbStore build() {
            return new InfluxDbStore(settings());
        }

        private static URI checkUrl(URI url) {
            Objects.requireNonNull(url, "url");
            String scheme = url.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                throw new IllegalArgumentException("url " + url + " is not an http or https URL: use one such as"
                        + " http://localhost:8086");
            }
            if (url.getRawUserInfo() != null) {
                // Not echoed: the user info may hold a password.
                throw new IllegalArgumentException("url " + scheme + "://...@" + url.getHost() + " carries user info:"
                        + " pass credentials to the builder instead, so that they stay out of names and logs");
            }
            if (url.getHost() == null) {
                throw new IllegalArgumentException("url " + url + " has no host: use one such as http://localhost:8086");
            }
            if (url.getRawQuery() != null || url.getRawFragment() != null) {
                throw new IllegalArgumentException("url " + url + " has a query or fragment: give the server's base"
                        + " URL only, such as http://localhost:8086");
            }
            String text = url.toString();
            while (text.endsWith("/")) {
                text = text.substring(0, text.length() - 1);
            }
            return URI.create(text);
        }

        static String notBlank(String name, String value) {
            Objects.requireNonNull(value, name);
            if (value.isBlank()) {
                throw new IllegalArgumentException(name + " is blank: name one");
            }
            return value;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " is " + value + ": it must be positive");
            }
            return value;
        }
    }

    /**
     * Builds a store for InfluxDB 1.x's {@code /write} API.
     *
     * @since 0.1.0
     */
    public static final class V1Builder extends Builder<V1Builder> {
        private final String database;
        private String retentionPolicy;
        private String username;
        private String authorization;
        private boolean createDatabaseIfMissing;

        private V1Builder(URI url, String database) {
            super(url);
            this.database = notBlank("database", database);
        }

        @Override
        V1Builder self() {
            return this;
        }

        /**
         * Sets the retention policy to write to ({@code rp=}).
         *
         * @param retentionPolicy the policy's name, or {@code null} (default) for the database's
         *     default policy
         * @return this builder
         * @throws IllegalArgumentException if it is blank
         */
        public V1Builder retentionPolicy(String retentionPolicy) {
            this.retentionPolicy = retentionPolicy == null ? null : notBlank("retentionPolicy", retentionPolicy);
            return this;
        }

        /**
         * Sets the user for a server with {@code auth-enabled = true}, sent as HTTP basic
         * authentication (InfluxDB 1.x also takes {@code u=} and {@code p=} query parameters, but a
         * password in a URL ends up in proxy and access logs). Use https for a remote server: basic
         * authentication is not encrypted.
         *
         * @param username the user, which may appear in messages
         * @param password the password, which never does
         * @return this builder
         * @throws IllegalArgumentException if the user is blank or holds a colon
         */
        public V1Builder credentials(String username, String password) {
            notBlank("username", username);
            Objects.requireNonNull(password, "password");
            if (username.indexOf(':') >= 0) {
                throw new IllegalArgumentException("username " + username
                        + " holds a colon, which basic authentication cannot carry");
            }
            this.username = username;
            this.authorization = "Basic " + Base64.getEncoder()
                    .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /**
         * Sets whether the store runs {@code CREATE DATABASE} (which does nothing if the database
         * exists) before its first write, and again if a write finds the database gone. It needs an
         * admin user where authentication is on. Done on the first write rather than by
         * {@link #build()}, so that a store can be built while the server is down.
         *
         * @param create default {@code false}: a missing database fails writes with a message that
         *     names the {@code CREATE DATABASE} to run
         * @return this builder
         */
        public V1Builder createDatabaseIfMissing(boolean create) {
            this.createDatabaseIfMissing = create;
            return this;
        }

        @Override
        InfluxSettings settings() {
            return new InfluxSettings(InfluxSettings.Api.V1, url, database, retentionPolicy, null, null, username,
                    authorization, measurement, precision, gzip, connectTimeout, requestTimeout, maxAttempts,
                    initialBackoff, maxBackoff, createDatabaseIfMissing, sleeper, clock, random);
        }
    }

    /**
     * Builds a store for InfluxDB 2.x's and InfluxDB Cloud's {@code /api/v2/write} API. The
     * organization, bucket and token are given to {@link InfluxDbStore#v2}; the bucket must exist.
     *
     * @since 0.1.0
     */
    public static final class V2Builder extends Builder<V2Builder> {
        private final String org;
        private final String bucket;
        private final String authorization;

        private V2Builder(URI url, String org, String bucket, String token) {
            super(url);
            this.org = notBlank("org", org);
            this.bucket = notBlank("bucket", bucket);
            this.authorization = "Token " + notBlank("token", token);
        }

        @Override
        V2Builder self() {
            return this;
        }

        @Override
        InfluxSettings settings() {
            return new InfluxSettings(InfluxSettings.Api.V2, url, null, null, org, bucket, null, authorization,
                    measurement, precision, gzip, connectTimeout, requestTimeout, maxAttempts, initialBackoff,
                    maxBackoff, false, sleeper, clock, random);
        }
    }
}
