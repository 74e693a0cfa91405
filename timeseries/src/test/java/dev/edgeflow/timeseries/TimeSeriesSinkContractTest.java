package dev.edgeflow.timeseries;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.testkit.SinkContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The sink contract for {@link TimeSeriesSink}, with a store in memory as the far side: what it
 * committed is what the far side holds. The stores themselves are tested against their real
 * databases.
 */
class TimeSeriesSinkContractTest extends SinkContract {
    private RecordingStore store;
    private int readSoFar;

    @Override
    protected Sink createSink() {
        store = new RecordingStore();
        readSoFar = 0;
        return TimeSeriesSink.builder(store).maxBatchDelay(Duration.ofMillis(20)).build();
    }

    @Override
    protected Optional<Sink> createBrokenSink() {
        RecordingStore down = new RecordingStore();
        down.failNext = new TimeSeriesException("connection refused", null, true);
        down.failures = Integer.MAX_VALUE;
        return Optional.of(TimeSeriesSink.builder(down).maxBatchDelay(Duration.ZERO).build());
    }

    @Override
    protected OptionalLong farSideCount() {
        return OptionalLong.of(store.points().size());
    }

    /** Turns the stored points back into readings: device, time and fields, as the parser took them. */
    @Override
    protected List<Message> readBack(int expected, Duration timeout) {
        try {
            Awaitility.await().atMost(timeout).until(() -> store.points().size() - readSoFar >= expected);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // Return what is there; the contract says what is missing.
        }
        List<Point> points = store.points();
        List<Message> out = new ArrayList<>();
        for (Point p : points.subList(readSoFar, points.size())) {
            ObjectNode json = JsonNodeFactory.instance.objectNode();
            json.put("device_id", p.device());
            for (Map.Entry<String, Double> field : p.fields().entrySet()) {
                double v = field.getValue();
                if (v == Math.rint(v) && Math.abs(v) <= Integer.MAX_VALUE) {
                    json.put(field.getKey(), (int) v);
                } else {
                    json.put(field.getKey(), v);
                }
            }
            json.put("timestamp", p.time().getEpochSecond());
            out.add(Message.builder(p.tags().getOrDefault("topic", topic()))
                    .payload(json.toString().getBytes(StandardCharsets.UTF_8)).timestamp(p.time()).build());
        }
        readSoFar = points.size();
        return out;
    }

    @Override
    protected boolean preservesHeaders() {
        return false;
    }

    @Override
    @Test
    @Disabled("A time-series sink stores readings, and a payload that is not a JSON object is not one: it is "
            + "rejected with MessageRejectedException so that the pipeline dead-letters it with the reason "
            + "(ReadingParserTest.rejectsPayloadsThatAreNotJsonObjects, TimeSeriesSinkTest.rejectsBadReadingsAtOnceAndCountsThem)")
    public void deliversPayloadsThatAreNotJson() {
    }
}
