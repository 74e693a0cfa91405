package dev.edgeflow.pi4j;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Source;
import dev.edgeflow.testkit.SourceContract;
import dev.edgeflow.testkit.TestMessages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@link SensorSource} against the source contract. Each published test reading is what one of
 * {@value #SENSORS} sensors measures next: reading {@code n} goes to sensor {@code n % SENSORS}, so
 * that no test publishes two readings to one sensor (the source keeps only the newest per sensor,
 * by design). A sensor's read blocks until its reading is published, as a slow sensor's does.
 *
 * <p>The payload the source makes from a reading equals the testkit's reading byte for byte: the
 * same {@code device_id}, the values in the same order (whole numbers without a fraction), and the
 * timestamp in epoch seconds. The topic is the source's own ({@code sensor/<device>/<sensor>}).
 *
 * <p>Skipped, loudly, by the contract: redelivery of a nacked reading (a sensor cannot measure the
 * past again; {@link SensorSource#redeliversOnNack()} is false) and a far-side failure (a failing
 * sensor becomes an error event and is retried; {@code SensorSourceTest} covers that).
 */
class SensorSourceContractTest extends SourceContract {
    private static final int SENSORS = 25;

    private final List<ScriptedSensor> sensors = new ArrayList<>();

    @Override
    protected Source createSource() {
        sensors.clear();
        SensorSource.Builder builder = SensorSource.builder(TestMessages.DEVICE_ID);
        for (int i = 0; i < SENSORS; i++) {
            ScriptedSensor sensor = ScriptedSensor.blocking(String.format("s%02d", i));
            sensors.add(sensor);
            builder.sensor(sensor, Duration.ofMillis(1));
        }
        return builder.build();
    }

    @Override
    protected void publish(List<Message> messages) {
        for (Message m : messages) {
            JsonNode json = m.payloadAsJson();
            Map<String, Double> values = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!field.getKey().equals("device_id") && !field.getKey().equals("timestamp")) {
                    values.put(field.getKey(), field.getValue().asDouble());
                }
            }
            Instant at = Instant.ofEpochSecond(json.path("timestamp").asLong());
            sensors.get(TestMessages.sequenceOf(m) % SENSORS).push(Reading.of(values, at));
        }
    }

    @Override
    protected OptionalLong acknowledgedCount(Source source) {
        return OptionalLong.of(((SensorSource) source).acknowledgedCount());
    }

    @Override
    protected boolean redelivers(Source source) {
        return source.redeliversOnNack();
    }

    @Override
    protected Optional<Runnable> breakFarSide(Source source) {
        return Optional.empty();
    }

    @Override
    protected boolean preservesTopic() {
        return false;
    }

    @Override
    protected boolean preservesHeaders() {
        return false;
    }
}
