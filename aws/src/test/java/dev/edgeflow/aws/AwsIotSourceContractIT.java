package dev.edgeflow.aws;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Source;
import dev.edgeflow.testkit.SourceContract;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The source contract over mutual TLS to a Mosquitto process standing in for AWS IoT Core: the
 * cloud side publishes on the plain listener, the source receives over TLS.
 */
class AwsIotSourceContractIT extends SourceContract {
    @RegisterExtension
    static final MutualTlsBroker TLS = new MutualTlsBroker();
    private FarSideClient cloud;

    @Override
    protected Source createSource() throws Exception {
        AwsIotConnection connection = TLS.connection("source-contract-" + System.nanoTime())
                .sessionExpiry(java.time.Duration.ZERO).build();
        connection.awaitReady(timeout());
        AwsIotSource source = AwsIotSource.builder().ownConnection(connection).subscribe(topic()).build();
        return source;
    }

    @Override
    protected void publish(List<Message> messages) {
        if (cloud == null) {
            cloud = TLS.cloud();
        }
        cloud.publish(messages);
    }

    @Override
    protected OptionalLong acknowledgedCount(Source source) {
        return OptionalLong.of(((AwsIotSource) source).acknowledgedCount());
    }

    /** The broker process dies; the CRT reconnects forever, so nothing ends the subscriber. */
    @Override
    protected Optional<Runnable> breakFarSide(Source source) {
        return Optional.empty();
    }

    @Override
    protected boolean isSourceThread(Thread thread) {
        return !thread.getName().startsWith("far-side") && super.isSourceThread(thread);
    }

    @Override
    protected void cleanup() {
        if (cloud != null) {
            cloud.close();
            cloud = null;
        }
    }
}
