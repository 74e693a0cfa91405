package dev.edgeflow.mqtt;

/**
 * The MQTT protocol version a connection speaks.
 *
 * @since 0.1.0
 */
public enum MqttVersion {
    /** MQTT 5.0, the default: receive maximum, session expiry, user properties, reason codes. */
    MQTT_5,
    /** MQTT 3.1.1, for brokers that do not speak 5.0. Headers (user properties) are not carried. */
    MQTT_3_1_1
}
