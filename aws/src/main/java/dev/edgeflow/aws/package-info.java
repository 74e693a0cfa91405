/**
 * AWS IoT Core for edgeflow pipelines, on the AWS CRT MQTT 5 client: a sink and a source over
 * mutual TLS, IoT Core's limits checked before sending, Device Shadow, fleet provisioning and
 * thing registration.
 *
 * @since 0.1.0
 */
package dev.edgeflow.aws;
