package dev.edgeflow.benchmarks;

import dev.edgeflow.core.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The messages and the steps every chain in {@link PipelineThroughputBenchmark} runs, so that
 * edgeflow, RxJava and the queue hand-off do exactly the same user work per message.
 *
 * <p>Sensor readings from 64 devices: 45 % temperature, 45 % humidity, 10 % status. The filter
 * drops the status messages (1 in 10); the map moves every kept reading from its local topic
 * {@code sensors/dev-N/kind} to its cloud topic {@code cloud/dev-N/kind} through a lookup
 * table, as a bridge does. {@link Message#withTopic} makes a new message that shares the
 * payload, so the map allocates one message and validates one topic.
 */
final class Workload {
    static final int DEVICES = 64;
    static final String TEMPERATURE_ROUTE = "cloud/+/temperature";
    static final String HUMIDITY_ROUTE = "cloud/+/humidity";

    final List<Message> messages;
    final int kept;
    final int temperatures;
    final Predicate<Message> keep = m -> !m.topic().endsWith("/status");
    final Function<Message, Message> toCloud;

    Workload(int count) {
        Map<String, String> cloudTopics = new HashMap<>();
        Message[] built = new Message[count];
        Instant start = Instant.parse("2026-11-27T00:00:00Z");
        int keptCount = 0;
        int temperatureCount = 0;
        for (int i = 0; i < count; i++) {
            int device = i % DEVICES;
            String kind = i % 10 == 9 ? "status" : i % 2 == 0 ? "temperature" : "humidity";
            String topic = "sensors/dev-" + device + "/" + kind;
            cloudTopics.putIfAbsent(topic, "cloud/dev-" + device + "/" + kind);
            String json = "{\"device\":\"dev-" + device + "\",\"" + kind + "\":" + (20 + i % 7) + ".5,\"seq\":" + i + "}";
            built[i] = Message.builder(topic)
                    .payload(json.getBytes(StandardCharsets.UTF_8))
                    .timestamp(start.plusMillis(i))
                    .build();
            if (!kind.equals("status")) {
                keptCount++;
                if (kind.equals("temperature")) {
                    temperatureCount++;
                }
            }
        }
        this.messages = List.of(built);
        this.kept = keptCount;
        this.temperatures = temperatureCount;
        Map<String, String> table = Map.copyOf(cloudTopics);
        this.toCloud = m -> m.withTopic(table.get(m.topic()));
    }
}
