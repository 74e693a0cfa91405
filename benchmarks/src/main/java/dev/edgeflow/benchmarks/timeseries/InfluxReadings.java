package dev.edgeflow.benchmarks.timeseries;

import dev.edgeflow.timeseries.Point;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The batches both InfluxDB benchmarks write: sensor readings as the tutorial's Pi sends them,
 * three fields (temperature with 2 decimals, humidity with 1, pressure with 2) and one tag (the
 * MQTT topic) per point, 16 devices, and the same points as the official v1 client's
 * {@code org.influxdb.dto.Point}. A line is about 110 bytes.
 */
final class InfluxReadings {
    static final String MEASUREMENT = "sensor_reading";

    private InfluxReadings() {
    }

    /**
     * Makes a batch.
     *
     * @param size points
     * @param start the first point's time; the others follow 1 ms apart
     * @param devicePrefix prefix of the 16 device ids
     * @return the points, ready for {@code TimeSeriesStore.write}
     */
    static List<Point> batch(int size, Instant start, String devicePrefix) {
        List<Point> points = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Map<String, Double> fields = new TreeMap<>();
            // Rounded as a sensor reports them and as they arrive parsed from JSON: 21.37, not 21.370000000000001.
            fields.put("temperature", Math.round((18.0 + (i % 100) * 0.137) * 100) / 100.0);
            fields.put("humidity", Math.round((35.0 + (i % 50) * 0.71) * 10) / 10.0);
            fields.put("pressure", Math.round((1013.25 - (i % 30) * 0.05) * 100) / 100.0);
            String device = devicePrefix + (i % 16);
            points.add(new Point(device, start.plusMillis(i), fields, Map.of("topic", "sensors/" + device + "/env")));
        }
        return points;
    }

    /**
     * Converts edgeflow points to the official client's, as an application using that client would
     * build them: measurement, the device as tag {@code device_id}, the tags, the fields, the time
     * in milliseconds.
     *
     * @param point an edgeflow point
     * @return the client's point
     */
    static org.influxdb.dto.Point toClientPoint(Point point) {
        org.influxdb.dto.Point.Builder builder = org.influxdb.dto.Point.measurement(MEASUREMENT)
                .time(point.time().toEpochMilli(), TimeUnit.MILLISECONDS)
                .tag("device_id", point.device())
                .tag(point.tags());
        for (Map.Entry<String, Double> field : point.fields().entrySet()) {
            builder.addField(field.getKey(), field.getValue().doubleValue());
        }
        return builder.build();
    }
}
