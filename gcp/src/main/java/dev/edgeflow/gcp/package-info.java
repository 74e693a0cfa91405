/**
 * Google Cloud Pub/Sub for edgeflow pipelines: {@link dev.edgeflow.gcp.PubSubSink} publishes,
 * {@link dev.edgeflow.gcp.PubSubSource} receives by streaming pull, {@link dev.edgeflow.gcp.PubSubAdmin}
 * creates topics and subscriptions, all on one {@link dev.edgeflow.gcp.PubSubConnection}
 * (project, credentials or emulator). Scheme {@code pubsub} through the provider SPI.
 *
 * @since 0.1.0
 */
package dev.edgeflow.gcp;
