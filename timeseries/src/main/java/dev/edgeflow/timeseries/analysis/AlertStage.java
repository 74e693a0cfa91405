package dev.edgeflow.timeseries.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.PayloadFormatException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs detectors over readings and turns what they find into alert messages: one when a condition
 * begins ({@code "state":"raised"}) and one when it ends ({@code "state":"cleared"}), nothing in
 * between however long it lasts.
 *
 * <pre>{@code
 * AlertStage alerts = AlertStage.builder()
 *         .detector(Detectors.above("temperature", 35))
 *         .detector(Detectors.zScore("temperature", 60, 20, 3))
 *         .build();
 * Pipeline.from(sensors)
 *         .tap("alerts", alerts.tap(alertSink::send))
 *         .to(store)
 *         .start();
 * }</pre>
 *
 * <p>A reading is a JSON object as the tutorial publishes it: {@code device_id} (else the second
 * level of the topic, {@code sensor/<device>/...}), numeric fields, and {@code timestamp} in
 * epoch seconds or ISO-8601 (else the message's own time). An alert goes to
 * {@code alert/<device>/<field>} ({@link Builder#topic(String)}):
 *
 * <pre>{@code
 * {"device_id":"pi-1","field":"temperature","value":36.2,"expected_min":null,"expected_max":35,
 *  "detector":"threshold","state":"raised","reason":"temperature 36.2 is above 35","timestamp":1767225600}
 * }</pre>
 *
 * <p><b>What is not judged</b> is counted, never thrown: a payload that is not JSON, or not an
 * object ({@link #skippedCount()}); a field that is missing, not a number, or not finite, such
 * as NaN ({@link #skippedValueCount()}). Each detector keeps one series per device, so the
 * stage holds at most {@link Builder#maxSeries(int)} series; beyond that the least recently
 * updated one is forgotten ({@link #evictedCount()}) and learns again if its device comes back.
 *
 * <p>Thread-safe: readings are judged one at a time, in the order they are given.
 *
 * @since 0.1.0
 */
public final class AlertStage {
    private static final Logger LOG = LoggerFactory.getLogger(AlertStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Detector> detectors;
    private final String topicPattern;
    private final Map<Key, State> series;
    private final AtomicLong raised = new AtomicLong();
    private final AtomicLong cleared = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong skippedValues = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();

    private AlertStage(Builder b) {
        this.detectors = List.copyOf(b.detectors);
        this.topicPattern = b.topic;
        int max = b.maxSeries;
        this.series = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, State> eldest) {
                if (size() > max) {
                    evicted.incrementAndGet();
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * Starts an alert stage.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Judges one reading with every detector.
     *
     * @param reading the reading
     * @return the alert messages it raised or cleared, often none
     */
    public synchronized List<Message> evaluate(Message reading) {
        Objects.requireNonNull(reading, "reading");
        JsonNode json;
        try {
            json = reading.payloadAsJson();
        } catch (PayloadFormatException e) {
            skipped.incrementAndGet();
            return List.of();
        }
        if (!json.isObject()) {
            skipped.incrementAndGet();
            return List.of();
        }
        String device = device(json, reading.topic());
        Instant at = timestamp(json.get("timestamp"), reading.timestamp());
        List<Message> alerts = new ArrayList<>(0);
        for (Detector detector : detectors) {
            JsonNode node = json.get(detector.field());
            if (node == null || !node.isNumber() || !Double.isFinite(node.doubleValue())) {
                if (node != null) {
                    skippedValues.incrementAndGet();
                }
                continue;
            }
            double value = node.doubleValue();
            Key key = new Key(detector, device);
            State state = series.computeIfAbsent(key, k -> new State(detector.newSeries()));
            Verdict verdict = state.series.next(value, at);
            if (verdict == null) {
                continue;
            }
            if (verdict.anomalous() && !state.active) {
                state.active = true;
                raised.incrementAndGet();
                alerts.add(alert(detector, device, value, verdict, "raised", verdict.reason(), at));
            } else if (verdict.anomalous()) {
                suppressed.incrementAndGet();
            } else if (state.active) {
                state.active = false;
                cleared.incrementAndGet();
                alerts.add(alert(detector, device, value, verdict, "cleared", detector.field() + " "
                        + Detectors.num(value) + " is back within the expected range", at));
            }
        }
        return alerts;
    }

    /**
     * Returns a pipeline tap that judges each reading and hands the alerts to a consumer, such
     * as a sink's {@code send} or a list.
     *
     * @param alerts receives each alert message
     * @return the tap
     */
    public Consumer<Message> tap(Consumer<? super Message> alerts) {
        Objects.requireNonNull(alerts, "alerts");
        return reading -> evaluate(reading).forEach(alerts);
    }

    /**
     * Returns how many alerts were raised.
     *
     * @return the count since start
     */
    public long raisedCount() {
        return raised.get();
    }

    /**
     * Returns how many alerts were cleared.
     *
     * @return the count since start
     */
    public long clearedCount() {
        return cleared.get();
    }

    /**
     * Returns how many anomalous values raised nothing because their condition was raised already.
     *
     * @return the count since start
     */
    public long suppressedCount() {
        return suppressed.get();
    }

    /**
     * Returns how many messages were not judged: not JSON, or not a JSON object.
     *
     * @return the count since start
     */
    public long skippedCount() {
        return skipped.get();
    }

    /**
     * Returns how many watched fields were not judged: present but not a finite number.
     *
     * @return the count since start
     */
    public long skippedValueCount() {
        return skippedValues.get();
    }

    /**
     * Returns how many series were forgotten to stay within {@link Builder#maxSeries(int)}.
     *
     * @return the count since start
     */
    public long evictedCount() {
        return evicted.get();
    }

    /**
     * Tells whether a condition is raised now for a device and detector.
     *
     * @param detector the detector
     * @param device the device id
     * @return {@code true} between a raised and a cleared alert
     */
    public synchronized boolean isRaised(Detector detector, String device) {
        State state = series.get(new Key(detector, device));
        return state != null && state.active;
    }

    private Message alert(Detector detector, String device, double value, Verdict verdict, String state,
            String reason, Instant at) {
        ObjectNode json = JSON.createObjectNode();
        json.put("device_id", device);
        json.put("field", detector.field());
        json.put("value", value);
        bound(json, "expected_min", verdict.expectedMin());
        bound(json, "expected_max", verdict.expectedMax());
        json.put("detector", detector.name());
        json.put("state", state);
        json.put("reason", reason);
        json.put("timestamp", at.getEpochSecond());
        String topic = topicPattern.replace("{device}", device).replace("{field}", detector.field())
                .replace("{detector}", detector.name());
        LOG.debug("alert {} {} {} {}: {}", state, device, detector.field(), detector.name(), reason);
        return Message.builder(topic).payload(json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .timestamp(at).header("alert-state", state).header("alert-detector", detector.name()).build();
    }

    private static void bound(ObjectNode json, String name, double value) {
        if (Double.isFinite(value)) {
            json.put(name, value);
        } else {
            json.putNull(name);
        }
    }

    private static String device(JsonNode json, String topic) {
        JsonNode id = json.get("device_id");
        if (id != null && id.isTextual() && !id.asText().isBlank()) {
            return id.asText();
        }
        String[] levels = topic.split("/");
        return levels.length >= 2 && !levels[1].isEmpty() ? levels[1] : "unknown";
    }

    private static Instant timestamp(JsonNode node, Instant messageTime) {
        if (node != null && node.isNumber() && Double.isFinite(node.doubleValue())) {
            double seconds = node.doubleValue();
            // Epoch milliseconds are told apart by size: 1e11 s is the year 5138.
            return seconds > 1e11 ? Instant.ofEpochMilli((long) seconds)
                    : Instant.ofEpochSecond((long) Math.floor(seconds), (long) ((seconds - Math.floor(seconds)) * 1e9));
        }
        if (node != null && node.isTextual()) {
            try {
                return Instant.parse(node.asText());
            } catch (DateTimeParseException e) {
                return messageTime;
            }
        }
        return messageTime;
    }

    private record Key(Detector detector, String device) {
    }

    private static final class State {
        final Detector.Series series;
        boolean active;

        State(Detector.Series series) {
            this.series = series;
        }
    }

    /** Configures an {@link AlertStage}. */
    public static final class Builder {
        private final List<Detector> detectors = new ArrayList<>();
        private String topic = "alert/{device}/{field}";
        private int maxSeries = 10_000;

        private Builder() {
        }

        /**
         * Adds a detector.
         *
         * @param detector such as {@code Detectors.above("temperature", 35)}
         * @return this builder
         */
        public Builder detector(Detector detector) {
            detectors.add(Objects.requireNonNull(detector, "detector"));
            return this;
        }

        /**
         * Sets the alerts' topic pattern, with {@code {device}}, {@code {field}} and
         * {@code {detector}}.
         *
         * @param pattern by default {@code alert/{device}/{field}}
         * @return this builder
         */
        public Builder topic(String pattern) {
            if (pattern == null || pattern.isBlank() || pattern.contains("#") || pattern.contains("+")) {
                throw new IllegalArgumentException("alert topic pattern '" + pattern + "' must be a topic one can "
                        + "publish to (no # or +), such as alert/{device}/{field}");
            }
            this.topic = pattern;
            return this;
        }

        /**
         * Bounds the series kept (one per detector and device).
         *
         * @param max 1 or more; by default 10 000
         * @return this builder
         */
        public Builder maxSeries(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxSeries is " + max + "; give 1 or more, such as 10000");
            }
            this.maxSeries = max;
            return this;
        }

        /**
         * Builds the stage.
         *
         * @return the stage
         * @throws IllegalArgumentException if no detector was added
         */
        public AlertStage build() {
            if (detectors.isEmpty()) {
                throw new IllegalArgumentException("an alert stage needs at least one detector, such as "
                        + "Detectors.above(\"temperature\", 35)");
            }
            return new AlertStage(this);
        }
    }
}
