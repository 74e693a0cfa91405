package dev.edgeflow.timeseries;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.PayloadFormatException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Turns a reading message into a {@link Point}, by rules declared here and nowhere else.
 *
 * <p>A reading is a JSON object as the tutorial publishes it, such as
 * {@code {"device_id":"pi-1","temperature":22.5,"humidity":41,"timestamp":1767225600}}:
 * <ul>
 *   <li><b>Device</b>: {@code device_id}, else the second level of the topic
 *       ({@code sensor/<device>/...}).</li>
 *   <li><b>Time</b>: {@code timestamp} in epoch seconds (fractions allowed), epoch milliseconds
 *       (told apart by size: above 10<sup>11</sup>), or ISO-8601 with an offset; else the
 *       message's own time. Whole epoch seconds are refined by the message's own time when it
 *       falls within that second, so that readings taken a few times a second keep their
 *       order and do not share one time.</li>
 *   <li><b>Fields</b>: every finite number, and every boolean as 1 or 0.</li>
 *   <li><b>Tags</b>: every other string member, and the topic as tag {@code topic}.</li>
 *   <li>{@code null}, objects and arrays are left out.</li>
 * </ul>
 *
 * <p><b>Bad input</b> is either rejected with a {@link MessageRejectedException} that says why
 * (the pipeline dead-letters such a message with that reason), or stored with what is wrong left
 * out and counted:
 * <table>
 *   <caption>What happens to bad input</caption>
 *   <tr><th>input</th><th>rule</th></tr>
 *   <tr><td>payload that is not JSON, or JSON that is not an object</td><td>rejected</td></tr>
 *   <tr><td>no numeric field (after leaving out what is not finite)</td><td>rejected</td></tr>
 *   <tr><td>a number that is not finite (such as {@code 1e999})</td><td>the field is left out,
 *       counted by {@link #droppedValueCount()}</td></tr>
 *   <tr><td>no device id in the payload or the topic</td><td>rejected</td></tr>
 *   <tr><td>a {@code timestamp} that is neither a number nor ISO-8601</td><td>rejected</td></tr>
 *   <tr><td>a time further in the future than {@link Builder#maxFutureSkew(Duration)}</td>
 *       <td>rejected: the device's clock is wrong, and a reading stored at the wrong time
 *       corrupts every statistic over it</td></tr>
 *   <tr><td>a time before the device's previous reading (out of order)</td><td>stored: stores
 *       order by time, not by arrival; {@link TimeSeriesSink} counts it</td></tr>
 * </table>
 *
 * <p>Immutable and thread-safe, but for its counter.
 *
 * @since 0.1.0
 */
public final class ReadingParser {
    /** Epoch values above this are milliseconds: 10<sup>11</sup> seconds is the year 5138. */
    private static final double MILLIS_THRESHOLD = 1e11;

    private final Duration maxFutureSkew;
    private final Clock clock;
    private final String topicTag;
    private final LongAdder droppedValues = new LongAdder();

    private ReadingParser(Builder b) {
        this.maxFutureSkew = b.maxFutureSkew;
        this.clock = b.clock;
        this.topicTag = b.topicTag;
    }

    /**
     * Returns a parser with the defaults: five minutes of future skew allowed, the system clock,
     * the topic kept as tag {@code topic}.
     *
     * @return the parser
     */
    public static ReadingParser ofDefaults() {
        return builder().build();
    }

    /**
     * Starts a parser.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses one reading.
     *
     * @param message the reading message
     * @return the point
     * @throws MessageRejectedException if the message breaks a rule that rejects it; the message
     *     names the message, what is wrong and what a good reading looks like
     */
    public Point parse(Message message) {
        Objects.requireNonNull(message, "message");
        JsonNode json;
        try {
            json = message.payloadAsJson();
        } catch (PayloadFormatException e) {
            throw new MessageRejectedException(e.getMessage() + "; a reading is a JSON object such as "
                    + "{\"device_id\":\"pi-1\",\"temperature\":22.5}", e);
        }
        if (!json.isObject()) {
            throw new MessageRejectedException("payload of message " + message.id() + " on topic '"
                    + message.topic() + "' is JSON " + json.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                    + ", not an object; a reading is a JSON object such as {\"device_id\":\"pi-1\",\"temperature\":22.5}");
        }
        String device = device(json, message);
        Instant time = time(json.get("timestamp"), message, device);
        Map<String, Double> fields = new LinkedHashMap<>();
        Map<String, String> tags = new LinkedHashMap<>();
        if (topicTag != null) {
            tags.put(topicTag, message.topic());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> member = it.next();
            String name = member.getKey();
            JsonNode value = member.getValue();
            if (name.equals("device_id") || name.equals("timestamp")) {
                continue;
            }
            if (value.isNumber()) {
                double v = value.doubleValue();
                if (Double.isFinite(v)) {
                    fields.put(name, v);
                } else {
                    droppedValues.increment();
                }
            } else if (value.isBoolean()) {
                fields.put(name, value.booleanValue() ? 1.0 : 0.0);
            } else if (value.isTextual() && !name.equals(topicTag)) {
                tags.put(name, value.textValue());
            }
        }
        if (fields.isEmpty()) {
            throw new MessageRejectedException("reading " + message.id() + " of device " + device + " on topic '"
                    + message.topic() + "' has no numeric field to store; give at least one finite number, such as "
                    + "\"temperature\":22.5");
        }
        return new Point(device, time, fields, tags);
    }

    /**
     * Returns how many values were left out because they were not finite numbers.
     *
     * @return the count since this parser was built
     */
    public long droppedValueCount() {
        return droppedValues.sum();
    }

    /**
     * Returns the future skew this parser allows.
     *
     * @return how far after now a reading's time may lie
     */
    public Duration maxFutureSkew() {
        return maxFutureSkew;
    }

    private static String device(JsonNode json, Message message) {
        JsonNode id = json.get("device_id");
        if (id != null && id.isTextual() && !id.textValue().isBlank()) {
            return id.textValue();
        }
        if (id != null && id.isNumber()) {
            return id.asText();
        }
        String[] levels = message.topic().split("/");
        if (levels.length >= 2 && !levels[1].isBlank()) {
            return levels[1];
        }
        throw new MessageRejectedException("reading " + message.id() + " on topic '" + message.topic()
                + "' names no device: give \"device_id\" in the payload, or publish on sensor/<device>/...");
    }

    private Instant time(JsonNode node, Message message, String device) {
        Instant time;
        if (node == null || node.isNull()) {
            time = message.timestamp();
        } else if (node.isNumber() && Double.isFinite(node.doubleValue())) {
            double value = node.doubleValue();
            if (value > MILLIS_THRESHOLD) {
                time = Instant.ofEpochMilli((long) value);
            } else if (node.isIntegralNumber()) {
                time = Instant.ofEpochSecond(node.longValue());
                // Whole seconds, as the tutorial's int(time.time()) gives: several readings of a
                // second would share one time, so the message's own time refines it when it falls
                // within that second.
                Instant own = message.timestamp();
                if (!own.isBefore(time) && own.isBefore(time.plusSeconds(1))) {
                    time = own;
                }
            } else {
                double seconds = Math.floor(value);
                time = Instant.ofEpochSecond((long) seconds, Math.round((value - seconds) * 1e9));
            }
        } else if (node.isTextual()) {
            try {
                time = java.time.OffsetDateTime.parse(node.textValue()).toInstant();
            } catch (DateTimeParseException e) {
                throw new MessageRejectedException("reading " + message.id() + " of device " + device
                        + " has timestamp '" + node.textValue() + "', which is not ISO-8601 with an offset; give "
                        + "epoch seconds or a time such as 2026-12-07T10:15:30Z", e);
            }
        } else {
            throw new MessageRejectedException("reading " + message.id() + " of device " + device + " has timestamp "
                    + node + "; give epoch seconds or a time such as 2026-12-07T10:15:30Z");
        }
        Instant latest = clock.instant().plus(maxFutureSkew);
        if (time.isAfter(latest)) {
            throw new MessageRejectedException("reading " + message.id() + " of device " + device + " has time "
                    + time + ", " + Duration.between(clock.instant(), time).withNanos(0).toString().substring(2)
                        .toLowerCase(java.util.Locale.ROOT)
                    + " in the future, more than the " + maxFutureSkew.toString().substring(2)
                        .toLowerCase(java.util.Locale.ROOT)
                    + " allowed; check the device's clock (NTP), or raise maxFutureSkew");
        }
        return time;
    }

    /** Configures a {@link ReadingParser}. */
    public static final class Builder {
        private Duration maxFutureSkew = Duration.ofMinutes(5);
        private Clock clock = Clock.systemUTC();
        private String topicTag = "topic";

        private Builder() {
        }

        /**
         * Sets how far in the future a reading's time may lie before it is rejected.
         *
         * @param skew zero or more; by default five minutes
         * @return this builder
         */
        public Builder maxFutureSkew(Duration skew) {
            if (skew == null || skew.isNegative()) {
                throw new IllegalArgumentException("maxFutureSkew is " + skew + "; give zero or more, such as "
                        + "Duration.ofMinutes(5)");
            }
            this.maxFutureSkew = skew;
            return this;
        }

        /**
         * Sets the clock that says what now is, for the future check.
         *
         * @param clock by default the system's UTC clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the tag the topic is kept in, or {@code null} to keep no topic.
         *
         * @param name by default {@code topic}
         * @return this builder
         */
        public Builder topicTag(String name) {
            if (name != null && name.isBlank()) {
                throw new IllegalArgumentException("topicTag is blank; give a name such as \"topic\", or null for "
                        + "no topic tag");
            }
            this.topicTag = name;
            return this;
        }

        /**
         * Builds the parser.
         *
         * @return the parser
         */
        public ReadingParser build() {
            return new ReadingParser(this);
        }
    }
}
