package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import dev.edgeflow.gcp.PubSubPuller;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tutorial's Pub/Sub client (section 3.3) against the emulator: what reaches the topic, and in what form. */
class PubSubClientExampleIT {
    private static PubSubTestEmulator emulator;

    @BeforeAll
    static void startEmulator() {
        emulator = PubSubTestEmulator.start();
    }

    @AfterAll
    static void stopEmulator() {
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void publishesWithAttributesPullsAndAcksThenStreamsTheBatch() {
        String topic = PubSubTestEmulator.fresh("client-it");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PubSubPuller audit = emulator.topicWithAudit(topic)) {
            PubSubClientExample.Result r = PubSubClientExample.run(emulator.connection, topic, topic + "-sub", 20,
                    new PrintStream(printed, true, StandardCharsets.UTF_8));

            assertThat(r.publishedIds()).hasSize(5).doesNotHaveDuplicates();
            assertThat(r.pulled()).extracting(Message::id).containsExactlyInAnyOrderElementsOf(r.publishedIds());
            for (Message m : r.pulled()) {
                assertThat(m.headers()).containsEntry("device_type", "raspberry_pi");
                assertThat(m.payloadAsJson().path("device_id").asText()).isEqualTo("pi-001");
            }
            assertThat(r.pulled().stream().map(m -> m.payloadAsJson().path("temperature").asDouble())
                    .collect(Collectors.toList())).containsExactlyInAnyOrder(25.5, 26.0, 26.5, 27.0, 27.5);

            assertThat(r.batchIds()).hasSize(20).doesNotHaveDuplicates().doesNotContainAnyElementsOf(r.publishedIds());
            assertThat(r.streamed()).extracting(Message::id).containsExactlyInAnyOrderElementsOf(r.batchIds());
            assertThat(r.streamAcked()).as("acked after the callback").isEqualTo(20);

            // What the topic really holds, seen through a subscription of the test's own.
            List<PubSubPuller.Pulled> onTopic = audit.pullAtLeast(25, Duration.ofSeconds(30));
            audit.ack(onTopic);
            assertThat(onTopic).hasSize(25);
            assertThat(onTopic.stream().filter(p -> "raspberry_pi".equals(p.message().header("device_type"))))
                    .as("only the single publishes carry the attribute").hasSize(5);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("Published: ").contains("Batch publish complete: 20 messages")
                .contains("Subscription started: projects/edgeflow-examples-it/subscriptions/" + topic + "-sub");
    }
}
