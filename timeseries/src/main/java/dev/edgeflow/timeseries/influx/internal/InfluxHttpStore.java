package dev.edgeflow.timeseries.influx.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.TimeSeriesException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches to InfluxDB's HTTP write API with the JDK's {@link HttpClient}: encodes, compresses,
 * sends, retries passing failures with backoff and jitter, and turns InfluxDB's answers into
 * {@link TimeSeriesException}s that say what to fix.
 *
 * <p>Retrying a write is safe: InfluxDB keeps one value per series, field and timestamp, so a batch
 * sent twice (after a timeout whose request did arrive) is stored once.
 */
public final class InfluxHttpStore {
    private static final Logger LOG = LoggerFactory.getLogger(InfluxHttpStore.class);
    private static final int MAX_BODY_IN_MESSAGE = 2000;
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InfluxSettings settings;
    private final String name;
    private final URI writeUri;
    private final ExecutorService executor;
    private final HttpClient client;
    private final LineProtocolEncoder encoder;
    private final GzipCompressor gzip;
    private final GrowableBytes lines = new GrowableBytes(64 * 1024);
    private final GrowableBytes compressed = new GrowableBytes(16 * 1024);
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean databaseChecked;
    private volatile boolean closed;

    /**
     * Makes the store. Does not connect: the first write does.
     *
     * @param settings the checked settings
     */
    public InfluxHttpStore(InfluxSettings settings) {
        this.settings = settings;
        this.name = settings.name();
        this.writeUri = writeUri(settings);
        this.encoder = new LineProtocolEncoder(settings.measurement(), settings.precision());
        this.gzip = settings.gzip() ? new GzipCompressor() : null;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "edgeflow-influxdb-http-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                // influxd speaks HTTP/1.1; asking for HTTP/2 would add an h2c upgrade to every request.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    /**
     * Returns the store's name.
     *
     * @return such as {@code influxdb-v1:http://localhost:8086/iot}
     */
    public String name() {
        return name;
    }

    /**
     * Returns the settings the store was built with.
     *
     * @return the settings
     */
    public InfluxSettings settings() {
        return settings;
    }

    /**
     * Returns the URI batches are posted to, for tests.
     *
     * @return the write endpoint with its query
     */
    public URI writeUri() {
        return writeUri;
    }

    /**
     * Writes a batch; see {@code InfluxDbStore.write}.
     *
     * @param points the points
     * @throws TimeSeriesException if the batch was not stored
     */
    public void write(List<Point> points) throws TimeSeriesException {
        if (points.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            if (closed) {
                throw new TimeSeriesException(name + " is closed: build a new store", null, false);
            }
            if (settings.createDatabaseIfMissing() && !databaseChecked) {
                createDatabase();
            }
            lines.reset();
            try {
                encoder.encode(points, lines);
            } catch (IllegalArgumentException e) {
                throw new TimeSeriesException("cannot write the batch of " + points.size() + " points to " + name
                        + ": " + e.getMessage(), e, false);
            }
            byte[] body;
            int length;
            if (gzip != null) {
                gzip.compress(lines.array(), 0, lines.length(), compressed);
                body = compressed.array();
                length = compressed.length();
            } else {
                body = lines.array();
                length = lines.length();
            }
            send(points.size(), body, length);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code CREATE DATABASE} (v1), which does nothing if the database exists.
     *
     * @throws TimeSeriesException if InfluxDB cannot be reached or refuses
     */
    public void createDatabase() throws TimeSeriesException {
        String statement = "CREATE DATABASE " + quoteIdentifier(settings.database());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.url() + "/query"))
                .timeout(settings.requestTimeout())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("q=" + encode(statement)));
        authorize(request);
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TimeSeriesException(name + ": cannot run " + statement + " on InfluxDB at " + settings.url()
                    + ": " + describe(e) + "; the store tries again on the next write", e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeSeriesException(name + ": interrupted while running " + statement, e, true);
        }
        int status = response.statusCode();
        String body = abbreviate(response.body());
        if (status == 401 || status == 403) {
            throw new TimeSeriesException(name + ": InfluxDB at " + settings.url() + " refused " + statement
                    + " (HTTP " + status + ": " + body + "): createDatabaseIfMissing needs "
                    + (settings.username() == null ? "credentials of an admin user" : "user " + settings.username()
                    + " to be an admin") + ", or create the database once yourself and turn the option off", null, false);
        }
        if (status / 100 != 2 || body.contains("\"error\"")) {
            throw new TimeSeriesException(name + ": InfluxDB at " + settings.url() + " did not run " + statement
                    + " (HTTP " + status + ": " + body + ")", null, status >= 500 || status == 429);
        }
        LOG.debug("{}: ran {}", name, statement);
        databaseChecked = true;
    }

