package dev.edgeflow.dashboard.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.timeseries.DailyStatistics;
import dev.edgeflow.timeseries.DeviceSummary;
import dev.edgeflow.timeseries.FieldStatistics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * The dashboard's JSON shapes, written by hand so that they do not change when a record of the
 * store gains a component: times are ISO-8601 strings, names are snake_case as in the tutorial.
 */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** A reading: {@code {"device_id", "timestamp", "fields": {name: value}}}. */
    static ObjectNode reading(String device, Instant time, Map<String, Double> fields) {
        ObjectNode json = object();
        json.put("device_id", device);
        json.put("timestamp", time.toString());
        ObjectNode values = json.putObject("fields");
        fields.forEach((name, value) -> number(values, name, value));
        return json;
    }

    static ObjectNode device(DeviceSummary device) {
        ObjectNode json = object();
        json.put("device_id", device.device());
        json.put("last_seen", device.lastSeen().toString());
        if (device.lastReading() != null) {
            json.set("last_reading", reading(device.lastReading().device(), device.lastReading().time(),
                    device.lastReading().fields()));
        } else {
            json.putNull("last_reading");
        }
        return json;
    }

    /** A field's aggregates: {@code {"min", "max", "avg", "count", "stddev"}}. */
    static ObjectNode statistics(FieldStatistics statistics) {
        ObjectNode json = object();
        number(json, "min", statistics.min());
        number(json, "max", statistics.max());
        number(json, "avg", statistics.mean());
        json.put("count", statistics.count());
        number(json, "stddev", statistics.stddev());
        return json;
    }

    static ObjectNode daily(DailyStatistics daily) {
        ObjectNode json = object();
        json.put("day", daily.day().toString());
        json.put("field", daily.statistics().field());
        json.setAll(statistics(daily.statistics()));
        return json;
    }

    static ObjectNode error(int status, String message) {
        ObjectNode json = object();
        json.put("error", message);
        json.put("status", status);
        return json;
    }

    static byte[] bytes(JsonNode json) {
        try {
            return MAPPER.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            // A tree of plain nodes always serialises; this would be a bug in Jackson.
            throw new IllegalStateException("could not write JSON: " + e.getOriginalMessage(), e);
        }
    }

    static String text(JsonNode json) {
        return new String(bytes(json), StandardCharsets.UTF_8);
    }

    private static void number(ObjectNode json, String name, Double value) {
        // JSON has no NaN; a store that returns one for a single value's stddev says "unknown".
        if (value == null || !Double.isFinite(value)) {
            json.putNull(name);
        } else {
            json.put(name, value.doubleValue());
        }
    }
}
