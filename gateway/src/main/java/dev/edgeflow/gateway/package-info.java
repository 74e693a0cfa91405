/**
 * The edgeflow gateway: pipelines declared in a YAML file. {@link dev.edgeflow.gateway.GatewayConfig#load(java.nio.file.Path)}
 * reads and checks a file, reporting every problem with its line and column;
 * {@link dev.edgeflow.gateway.Gateway#start(GatewayConfig)} runs its routes.
 *
 * @since 0.1.0
 */
package dev.edgeflow.gateway;
