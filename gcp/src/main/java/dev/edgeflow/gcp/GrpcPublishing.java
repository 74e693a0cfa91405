package dev.edgeflow.gcp;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.api.gax.batching.BatchingSettings;
import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.batching.FlowController.LimitExceededBehavior;
import com.google.api.gax.core.InstantiatingExecutorProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Publishing through the client library's gRPC {@link Publisher}. */
final class GrpcPublishing implements Publishing {
    private final GrpcTransport transport;
    private final Publisher publisher;

    GrpcPublishing(PubSubConnection connection, String topicId, PubSubSink.Settings s) {
        TopicName topic = TopicName.of(connection.projectId(), topicId);
        this.transport = GrpcTransport.open(connection);
        try {
            Publisher.Builder pb = Publisher.newBuilder(topic)
                    .setChannelProvider(transport.channels)
                    .setCredentialsProvider(transport.credentials)
                    .setBatchingSettings(BatchingSettings.newBuilder()
                            .setElementCountThreshold(s.batchMessages())
                            .setRequestByteThreshold(s.batchBytes())
                            .setDelayThresholdDuration(s.batchDelay())
                            .setFlowControlSettings(FlowControlSettings.newBuilder()
                                    .setMaxOutstandingElementCount(s.maxOutstandingMessages())
                                    .setMaxOutstandingRequestBytes(s.maxOutstandingBytes())
                                    .setLimitExceededBehavior(LimitExceededBehavior.Block)
                                    .build())
                            .build())
                    .setRetrySettings(retrySettings(s.retryTimeout()))
                    .setEnableMessageOrdering(s.ordered())
                    .setExecutorProvider(InstantiatingExecutorProvider.newBuilder()
                            .setExecutorThreadCount(s.threads()).build());
            if (s.compressionThreshold() > 0) {
                pb.setEnableCompression(true).setCompressionBytesThreshold(s.compressionThreshold());
            }
            this.publisher = pb.build();
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw new PubSubException("cannot start a Pub/Sub publisher for " + topic + " (" + connection + "): "
                    + e.getMessage(), e);
        }
    }

    /** Backoff from 100 ms doubling to 10 s; each attempt up to 60 s (or the whole budget if shorter). */
    private static RetrySettings retrySettings(Duration total) {
        Duration rpc = total.compareTo(Duration.ofSeconds(60)) < 0 ? total : Duration.ofSeconds(60);
        return RetrySettings.newBuilder()
                .setInitialRetryDelayDuration(Duration.ofMillis(100))
                .setRetryDelayMultiplier(2.0)
                .setMaxRetryDelayDuration(Duration.ofSeconds(10))
                .setInitialRpcTimeoutDuration(rpc)
                .setRpcTimeoutMultiplier(1.0)
                .setMaxRpcTimeoutDuration(rpc)
                .setTotalTimeoutDuration(total)
                .build();
    }

    static PubsubMessage toPubsub(OutgoingMessage m) {
        return PubsubMessage.newBuilder().setData(ByteString.copyFrom(m.data().duplicate()))
                .putAllAttributes(m.attributes()).setOrderingKey(m.orderingKey()).build();
    }

    @Override
    public CompletableFuture<String> publish(OutgoingMessage message) {
        ApiFuture<String> f = publisher.publish(toPubsub(message));
        CompletableFuture<String> result = new CompletableFuture<>();
        ApiFutures.addCallback(f, new ApiFutureCallback<>() {
            @Override
            public void onSuccess(String id) {
                result.complete(id);
            }

            @Override
            public void onFailure(Throwable t) {
                result.completeExceptionally(t);
            }
        }, MoreExecutors.directExecutor());
        return result;
    }

    @Override
    public void publishAllOutstanding() {
        publisher.publishAllOutstanding();
    }

    @Override
    public void failedWithKey(String orderingKey) {
        publisher.resumePublish(orderingKey); // the pipeline's retry sends this key's messages again
    }

    @Override
    public String status(Throwable failure) {
        StatusCode.Code code = PubSubErrors.code(failure);
        return code == null ? null : code.name();
    }

    @Override
    public void shutdown(Duration timeout) throws InterruptedException {
        publisher.shutdown();
        publisher.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void release() {
        transport.close();
    }
}
