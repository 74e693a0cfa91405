package dev.edgeflow.dashboard.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.PayloadFormatException;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.ReadingParser;
import java.time.Clock;
import java.util.Optional;

/**
 * Turns the messages a pipeline taps into the dashboard into the JSON of the stream: a reading
 * into the same shape the readings API returns, an alert into its own object unchanged.
 *
 * <p>Readings are read by the store's own {@link ReadingParser}, so that the page draws a reading
 * live exactly as the store keeps it (same device, time and fields), and skips what the store
 * would reject.
 */
final class LiveMessages {
    private final ReadingParser parser;

    LiveMessages(Clock clock) {
        this.parser = ReadingParser.builder().clock(clock).build();
    }

    /**
     * Reads a reading.
     *
     * @return empty if the store's parser rejects it
     */
    Optional<ObjectNode> reading(Message message) {
        try {
            Point point = parser.parse(message);
            return Optional.of(Json.reading(point.device(), point.time(), point.fields()));
        } catch (MessageRejectedException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads an alert as {@code AlertStage} writes it.
     *
     * @return empty if it is not a JSON object
     */
    Optional<ObjectNode> alert(Message message) {
        try {
            JsonNode json = message.payloadAsJson();
            return json.isObject() ? Optional.of((ObjectNode) json) : Optional.empty();
        } catch (PayloadFormatException e) {
            return Optional.empty();
        }
    }
}
