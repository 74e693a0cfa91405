package dev.edgeflow.mqtt;

/**
 * Message headers with a meaning in MQTT. Every other header travels as an MQTT 5 user
 * property; headers whose names start with {@code mqtt-} never do.
 *
 * @since 0.1.0
 */
public final class MqttHeaders {
    /**
     * {@code "true"} on a message the broker delivered as retained; an {@link MqttSink} publishes
     * a message with this header set to {@code "true"} as retained.
     */
    public static final String RETAIN = "mqtt-retain";

    /** The prefix of headers that MQTT reserves; such headers are not sent as user properties. */
    public static final String PREFIX = "mqtt-";

    private MqttHeaders() {
    }
}
