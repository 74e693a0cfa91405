package dev.edgeflow.mqtt;

import dev.edgeflow.core.Qos;

/**
 * The source contract against the embedded broker with QoS 0 only, where the source asks the
 * client for everything and holds what the subscriber has not asked for itself (newest
 * receive-maximum kept, the rest dropped and counted).
 */
class MqttAtMostOnceSourceContractTest extends MqttSourceContractTest {
    @Override
    protected Qos qos() {
        return Qos.AT_MOST_ONCE;
    }
}
