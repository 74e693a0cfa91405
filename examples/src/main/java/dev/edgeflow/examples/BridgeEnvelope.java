package dev.edgeflow.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.PayloadFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The envelope the tutorial's bridge puts around every forwarded reading:
 * {@code {"source_topic": ..., "data": ..., "timestamp": ...}}. A payload that is not JSON is
 * kept as {@code {"raw": "<text>"}}, and one that is not even UTF-8 as
 * {@code {"raw_base64": "..."}}: forwarded, never dropped.
 */
public final class BridgeEnvelope {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BridgeEnvelope() {
    }

    /**
     * Wraps a message's payload; topic, headers and QoS stay as they were.
     *
     * @param message the message read from the local broker
     * @return the message with the envelope as its payload
     */
    public static Message wrap(Message message) {
        ObjectNode root = JSON.createObjectNode();
        root.put("source_topic", message.topic());
        try {
            root.set("data", message.payloadAsJson());
        } catch (PayloadFormatException notJson) {
            ObjectNode data = root.putObject("data");
            String text = utf8(message.payload());
            if (text != null) {
                data.put("raw", text);
            } else {
                data.put("raw_base64", Base64.getEncoder().encodeToString(message.payload()));
            }
        }
        root.put("timestamp", message.timestamp().toEpochMilli() / 1000.0);
        try {
            return message.withPayload(JSON.writeValueAsBytes(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the envelope of message " + message.id(), e);
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
