/**
 * The compatibility kit every edgeflow provider's tests extend, and helpers for those tests.
 *
 * <p>{@link dev.edgeflow.testkit.SourceContract} and {@link dev.edgeflow.testkit.SinkContract}
 * are abstract JUnit 5 classes: a provider implements their hooks in one test class each and
 * inherits the contract's tests, as a Micrometer registry extends
 * {@code MeterRegistryCompatibilityKit}. {@link dev.edgeflow.testkit.TestMessages} makes sensor
 * readings, {@link dev.edgeflow.testkit.RecordingSubscriber} records and checks the signals of
 * a {@link java.util.concurrent.Flow.Publisher}, {@link dev.edgeflow.testkit.FreePorts} finds
 * loopback ports for peers a test starts, {@link dev.edgeflow.testkit.FaultProxy} puts latency,
 * bandwidth limits, stalls and cut connections between a client and its server, and
 * {@link dev.edgeflow.testkit.Peers} skips a test loudly when an external program it needs is
 * not installed.
 *
 * @since 0.1.0
 */
package dev.edgeflow.testkit;
