package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgeflow.core.Connectors;
import dev.edgeflow.core.Headers;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.core.Sink;
import dev.edgeflow.memory.MemorySink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoPipelineTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final Queue<Message> alerts = new ConcurrentLinkedQueue<>();

    @AfterEach
    void closeAll() throws Exception {
        // Newest first, as try-with-resources would: a pipeline stops before its sinks close.
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private SimulatedSensorSource sensors(long readings, double spikes, double garbled) {
        return track(SimulatedSensorSource.builder()
                .maxReadings(readings)
                // Fast, so that the test waits for the pipeline and not for the simulated clock.
                .ratePerDevice(2000)
                .spikeProbability(spikes)
                .garbleProbability(garbled)
                .seed(42)
                .build());
    }

    private <T extends AutoCloseable> T track(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private PipelineStats runToEnd(SimulatedSensorSource sensors, Sink readings, Sink deadLetters) {
        Pipeline pipeline = track(DemoPipeline.start(sensors, readings, deadLetters, alerts::add));
        CompletableFuture<PipelineStats> done = pipeline.completion().toCompletableFuture();
        await().atMost(TIMEOUT).until(done::isDone);
        assertThat(pipeline.stop(Duration.ofSeconds(5)).drained()).isTrue();
        return done.join();
    }

    @Test
    void writesEveryReadingAndAlertsOnEverySpikeAboveThirtyFiveDegrees() {
        MemorySink readings = track(MemorySink.create("readings", 10_000));
        MemorySink deadLetters = track(MemorySink.create("dead-letters", 10_000));

        PipelineStats stats = runToEnd(sensors(300, 0.2, 0), readings, deadLetters);

        List<Message> written = readings.messages();
        assertThat(written).hasSize(300);
        assertThat(stats.received()).isEqualTo(300);
        assertThat(stats.forwarded()).isEqualTo(300);
        assertThat(stats.failed()).isZero();
        assertThat(deadLetters.messages()).isEmpty();
        for (Message m : written) {
            JsonNode reading = m.payloadAsJson();
            assertThat(reading.path("device_id").asText()).matches("RaspberryPi-00[123]");
            assertThat(m.topic()).isEqualTo("sensor/" + reading.path("device_id").asText() + "/reading");
            assertThat(reading.path("temperature").isNumber()).as("temperature of %s", m).isTrue();
            assertThat(reading.path("humidity").asDouble(-1)).isBetween(0.0, 100.0);
            assertThat(reading.path("timestamp").isIntegralNumber()).isTrue();
        }
        Set<String> spikes = written.stream()
                .filter(m -> m.payloadAsJson().path("temperature").asDouble() > 35.0)
                .map(Message::id)
                .collect(Collectors.toSet());
        assertThat(spikes).as("a fifth of the readings are spikes").isNotEmpty();
        assertThat(alerts).extracting(Message::id).containsExactlyInAnyOrderElementsOf(spikes);
    }

    @Test
    void sendsReadingsThatAreNotJsonToTheDeadLetterSinkWithTheReason() {
        MemorySink readings = track(MemorySink.create("readings", 10_000));
        MemorySink deadLetters = track(MemorySink.create("dead-letters", 10_000));

        PipelineStats stats = runToEnd(sensors(200, 0, 0.1), readings, deadLetters);

        List<Message> rejected = deadLetters.messages();
        assertThat(rejected).as("a tenth of the readings arrive cut short").isNotEmpty();
        assertThat(readings.messages().size() + rejected.size()).isEqualTo(200);
        assertThat(stats.deadLettered()).isEqualTo(rejected.size());
        assertThat(stats.failed()).isZero();
        for (Message m : rejected) {
            assertThat(m.isJson()).isFalse();
            assertThat(m.header(Headers.DEAD_LETTER_STAGE)).isEqualTo("step 'check-reading'");
            assertThat(m.header(Headers.DEAD_LETTER_REASON)).contains(m.id()).contains("not the JSON");
            assertThat(m.header(Headers.DEAD_LETTER_PIPELINE)).isEqualTo("demo");
        }
    }

    @Test
    void writesOneJsonLinePerReadingToTheJsonlSink(@TempDir Path dir) throws IOException {
        Assumptions.assumeTrue(Connectors.schemes().contains("jsonl"),
                "SKIPPED: no 'jsonl' connector on the class path (available: " + Connectors.schemes()
                        + "); it comes with JsonlSink in edgeflow-core");
        Path file = dir.resolve("readings.jsonl");
        Sink readings = Connectors.sink(Demo.jsonlUri(file));
        Sink deadLetters = Connectors.sink(Demo.jsonlUri(dir.resolve("readings-dead-letters.jsonl")));
        try {
            runToEnd(sensors(100, 0.2, 0), readings, deadLetters);
        } finally {
            readings.close();
            deadLetters.close();
        }

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(100);
        for (String line : lines) {
            assertThat(JSON.readTree(line).isObject()).as("line %s", line).isTrue();
            assertThat(line).contains("RaspberryPi-00");
        }
        assertThat(alerts).isNotEmpty();
    }

    @Test
    void samplingPassesTheFirstMessageThenNoneWithinTheInterval() {
        List<Message> seen = new ArrayList<>();
        var sampled = DemoPipeline.sampled(seen::add, Duration.ofHours(1));

        Message first = Message.of("sensor/a/reading", "{}");
        sampled.accept(first);
        sampled.accept(Message.of("sensor/a/reading", "{}"));
        sampled.accept(Message.of("sensor/b/reading", "{}"));

        assertThat(seen).containsExactly(first);
    }
}
