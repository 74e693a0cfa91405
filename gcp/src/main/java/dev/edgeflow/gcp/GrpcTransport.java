package dev.edgeflow.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.GoogleCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * What a gRPC client needs from a {@link PubSubConnection}: a channel provider and credentials,
 * and the channel to close after the client. Kept apart from the connection so that a sink on
 * the REST transport never loads gRPC.
 */
final class GrpcTransport implements AutoCloseable {
    final TransportChannelProvider channels;
    final CredentialsProvider credentials;
    private final ManagedChannel ownChannel;

    private GrpcTransport(TransportChannelProvider channels, CredentialsProvider credentials,
            ManagedChannel ownChannel) {
        this.channels = channels;
        this.credentials = credentials;
        this.ownChannel = ownChannel;
    }

    /**
     * Opens a plaintext channel to the emulator, or the endpoint and credentials of the service.
     *
     * @param connection where and as whom
     * @return the transport; close it after the client
     * @throws PubSubException if the credentials cannot be loaded
     */
    static GrpcTransport open(PubSubConnection connection) {
        if (connection.emulatorHost().isPresent()) {
            ManagedChannel channel = ManagedChannelBuilder.forTarget(connection.emulatorHost().get())
                    .usePlaintext().build();
            return new GrpcTransport(FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)),
                    NoCredentialsProvider.create(), channel);
        }
        TransportChannelProvider channels = TopicAdminSettings.defaultGrpcTransportProviderBuilder().build();
        if (connection.endpointOrNull() != null) {
            channels = channels.withEndpoint(connection.endpointOrNull());
        }
        CredentialsProvider credentials;
        if (connection.hasCredentialsFile()) {
            credentials = FixedCredentialsProvider.create(connection.credentials());
        } else {
            connection.credentials(); // fails here, with the message that says how to fix it, if there are none
            credentials = GoogleCredentialsProvider.newBuilder().setScopesToApply(PubSubConnection.scopes()).build();
        }
        return new GrpcTransport(channels, credentials, null);
    }

    /** Closes the channel, if this transport made one; waits up to 5 s, then forces it. */
    @Override
    public void close() {
        if (ownChannel == null) {
            return;
        }
        ownChannel.shutdown();
        try {
            if (!ownChannel.awaitTermination(5, TimeUnit.SECONDS)) {
                ownChannel.shutdownNow();
            }
        } catch (InterruptedException e) {
            ownChannel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
