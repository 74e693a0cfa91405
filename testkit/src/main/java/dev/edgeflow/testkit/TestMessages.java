package dev.edgeflow.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.PayloadFormatException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sensor readings to feed sources and sinks in tests, shaped like the seed tutorial's:
 * {@code {"device_id":"RaspberryPi-001","sequence":7,"temperature":26.2,"humidity":67,"timestamp":1767225607}}.
 *
 * <p>Every value follows from the sequence number, so the same call always builds the same
 * payloads and a test can tell from a payload alone which reading it is
 * ({@link #sequenceOf(Message)}), even when a provider does not keep message ids. Readings
 * carry one header, {@code device_type=raspberry_pi}, as the seed's Pub/Sub publisher does.
 *
 * @since 0.1.0
 */
public final class TestMessages {
    /** The device id in every reading. */
    public static final String DEVICE_ID = "RaspberryPi-001";

    /** The first reading's timestamp: 2026-01-01T00:00:00Z; reading {@code n} is {@code n} seconds later. */
    public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private TestMessages() {
    }

    /**
     * Makes readings with sequence numbers {@code 0} to {@code count - 1}.
     *
     * @param topic the topic of every reading
     * @param count how many, 0 or more
     * @return the readings, in sequence order
     * @throws IllegalArgumentException if {@code count} is negative
     * @throws dev.edgeflow.core.InvalidTopicException if the topic is not a valid publish topic
     */
    public static List<Message> readings(String topic, int count) {
        return readings(topic, 0, count);
    }

    /**
     * Makes readings with sequence numbers {@code first} to {@code first + count - 1}.
     *
     * @param topic the topic of every reading
     * @param first the first sequence number, 0 or more
     * @param count how many, 0 or more
     * @return the readings, in sequence order
     * @throws IllegalArgumentException if {@code first} or {@code count} is negative
     * @throws dev.edgeflow.core.InvalidTopicException if the topic is not a valid publish topic
     */
    public static List<Message> readings(String topic, int first, int count) {
        if (first < 0 || count < 0) {
            throw new IllegalArgumentException("readings from " + first + ", count " + count
                    + ": both must be 0 or more");
        }
        List<Message> out = new ArrayList<>(count);
        for (int i = first; i < first + count; i++) {
            out.add(reading(topic, i));
        }
        return out;
    }

    /**
     * Makes one reading: temperature {@code 25.5 + (sequence % 100) * 0.1}, humidity
     * {@code 60 + sequence % 40}, timestamp {@link #START} plus {@code sequence} seconds (in the
     * payload as epoch seconds, on the message as an {@link Instant}).
     *
     * @param topic the topic
     * @param sequence the sequence number, 0 or more
     * @return the reading
     * @throws IllegalArgumentException if {@code sequence} is negative
     * @throws dev.edgeflow.core.InvalidTopicException if the topic is not a valid publish topic
     */
    public static Message reading(String topic, int sequence) {
        if (sequence < 0) {
            throw new IllegalArgumentException("reading sequence is " + sequence + ": use 0 or more");
        }
        Instant at = START.plusSeconds(sequence);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("device_id", DEVICE_ID);
        payload.put("sequence", sequence);
        // Tenths as an integer first, so that the JSON shows 26.2 and not 26.200000000000003.
        payload.put("temperature", (255 + sequence % 100) / 10.0);
        payload.put("humidity", 60 + sequence % 40);
        payload.put("timestamp", at.getEpochSecond());
        return Message.builder(topic)
                .jsonPayload(payload)
                .header("device_type", "raspberry_pi")
                .timestamp(at)
                .build();
    }

    /**
     * Reads the sequence number back from a reading's payload.
     *
     * @param message a message whose payload is a reading made here
     * @return the sequence number
     * @throws PayloadFormatException if the payload is not JSON
     * @throws IllegalArgumentException if the payload has no integer {@code sequence} field
     */
    public static int sequenceOf(Message message) {
        JsonNode sequence = message.payloadAsJson().get("sequence");
        if (sequence == null || !sequence.canConvertToInt() || !sequence.isIntegralNumber()) {
            throw new IllegalArgumentException("message " + message.id() + " on topic '" + message.topic()
                    + "' has no integer 'sequence' in its payload: it was not made by TestMessages.reading");
        }
        return sequence.intValue();
    }

    /**
     * Reads the sequence numbers back from readings.
     *
     * @param messages messages whose payloads are readings made here
     * @return their sequence numbers, in the same order
     * @throws PayloadFormatException if a payload is not JSON
     * @throws IllegalArgumentException if a payload has no integer {@code sequence} field
     */
    public static List<Integer> sequencesOf(List<Message> messages) {
        List<Integer> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            out.add(sequenceOf(m));
        }
        return out;
    }
}
