package dev.edgeflow.gcp;

import java.time.Duration;

/**
 * The sink contract for the REST transport against the emulator: the same checks as the gRPC
 * publisher's, through Pub/Sub's REST API on the JDK's HTTP client.
 */
class PubSubRestSinkContractIT extends PubSubSinkContractIT {
    @Override
    protected PubSubSink.Transport transport() {
        return PubSubSink.Transport.REST;
    }

    /**
     * The broken sink retries for 10 s (the least {@code retryTimeout} there is) and the REST
     * publisher spends all of it before the send fails, so the contract's wait must be longer
     * than that; with the default 10 s the failure raced the wait.
     */
    @Override
    protected Duration timeout() {
        return Duration.ofSeconds(20);
    }
}
