/**
 * Raspberry Pi sensors and actuators for edgeflow pipelines, on Pi4J 2: sensor drivers, a polling
 * sensor source, an actuator sink, and simulated sensors for machines without hardware.
 *
 * @since 0.1.0
 */
package dev.edgeflow.pi4j;
