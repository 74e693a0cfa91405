package dev.edgeflow.dashboard.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.timeseries.DailyStatistics;
import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.FieldStatistics;
import dev.edgeflow.timeseries.ReadingQueries;
import dev.edgeflow.timeseries.StoredReading;
import dev.edgeflow.timeseries.TimeSeriesException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tutorial's dashboard API over a store's {@link ReadingQueries}: every aggregate comes from
 * the store, the dashboard only checks the parameters and shapes the JSON.
 */
final class StoreApi {
    static final int MAX_HOURS = 8760;
    static final int MAX_LIMIT = 10_000;
    static final int MAX_DAYS = 366;

    private static final Logger LOG = LoggerFactory.getLogger(StoreApi.class);

    private final ReadingQueries queries;
    private final Clock clock;
    private final ZoneId zone;

    StoreApi(ReadingQueries queries, Clock clock, ZoneId zone) {
        this.queries = queries;
        this.clock = clock;
        this.zone = zone;
    }

    ObjectNode devices() throws HttpError {
        List<DeviceSummary> devices = read(queries::devices);
        ObjectNode json = Json.object();
        ArrayNode list = json.putArray("devices");
        devices.forEach(device -> list.add(Json.device(device)));
        json.put("count", devices.size());
        return json;
    }

    ObjectNode readings(String device, QueryParameters parameters) throws HttpError {
        int hours = parameters.intInRange("hours", 24, 1, MAX_HOURS);
        int limit = parameters.intInRange("limit", 100, 1, MAX_LIMIT);
        Instant since = clock.instant().minus(Duration.ofHours(hours));
        List<StoredReading> readings = read(() -> queries.recent(device, since, limit));
        if (readings.isEmpty()) {
            requireKnown(device);
        }
        ObjectNode json = Json.object();
        json.put("device_id", device);
        json.put("hours", hours);
        json.put("limit", limit);
        ArrayNode list = json.putArray("readings");
        readings.forEach(r -> list.add(Json.reading(r.device(), r.time(), r.fields())));
        json.put("count", readings.size());
        return json;
    }

    ObjectNode statistics(String device, QueryParameters parameters) throws HttpError {
        int hours = parameters.intInRange("hours", 24, 1, MAX_HOURS);
        Instant to = clock.instant();
        Instant from = to.minus(Duration.ofHours(hours));
        Map<String, FieldStatistics> statistics = read(() -> queries.statistics(device, from, to));
        if (statistics.isEmpty()) {
            requireKnown(device);
            throw new HttpError(404, "no readings for device " + device + " in the last " + hours
                    + (hours == 1 ? " hour" : " hours"));
        }
        ObjectNode json = Json.object();
        json.put("device_id", device);
        json.put("period_hours", hours);
        json.put("from", from.toString());
        json.put("to", to.toString());
        ObjectNode fields = json.putObject("fields");
        statistics.forEach((field, stats) -> fields.set(field, Json.statistics(stats)));
        return json;
    }

    ObjectNode daily(String device, QueryParameters parameters) throws HttpError {
        int days = parameters.intInRange("days", 7, 1, MAX_DAYS);
        LocalDate lastDay = LocalDate.ofInstant(clock.instant(), zone);
        LocalDate firstDay = lastDay.minusDays(days - 1L);
        List<DailyStatistics> daily = read(() -> queries.daily(device, firstDay, lastDay, zone));
        if (daily.isEmpty()) {
            requireKnown(device);
        }
        ObjectNode json = Json.object();
        json.put("device_id", device);
        json.put("days", days);
        // ZoneOffset.UTC calls itself "Z"; people read "UTC".
        json.put("zone", zone.equals(ZoneOffset.UTC) ? "UTC" : zone.getId());
        json.put("first_day", firstDay.toString());
        json.put("last_day", lastDay.toString());
        ArrayNode list = json.putArray("daily");
        daily.forEach(d -> list.add(Json.daily(d)));
        json.put("count", daily.size());
        return json;
    }

    private void requireKnown(String device) throws HttpError {
        boolean known = read(queries::devices).stream().anyMatch(d -> d.device().equals(device));
        if (!known) {
            throw new HttpError(404, "unknown device " + device + ": the store has no readings of it; "
                    + "GET /api/devices lists the devices it has");
        }
    }

    private <T> T read(Query<T> query) throws HttpError {
        try {
            return query.run();
        } catch (TimeSeriesException e) {
            // Once per request while the store is down: the reason, not the stack, unless asked for.
            LOG.warn("dashboard query failed: {}", e.getMessage());
            LOG.debug("dashboard query failed", e);
            throw new HttpError(503, "the store could not be read: " + e.getMessage(),
                    e.isRetryable() ? Map.of("Retry-After", "5") : Map.of());
        } catch (RuntimeException e) {
            // A store that throws unchecked (closed, a driver bug) is still the store failing,
            // not the request: the caller gets the reason, the log gets the stack trace.
            LOG.warn("dashboard query failed", e);
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new HttpError(503, "the store could not be read: " + reason);
        }
    }

    @FunctionalInterface
    private interface Query<T> {
        T run() throws TimeSeriesException;
    }
}
