/**
 * MQTT source and sink on the HiveMQ MQTT Client, for the schemes {@code mqtt} and
 * {@code mqtts}.
 *
 * @since 0.1.0
 */
package dev.edgeflow.mqtt;
