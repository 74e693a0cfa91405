package dev.edgeflow.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ready-made taps for {@link Pipeline.Builder#tap(String, Consumer)}: the tutorial's log and
 * alert handlers, as steps that look at a message and let it go on.
 *
 * @since 0.1.0
 */
public final class Taps {
    private static final int PREVIEW_BYTES = 200;

    private Taps() {
    }

    /**
     * Logs each message at INFO: topic, id and the payload's first 200 bytes as text, with line breaks escaped.
     *
     * @param loggerName the SLF4J logger to log to, such as {@code edgeflow.readings}
     * @return the tap
     */
    public static Consumer<Message> log(String loggerName) {
        Logger log = LoggerFactory.getLogger(Objects.requireNonNull(loggerName, "loggerName"));
        return message -> {
            if (log.isInfoEnabled()) {
                log.info("{} [{}] {}", message.topic(), message.id(), preview(message));
            }
        };
    }

    /**
     * Calls an action for the messages that meet a condition, such as a temperature over a
     * threshold. Exceptions from either go to the pipeline, which logs and counts them as tap
     * failures.
     *
     * @param condition true for messages that should raise the alert
     * @param action what to do for them
     * @return the tap
     */
    public static Consumer<Message> alert(Predicate<? super Message> condition, Consumer<? super Message> action) {
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(action, "action");
        return message -> {
            if (condition.test(message)) {
                action.accept(message);
            }
        };
    }

    /**
     * Logs a warning for the JSON messages whose numeric field is above a threshold: the
     * tutorial's high-temperature alert. Messages without the field, or not JSON, pass silently.
     *
     * @param loggerName the SLF4J logger to warn on
     * @param field the top-level numeric JSON field, such as {@code temperature}
     * @param threshold the value above which to warn
     * @return the tap
     */
    public static Consumer<Message> thresholdAlert(String loggerName, String field, double threshold) {
        Logger log = LoggerFactory.getLogger(Objects.requireNonNull(loggerName, "loggerName"));
        Objects.requireNonNull(field, "field");
        return message -> {
            JsonNode json;
            try {
                json = message.payloadAsJson();
            } catch (PayloadFormatException notJson) {
                return;
            }
            JsonNode value = json.get(field);
            if (value != null && value.isNumber() && value.doubleValue() > threshold) {
                String device = json.path("device_id").asText(message.topic());
                log.warn("ALERT {} {}={} is above {} (message {})", device, field, value.doubleValue(), threshold,
                        message.id());
            }
        };
    }

    private static String preview(Message message) {
        // Decode no more than is shown, and escape line breaks so a payload cannot forge log lines.
        ByteBuffer bytes = message.payloadBuffer();
        boolean cut = bytes.remaining() > PREVIEW_BYTES;
        if (cut) {
            bytes.limit(PREVIEW_BYTES);
        }
        String text = StandardCharsets.UTF_8.decode(bytes).toString();
        if (cut && !text.isEmpty() && Character.isHighSurrogate(text.charAt(text.length() - 1))) {
            text = text.substring(0, text.length() - 1);
        }
        text = text.replace("\r", "\\r").replace("\n", "\\n");
        return cut ? text + "..." : text;
    }
}
