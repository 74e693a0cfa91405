package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BridgeEnvelopeTest {
    private static final Instant AT = Instant.parse("2026-11-27T12:00:00.250Z");

    @Test
    void wrapsJsonAsData() {
        Message in = Message.builder("sensor/pi-1/reading").payload("{\"temperature\":21.5}").timestamp(AT)
                .header("device_type", "raspberry_pi").build();

        Message out = BridgeEnvelope.wrap(in);

        JsonNode json = out.payloadAsJson();
        assertThat(json.path("source_topic").asText()).isEqualTo("sensor/pi-1/reading");
        assertThat(json.path("data").path("temperature").asDouble()).isEqualTo(21.5);
        assertThat(json.path("timestamp").asDouble()).isEqualTo(1795780800.25);
        assertThat(out.topic()).isEqualTo(in.topic());
        assertThat(out.headers()).isEqualTo(in.headers());
    }

    @Test
    void keepsTextThatIsNotJsonAsRaw() {
        Message out = BridgeEnvelope.wrap(Message.of("device/pi-1/status", "online uptime=42"));

        assertThat(out.payloadAsJson().path("data").path("raw").asText()).isEqualTo("online uptime=42");
    }

    @Test
    void keepsBytesThatAreNotTextAsBase64() {
        Message out = BridgeEnvelope.wrap(Message.of("device/pi-1/blob", new byte[] {(byte) 0xff, 0x00, (byte) 0xfe}));

        assertThat(out.payloadAsJson().path("data").path("raw_base64").asText()).isEqualTo("/wD+");
    }
}
