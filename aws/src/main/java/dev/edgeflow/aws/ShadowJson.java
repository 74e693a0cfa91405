package dev.edgeflow.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The JSON of the shadow and provisioning protocols: one mapper, and reading that names what it read. */
final class ShadowJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private ShadowJson() {
    }

    static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + node + " as JSON: " + e.getMessage(), e);
        }
    }

    /** Returns the parsed payload, or {@code null} if it is not a JSON object. */
    static JsonNode readObject(byte[] payload) {
        try {
            JsonNode node = MAPPER.readTree(payload);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }
}
