package dev.edgeflow.gcp;

/**
 * The sink contract for the REST transport against the emulator: the same checks as the gRPC
 * publisher's, through Pub/Sub's REST API on the JDK's HTTP client.
 */
class PubSubRestSinkContractIT extends PubSubSinkContractIT {
    @Override
    protected PubSubSink.Transport transport() {
        return PubSubSink.Transport.REST;
    }
}
