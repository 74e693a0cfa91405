package dev.edgeflow.gcp;

import com.google.protobuf.Empty;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.StreamingPullRequest;
import com.google.pubsub.v1.StreamingPullResponse;
import com.google.pubsub.v1.SubscriberGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Pub/Sub server in the test's own process, on a loopback port, for the failures the emulator
 * cannot produce: UNAVAILABLE for the first calls, acknowledgements that take seconds, a publish
 * that fails for one ordering key. Implements only what the client's Publisher and Subscriber use.
 */
final class FakePubSub implements AutoCloseable {
    /** Publish calls to answer with UNAVAILABLE before answering normally. */
    final AtomicInteger unavailablePublishes = new AtomicInteger();
    /** Streaming pulls to end with UNAVAILABLE before serving one. */
    final AtomicInteger unavailablePulls = new AtomicInteger();
    /** Milliseconds each Acknowledge call waits before it answers. */
    final AtomicLong ackDelayMillis = new AtomicLong();
    /** Publishes carrying this ordering key fail (FAILED_PRECONDITION), as many times as {@link #keyFailures}. */
    volatile String failingKey;
    /** When set, every publish and pull is refused with PERMISSION_DENIED. */
    volatile boolean denyAll;
    final AtomicInteger keyFailures = new AtomicInteger();

    /** Every message stored, in the order the server took them. */
    final List<PubsubMessage> published = new CopyOnWriteArrayList<>();
    final AtomicInteger publishCalls = new AtomicInteger();
    /** Ack ids acknowledged. */
    final Set<String> acked = ConcurrentHashMap.newKeySet();
    final AtomicInteger pullsOpened = new AtomicInteger();

    private final List<PubsubMessage> toDeliver = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Server server;
    private final AtomicInteger nextId = new AtomicInteger();

    FakePubSub() throws IOException {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(new Publisher())
                .addService(new Subscriber())
                .build()
                .start();
    }

    /** Where a {@link PubSubConnection} reaches it, as an emulator. */
    String hostPort() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Messages every streaming pull opened from now on delivers, and redelivers until acked. */
    void deliver(List<PubsubMessage> messages) {
        toDeliver.addAll(messages);
    }

    @Override
    public void close() {
        server.shutdownNow();
        timer.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Publisher extends PublisherGrpc.PublisherImplBase {
        @Override
        public void publish(PublishRequest request, StreamObserver<PublishResponse> response) {
            publishCalls.incrementAndGet();
            if (denyAll) {
                response.onError(Status.PERMISSION_DENIED.withDescription("fake: caller lacks pubsub.topics.publish")
                        .asRuntimeException());
                return;
            }
            if (unavailablePublishes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                response.onError(Status.UNAVAILABLE.withDescription("fake: not now").asRuntimeException());
                return;
            }
            String key = failingKey;
            if (key != null && !request.getMessagesList().isEmpty()
                    && key.equals(request.getMessages(0).getOrderingKey())
                    && keyFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                response.onError(Status.FAILED_PRECONDITION.withDescription("fake: key " + key + " failed")
                        .asRuntimeException());
                return;
            }
            PublishResponse.Builder r = PublishResponse.newBuilder();
            for (PubsubMessage m : request.getMessagesList()) {
                published.add(m);
                r.addMessageIds(Integer.toString(nextId.incrementAndGet()));
            }
            response.onNext(r.build());
            response.onCompleted();
        }
    }

    private final class Subscriber extends SubscriberGrpc.SubscriberImplBase {
        @Override
        public StreamObserver<StreamingPullRequest> streamingPull(StreamObserver<StreamingPullResponse> response) {
            pullsOpened.incrementAndGet();
            return new StreamObserver<>() {
                private boolean started;

                @Override
                public void onNext(StreamingPullRequest request) {
                    if (started) {
                        return; // later requests carry acks and deadlines; the client sends those as unary calls too
                    }
                    started = true;
                    if (denyAll) {
                        response.onError(Status.PERMISSION_DENIED.withDescription("fake: caller lacks "
                                + "pubsub.subscriptions.consume").asRuntimeException());
                        return;
                    }
                    if (unavailablePulls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        response.onError(Status.UNAVAILABLE.withDescription("fake: pull not now")
                                .asRuntimeException());
                        return;
                    }
                    List<ReceivedMessage> batch = new ArrayList<>();
                    for (PubsubMessage m : toDeliver) {
                        if (!acked.contains("ack-" + m.getMessageId())) {
                            batch.add(ReceivedMessage.newBuilder().setAckId("ack-" + m.getMessageId())
                                    .setMessage(m).build());
                        }
                    }
                    synchronized (response) {
                        response.onNext(StreamingPullResponse.newBuilder().addAllReceivedMessages(batch).build());
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    synchronized (response) {
                        response.onCompleted();
                    }
                }
            };
        }

        @Override
        public void acknowledge(AcknowledgeRequest request, StreamObserver<Empty> response) {
            long delay = ackDelayMillis.get();
            Runnable answer = () -> {
                acked.addAll(request.getAckIdsList());
                response.onNext(Empty.getDefaultInstance());
                response.onCompleted();
            };
            if (delay > 0) {
                timer.schedule(answer, delay, TimeUnit.MILLISECONDS);
            } else {
                answer.run();
            }
        }

        @Override
        public void modifyAckDeadline(ModifyAckDeadlineRequest request, StreamObserver<Empty> response) {
            response.onNext(Empty.getDefaultInstance());
            response.onCompleted();
        }
    }
}
