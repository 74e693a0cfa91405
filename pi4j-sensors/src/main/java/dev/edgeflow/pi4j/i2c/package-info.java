/**
 * Register-level I2C access: {@link dev.edgeflow.pi4j.i2c.I2cRegisters} and its Pi4J
 * implementation {@link dev.edgeflow.pi4j.i2c.Pi4jI2c}, which checks {@code /dev/i2c-N} first so
 * that a bus that is not enabled, or a user not in the {@code i2c} group, gets an error that says
 * how to fix it.
 */
package dev.edgeflow.pi4j.i2c;
