/**
 * MQTT brokers and TLS certificates for tests that talk MQTT.
 *
 * <p>{@link dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker} runs HiveMQ Community Edition inside
 * the test JVM and needs nothing but a JDK. {@link dev.edgeflow.testkit.mqtt.MosquittoBroker}
 * runs Mosquitto 2 as a process, for what only a real, separate broker shows: restarts, kills,
 * passwords, queue limits, bridges. {@link dev.edgeflow.testkit.mqtt.TestCertificates} makes a
 * CA and the certificates, good and bad, that TLS and mutual TLS tests need, as PEM files
 * generated when the test runs.
 *
 * @since 0.1.0
 */
package dev.edgeflow.testkit.mqtt;
