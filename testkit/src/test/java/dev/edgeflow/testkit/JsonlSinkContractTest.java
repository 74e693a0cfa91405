package dev.edgeflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Sink;
import dev.edgeflow.jsonl.JsonlSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON Lines sink keeps the sink contract; its far side is the file, read back line by line
 * and turned into messages again from the fields id, topic, timestamp, qos, headers and one of
 * payload (embedded JSON), payloadText or payloadBase64.
 */
class JsonlSinkContractTest extends SinkContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A device that fails every write with ENOSPC: a full disk, for the broken sink. */
    private static final Path FULL_DEVICE = Path.of("/dev/full");

    @TempDir
    Path dir;

    private Path file;
    private int linesRead;

    @Override
    protected Sink createSink() {
        file = dir.resolve("readings.jsonl");
        linesRead = 0;
        // Large enough that no test rotates, so the far side is this one file.
        return JsonlSink.builder(file).maxBytes(64L << 20).maxFiles(2).fsync(false).build();
    }

    @Override
    protected List<Message> readBack(int expected, Duration timeout) throws IOException {
        try {
            Awaitility.await("lines in " + file).atMost(timeout).pollInSameThread()
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> completeLines().size() - linesRead >= expected);
        } catch (ConditionTimeoutException e) {
            // Return what is there; the contract judges whether it is enough.
        }
        List<String> lines = completeLines();
        List<Message> out = new ArrayList<>();
        for (String line : lines.subList(linesRead, lines.size())) {
            out.add(parse(line));
        }
        linesRead = lines.size();
        return out;
    }

    @Override
    protected OptionalLong farSideCount() throws IOException {
        return OptionalLong.of(completeLines().size());
    }

    @Override
    protected Optional<Sink> createBrokenSink() {
        if (!Files.isWritable(FULL_DEVICE)) {
            return Optional.empty(); // not Linux: no device that is always full
        }
        return Optional.of(JsonlSink.builder(FULL_DEVICE).build());
    }

    /** The lines that end in a newline; a line still being written is not yet on the far side. */
    private List<String> completeLines() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        lines.remove(lines.size() - 1); // after the last newline: empty, or a partial line
        return lines;
    }

    private static Message parse(String line) throws IOException {
        JsonNode node = JSON.readTree(line);
        assertThat(node.isObject()).as("line is a JSON object: %s", line).isTrue();
        assertThat(node.has("id") && node.has("topic") && node.has("timestamp") && node.has("qos")
                && node.has("headers")).as("line has id, topic, timestamp, qos and headers: %s", line).isTrue();
        Message.Builder m = Message.builder(node.get("topic").asText())
                .id(node.get("id").asText())
                .timestamp(Instant.parse(node.get("timestamp").asText()))
                .qos(Qos.ofLevel(node.get("qos").asInt()));
        for (Iterator<Map.Entry<String, JsonNode>> it = node.get("headers").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> h = it.next();
            m.header(h.getKey(), h.getValue().asText());
        }
        int payloads = 0;
        if (node.has("payload")) {
            m.payload(JSON.writeValueAsBytes(node.get("payload")));
            payloads++;
        }
        if (node.has("payloadText")) {
            m.payload(node.get("payloadText").asText());
            payloads++;
        }
        if (node.has("payloadBase64")) {
            m.payload(Base64.getDecoder().decode(node.get("payloadBase64").asText()));
            payloads++;
        }
        assertThat(payloads).as("payload fields in line %s", line).isEqualTo(1);
        return m.build();
    }
}
