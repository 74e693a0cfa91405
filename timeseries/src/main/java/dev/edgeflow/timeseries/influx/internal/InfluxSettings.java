package dev.edgeflow.timeseries.influx.internal;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.function.DoubleSupplier;

/**
 * Everything an {@link InfluxHttpStore} is built from, checked by the public builder.
 *
 * @param api which HTTP API
 * @param url the server's base URL, without a trailing slash
 * @param database v1: the database
 * @param retentionPolicy v1: the retention policy, or {@code null} for the database's default
 * @param org v2: the organization
 * @param bucket v2: the bucket
 * @param username v1: the user, or {@code null}; shown in messages
 * @param authorization the {@code Authorization} header's value, or {@code null}; a secret
 * @param measurement the measurement of every line
 * @param precision the timestamps' unit
 * @param gzip whether bodies are compressed
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout the timeout of one HTTP exchange
 * @param maxAttempts how many times a batch is sent before the write fails
 * @param initialBackoff the wait after the first failed attempt
 * @param maxBackoff the longest wait between attempts
 * @param createDatabaseIfMissing v1: whether the store runs {@code CREATE DATABASE}
 * @param sleeper how the store waits between attempts
 * @param clock for {@code Retry-After} dates
 * @param random numbers in [0, 1) for the jitter
 */
public record InfluxSettings(
        Api api,
        URI url,
        String database,
        String retentionPolicy,
        String org,
        String bucket,
        String username,
        String authorization,
        String measurement,
        ChronoUnit precision,
        boolean gzip,
        Duration connectTimeout,
        Duration requestTimeout,
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        boolean createDatabaseIfMissing,
        Sleeper sleeper,
        Clock clock,
        DoubleSupplier random) {

    /** The two HTTP write APIs. */
    public enum Api {
        /** InfluxDB 1.x: {@code /write?db=&rp=}. */
        V1,
        /** InfluxDB 2.x and Cloud: {@code /api/v2/write?org=&bucket=}. */
        V2
    }

    /**
     * Returns the name of the store for logs: API, URL and database or org and bucket.
     *
     * @return such as {@code influxdb-v1:http://localhost:8086/iot}; never a secret
     */
    public String name() {
        return api == Api.V1 ? "influxdb-v1:" + url + "/" + database + (retentionPolicy == null ? "" : "." + retentionPolicy)
                : "influxdb-v2:" + url + "/" + org + "/" + bucket;
    }

    /** Lists the settings without the credentials. */
    @Override
    public String toString() {
        return name() + " (measurement " + measurement + ", precision " + precision + ", gzip " + gzip
                + (username == null ? "" : ", user " + username)
                + (authorization == null ? ", no credentials" : ", credentials set")
                + ", request timeout " + requestTimeout + ", " + maxAttempts + " attempts, backoff "
                + initialBackoff + " to " + maxBackoff
                + (createDatabaseIfMissing ? ", creates the database if missing" : "") + ")";
    }
}