    /**
     * Runs InfluxQL reads on {@code POST /query} in the store's database (v2: the bucket, through its
     * DBRP mapping), with times as nanoseconds. Not retried: the caller asks again.
     *
     * @param influxql one or more statements, separated by semicolons
     * @return the {@code results} array, one element per statement
     * @throws TimeSeriesException retryable if InfluxDB could not be reached or answered 5xx or 429;
     *     not retryable if it refused the credentials or the statement (the statement's error is in
     *     the message)
     */
    public JsonNode query(String influxql) throws TimeSeriesException {
        if (closed) {
            throw new TimeSeriesException(name + " is closed: build a new store", null, false);
        }
        String db = settings.api() == InfluxSettings.Api.V1 ? settings.database() : settings.bucket();
        StringBuilder form = new StringBuilder("epoch=ns&db=").append(encode(db)).append("&q=").append(encode(influxql));
        if (settings.retentionPolicy() != null) {
            form.append("&rp=").append(encode(settings.retentionPolicy()));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.url() + "/query"))
                .timeout(settings.requestTimeout())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form.toString()));
        authorize(request);
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TimeSeriesException(name + ": cannot query InfluxDB at " + settings.url() + ": " + describe(e),
                    e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeSeriesException(name + ": interrupted while querying InfluxDB", e, true);
        }
        int status = response.statusCode();
        String body = response.body() == null ? "" : response.body();
        if (status == 401 || status == 403) {
            throw new TimeSeriesException(name + ": InfluxDB at " + settings.url() + " refused the credentials (HTTP "
                    + status + ": " + abbreviate(body) + "): " + credentialsFix().replace("WRITE", "READ")
                    .replace("write", "read"), null, false);
        }
        if (status != 200) {
            throw new TimeSeriesException(name + ": InfluxDB at " + settings.url() + " answered the query with HTTP "
                    + status + ": " + abbreviate(body) + " (query: " + influxql + ")", null,
                    status == 429 || status >= 500);
        }
        JsonNode results;
        try {
            JsonNode root = JSON.readTree(body);
            if (root.hasNonNull("error")) {
                throw new TimeSeriesException(name + ": InfluxDB refused the query " + influxql + ": "
                        + root.get("error").asText(), null, false);
            }
            results = root.path("results");
        } catch (JsonProcessingException e) {
            throw new TimeSeriesException(name + ": InfluxDB at " + settings.url() + " answered the query with"
                    + " something that is not JSON: " + abbreviate(body), e, false);
        }
        String error = null;
        for (JsonNode result : results) {
            // After a failed statement InfluxDB marks the later ones "not executed": report the cause.
            if (result.hasNonNull("error") && (error == null || error.equals("not executed"))) {
                error = result.get("error").asText();
            }
        }
        if (error != null) {
            throw new TimeSeriesException(name + ": InfluxDB refused the query " + influxql + ": " + error
                    + (error.contains("database not found") ? "; " + notFoundFix(error) : ""), null, false);
        }
        return results;
    }

    private void send(int pointCount, byte[] body, int length) throws TimeSeriesException {
        String lastFailure = null;
        Throwable lastCause = null;
        boolean databaseCreated = false;
        for (int attempt = 1; attempt <= settings.maxAttempts(); attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(writeUri)
                    .timeout(settings.requestTimeout())
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .header("Accept", "application/json")
                    .header("User-Agent", "edgeflow-timeseries")
                    // The JDK's byte array publisher copies the array when the exchange starts, so
                    // the reused buffer may change once send returns.
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body, 0, length));
            if (gzip != null) {
                request.header("Content-Encoding", "gzip");
            }
            authorize(request);
            Duration retryAfter = null;
            try {
                HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    if (attempt > 1) {
                        LOG.info("{}: wrote the batch of {} points at attempt {}", name, pointCount, attempt);
                    }
                    return;
                }
                String error = abbreviate(response.body());
                if (status == 404 && settings.createDatabaseIfMissing() && !databaseCreated
                        && error.contains("database not found")) {
                    // Dropped while the store ran: create it again, once per write, and send at once.
                    databaseChecked = false;
                    createDatabase();
                    databaseCreated = true;
                    attempt--;
                    continue;
                }
                if (status != 429 && status < 500) {
                    throw refused(status, error, pointCount, length);
                }
                lastFailure = "HTTP " + status + (error.isEmpty() ? "" : ": " + error);
                lastCause = null;
                if (status == 429 || status == 503) {
                    retryAfter = retryAfter(response).orElse(null);
                }
            } catch (java.net.http.HttpConnectTimeoutException e) {
                lastFailure = "no connection within the connect timeout of " + settings.connectTimeout().toMillis()
                        + " ms";
                lastCause = e;
            } catch (HttpTimeoutException e) {
                lastFailure = "no answer within the request timeout of " + settings.requestTimeout().toMillis()
                        + " ms (the batch may have arrived: a retry stores it once, InfluxDB overwrites equal points)";
                lastCause = e;
            } catch (IOException e) {
                lastFailure = describe(e);
                lastCause = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TimeSeriesException(name + ": interrupted while writing a batch of " + pointCount
                        + " points; it may or may not be stored", e, true);
            }
            if (attempt == settings.maxAttempts()) {
                break;
            }
            Duration wait = backoff(attempt);
            if (retryAfter != null) {
                if (retryAfter.compareTo(settings.maxBackoff()) > 0) {
                    throw new TimeSeriesException(name + ": InfluxDB at " + settings.url() + " answered " + lastFailure
                            + " and asked to retry after " + retryAfter.toMillis() + " ms, longer than the store's"
                            + " maxBackoff of " + settings.maxBackoff().toMillis() + " ms; the batch of " + pointCount
                            + " points was not written: write it again later", lastCause, true);
                }
                if (retryAfter.compareTo(wait) > 0) {
                    wait = retryAfter;
                }
            }
            LOG.warn("{}: attempt {} of {} to write {} points failed ({}); retrying in {} ms", name, attempt,
                    settings.maxAttempts(), pointCount, lastFailure, wait.toMillis());
            try {
                settings.sleeper().sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TimeSeriesException(name + ": interrupted while waiting to write a batch of " + pointCount
                        + " points again; it was not stored", e, true);
            }
        }
        throw new TimeSeriesException(name + ": InfluxDB at " + settings.url() + " did not take the batch of "
                + pointCount + " points in " + settings.maxAttempts() + " attempt"
                + (settings.maxAttempts() == 1 ? "" : "s") + "; last: " + lastFailure, lastCause, true);
    }

    private TimeSeriesException refused(int status, String error, int pointCount, int length) {
        String server = "InfluxDB at " + settings.url();
        String batch = "the batch of " + pointCount + " points";
        String answer = " (HTTP " + status + (error.isEmpty() ? "" : ": " + error) + ")";
        String message;
        switch (status) {
            case 400:
                message = server + " rejected " + batch + answer
                        + (error.contains("partial write") ? "; the other points of the batch were stored, and"
                        + " writing it again stores them once (InfluxDB overwrites equal points)" : "")
                        + "; the rejected point does not become valid by retrying";
                break;
            case 401:
            case 403:
                message = server + " refused the credentials" + answer + ": " + credentialsFix();
                break;
            case 404:
                message = server + answer + ": " + notFoundFix(error);
                break;
            case 413:
                message = batch + " (" + length + " bytes" + (gzip != null ? " gzip-compressed" : "")
                        + ") is larger than " + server + " accepts" + answer
                        + ": write smaller batches (the sink's batch size), or raise max-body-size in the"
                        + " [http] section of influxdb.conf";
                break;
            default:
                message = server + " refused " + batch + answer + "; check the url " + settings.url();
        }
        return new TimeSeriesException(name + ": " + message, null, false);
    }

    private String credentialsFix() {
        if (settings.api() == InfluxSettings.Api.V2) {
            return "give InfluxDbStore.v2(...) an API token with write permission on bucket " + settings.bucket()
                    + " of org " + settings.org() + " (influx auth create --org " + settings.org()
                    + " --write-bucket <bucket id>)";
        }
        if (settings.username() == null) {
            return "the server has authentication on: set credentials(user, password) of a user with WRITE on"
                    + " database " + settings.database();
        }
        return "check the password of user " + settings.username() + " and that it may write to database "
                + settings.database() + " (GRANT WRITE ON " + quoteIdentifier(settings.database()) + " TO "
                + quoteIdentifier(settings.username()) + ")";
    }

    private String notFoundFix(String error) {
        if (settings.api() == InfluxSettings.Api.V2) {
            return "bucket " + settings.bucket() + " or org " + settings.org() + " does not exist: create it"
                    + " (influx bucket create --name " + settings.bucket() + " --org " + settings.org()
                    + "), or check the url if InfluxDB sits behind a proxy path";
        }
        if (error.contains("retention policy not found")) {
            return "retention policy " + settings.retentionPolicy() + " does not exist in database "
                    + settings.database() + ": create it (CREATE RETENTION POLICY ...) or leave retentionPolicy unset";
        }
        if (error.contains("database not found")) {
            return "database " + settings.database() + " does not exist: create it with CREATE DATABASE "
                    + quoteIdentifier(settings.database()) + " (influx -execute 'CREATE DATABASE "
                    + quoteIdentifier(settings.database()) + "'), or build the store with createDatabaseIfMissing(true)";
        }
        return "no write endpoint at " + writeUri.getPath() + ": check the url (is it InfluxDB 1.x, and not a"
                + " proxy path?) and database " + settings.database();
    }

    private void authorize(HttpRequest.Builder request) {
        if (settings.authorization() != null) {
            request.header("Authorization", settings.authorization());
        }
    }

    private Duration backoff(int failedAttempt) {
        long initial = settings.initialBackoff().toNanos();
        long max = settings.maxBackoff().toNanos();
        long base = failedAttempt >= 62 ? max : Math.min(max, initial << Math.min(failedAttempt - 1, 62));
        if (base < 0) {
            base = max;
        }
        // Equal jitter: at least half the exponential step, so waits still grow, and spread so that
        // many devices that lost the server at once do not come back at once.
        long half = base / 2;
        return Duration.ofNanos(half + (long) (settings.random().getAsDouble() * (base - half)));
    }

    private Optional<Duration> retryAfter(HttpResponse<?> response) {
        Optional<String> header = response.headers().firstValue("Retry-After");
        if (header.isEmpty()) {
            return Optional.empty();
        }
        String value = header.get().trim();
        try {
            long seconds = Long.parseLong(value);
            return Optional.of(Duration.ofSeconds(Math.max(0, seconds)));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(settings.clock().instant(), at);
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException notDate) {
                LOG.debug("{}: ignoring Retry-After '{}', neither seconds nor an HTTP date", name, value);
                return Optional.empty();
            }
        }
    }

    /** Releases the HTTP client's threads. Idempotent. */
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (gzip != null) {
                gzip.close();
            }
            executor.shutdownNow();
        } finally {
            lock.unlock();
        }
    }

    private static URI writeUri(InfluxSettings s) {
        StringBuilder uri = new StringBuilder(s.url().toString());
        if (s.api() == InfluxSettings.Api.V1) {
            uri.append("/write?db=").append(encode(s.database()));
            if (s.retentionPolicy() != null) {
                uri.append("&rp=").append(encode(s.retentionPolicy()));
            }
            uri.append("&precision=").append(precisionV1(s.precision()));
        } else {
            uri.append("/api/v2/write?org=").append(encode(s.org()))
                    .append("&bucket=").append(encode(s.bucket()))
                    .append("&precision=").append(precisionV2(s.precision()));
        }
        return URI.create(uri.toString());
    }

    /**
     * Returns the v1 name of a precision. InfluxDB 1.x knows {@code u} for microseconds and reads
     * any name it does not know, {@code us} too, as nanoseconds.
     *
     * @param precision the unit
     * @return {@code ns}, {@code u}, {@code ms} or {@code s}
     */
    public static String precisionV1(ChronoUnit precision) {
        switch (precision) {
            case NANOS:
                return "ns";
            case MICROS:
                return "u";
            case MILLIS:
                return "ms";
            case SECONDS:
                return "s";
            default:
                throw new IllegalArgumentException("precision " + precision);
        }
    }

    /**
     * Returns the v2 name of a precision.
     *
     * @param precision the unit
     * @return {@code ns}, {@code us}, {@code ms} or {@code s}
     */
    public static String precisionV2(ChronoUnit precision) {
        return precision == ChronoUnit.MICROS ? "us" : precisionV1(precision);
    }

    /**
     * Quotes an InfluxQL identifier.
     *
     * @param identifier such as a database name
     * @return it in double quotes, with backslashes and double quotes escaped
     */
    public static String quoteIdentifier(String identifier) {
        return '"' + identifier.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        String type = e.getClass().getSimpleName();
        if (e instanceof java.net.ConnectException || e.getCause() instanceof java.net.ConnectException) {
            return "connection refused or unreachable (" + type + (message == null ? "" : ": " + message) + ")";
        }
        return type + (message == null ? "" : ": " + message);
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "";
        }
        String trimmed = body.strip();
        return trimmed.length() <= MAX_BODY_IN_MESSAGE ? trimmed
                : trimmed.substring(0, MAX_BODY_IN_MESSAGE) + "... (" + trimmed.length() + " characters)";
    }
}
