package dev.edgeflow.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.PayloadFormatException;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.core.Taps;
import dev.edgeflow.timeseries.analysis.AlertStage;
import dev.edgeflow.timeseries.analysis.Detectors;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's pipeline, the Java form of the tutorial's comprehensive pipeline (section 6) with
 * its log and alert handlers: sensor readings are checked, logged, watched for high
 * temperatures and written to a sink; readings that are not readings go to a dead-letter sink
 * with the reason.
 *
 * <p>The sinks come in as arguments, so that {@link Demo} writes JSON lines files and a test
 * can look at what arrived in memory.
 */
public final class DemoPipeline {
    /** The topics the readings arrive on, as an MQTT topic filter. */
    public static final String READING_TOPICS = "sensor/+/reading";
    /** The tutorial's alert threshold. */
    public static final double HIGH_TEMPERATURE_CELSIUS = 35.0;
    /** The logger of the log handler; the demo logs one reading a second on it. */
    public static final String READINGS_LOGGER = "edgeflow.demo.readings";
    /** The logger of the alert handler. */
    public static final String ALERTS_LOGGER = "edgeflow.demo.alerts";

    private static final Duration LOG_SAMPLE_INTERVAL = Duration.ofSeconds(1);

    private DemoPipeline() {
    }

    /**
     * Starts the demo pipeline.
     *
     * @param sensors where the readings come from
     * @param readings where the readings go
     * @param deadLetters where readings that are not valid go, with the reason in headers
     * @param onHighTemperature called for each reading above {@value #HIGH_TEMPERATURE_CELSIUS} °C,
     *     on the source's thread; it must not block
     * @return the running pipeline
     */
    public static Pipeline start(Source sensors, Sink readings, Sink deadLetters,
            Consumer<? super Message> onHighTemperature) {
        return steps(sensors, onHighTemperature)
                .route(READING_TOPICS, readings)
                .deadLetter(deadLetters)
                .start();
    }

    /**
     * Returns the demo pipeline's steps up to its routes: the reading check, the sampled log
     * handler and the high-temperature alert handler. {@link Demo} adds the anomaly stage, the
     * dashboard's live feed and the routes to the file and the store.
     *
     * @param sensors where the readings come from
     * @param onHighTemperature called for each reading above {@value #HIGH_TEMPERATURE_CELSIUS} °C,
     *     on the source's thread; it must not block
     * @return the pipeline builder, without routes
     */
    public static Pipeline.Builder steps(Source sensors, Consumer<? super Message> onHighTemperature) {
        Objects.requireNonNull(onHighTemperature, "onHighTemperature");
        return Pipeline.from(sensors)
                .name("demo")
                .map("check-reading", DemoPipeline::requireReading)
                // At 15 readings a second a line per reading would bury the alerts and the
                // status line; one a second still shows what flows.
                .tap("log", sampled(Taps.log(READINGS_LOGGER), LOG_SAMPLE_INTERVAL))
                .tap("high-temperature-alert", Taps.alert(DemoPipeline::isHighTemperature, onHighTemperature));
    }

    /**
     * Returns the demo's anomaly detectors: the tutorial's 35 °C threshold, and, learned per
     * device, temperatures far from the recent ones (a rolling z-score) and humidity far from its
     * exponentially weighted mean. Each condition is alerted once when it begins and once when it
     * ends.
     *
     * @return a new alert stage
     */
    public static AlertStage anomalies() {
        return AlertStage.builder()
                .detector(Detectors.above("temperature", HIGH_TEMPERATURE_CELSIUS))
                .detector(Detectors.zScore("temperature", 120, 30, 4))
                .detector(Detectors.ewma("humidity", 0.1, 30, 5))
                .build();
    }

    /**
     * Returns the tutorial's alert handler: a warning per reading above the threshold.
     *
     * @return an action for {@link #start}
     */
    public static Consumer<Message> logAlert() {
        Logger log = LoggerFactory.getLogger(ALERTS_LOGGER);
        return message -> {
            JsonNode json = message.payloadAsJson();
            log.warn("[ALERT] High temperature detected: {} = {} °C", json.path("device_id").asText("?"),
                    json.path("temperature").asDouble());
        };
    }

    /**
     * Checks that a message is a reading: JSON with a {@code device_id} and a numeric
     * {@code temperature}.
     *
     * @param message the message
     * @return the same message
     * @throws PayloadFormatException if it is not; the pipeline dead-letters it with this reason
     */
    static Message requireReading(Message message) {
        JsonNode json = message.payloadAsJson();
        if (!json.path("device_id").isTextual() || !json.path("temperature").isNumber()) {
            throw new PayloadFormatException("message " + message.id() + " on topic '" + message.topic()
                    + "' is JSON but not a reading: it needs a text 'device_id' and a numeric 'temperature'", null);
        }
        return message;
    }

    /**
     * Tells whether a reading is above {@value #HIGH_TEMPERATURE_CELSIUS} °C.
     *
     * @param message a reading
     * @return {@code true} if its temperature is above the threshold
     */
    public static boolean isHighTemperature(Message message) {
        JsonNode temperature = message.payloadAsJson().path("temperature");
        return temperature.isNumber() && temperature.doubleValue() > HIGH_TEMPERATURE_CELSIUS;
    }

    /** Passes at most one message per interval to a tap; the others go by unseen. */
    static Consumer<Message> sampled(Consumer<Message> tap, Duration interval) {
        long intervalNanos = interval.toNanos();
        AtomicLong nextDue = new AtomicLong(System.nanoTime());
        return message -> {
            long now = System.nanoTime();
            long due = nextDue.get();
            if (now - due >= 0 && nextDue.compareAndSet(due, now + intervalNanos)) {
                tap.accept(message);
            }
        };
    }
}
