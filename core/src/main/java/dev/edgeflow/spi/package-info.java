/**
 * The service-provider interface for edgeflow connectors: implement
 * {@link dev.edgeflow.spi.ConnectorProvider} to add a scheme that
 * {@link dev.edgeflow.core.Connectors} can create sources and sinks for.
 *
 * @since 0.1.0
 */
package dev.edgeflow.spi;
