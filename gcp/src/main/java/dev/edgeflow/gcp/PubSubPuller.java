package dev.edgeflow.gcp;

import com.google.api.gax.grpc.GrpcCallContext;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.DeadlineExceededException;
import com.google.cloud.pubsub.v1.stub.GrpcSubscriberStub;
import com.google.cloud.pubsub.v1.stub.SubscriberStub;
import com.google.cloud.pubsub.v1.stub.SubscriberStubSettings;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import dev.edgeflow.core.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Synchronous pull with explicit acknowledgement: the seed's {@code subscriber.pull(...)} then
 * {@code subscriber.acknowledge(...)}, for scripts, tools and tests. A pipeline uses
 * {@link PubSubSource} instead, which streams and follows demand.
 *
 * <pre>{@code
 * try (PubSubPuller puller = PubSubPuller.open(connection, "iot-sensor-sub")) {
 *     List<PubSubPuller.Pulled> batch = puller.pull(10);
 *     for (PubSubPuller.Pulled p : batch) {
 *         System.out.println(p.message().payloadAsString());
 *     }
 *     puller.ack(batch);
 * }
 * }</pre>
 *
 * <p>A pulled message that is neither acked nor nacked is delivered again after the
 * subscription's ack deadline. Thread-safe.
 *
 * @since 0.1.0
 */
public final class PubSubPuller implements AutoCloseable {
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);
    private final PubSubConnection connection;
    private final ProjectSubscriptionName subscription;
    private final GrpcTransport transport;
    private final SubscriberStub stub;

    private PubSubPuller(PubSubConnection connection, String subscriptionId) throws IOException {
        this.connection = connection;
        this.subscription = ProjectSubscriptionName.of(connection.projectId(),
                PubSubAdmin.checkId(subscriptionId, "subscription"));
        this.transport = GrpcTransport.open(connection);
        try {
            this.stub = GrpcSubscriberStub.create(SubscriberStubSettings.newBuilder()
                    .setTransportChannelProvider(transport.channels)
                    .setCredentialsProvider(transport.credentials)
                    .build());
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /**
     * Opens a puller on a subscription.
     *
     * @param connection the project and where to reach it
     * @param subscriptionId such as {@code iot-sensor-sub}
     * @return the puller; close it
     * @throws IllegalArgumentException if the id is not valid
     * @throws PubSubException if the credentials cannot be loaded or the client cannot start
     */
    public static PubSubPuller open(PubSubConnection connection, String subscriptionId) {
        Objects.requireNonNull(connection, "connection");
        try {
            return new PubSubPuller(connection, subscriptionId);
        } catch (IOException e) {
            throw new PubSubException("cannot start a Pub/Sub subscriber client for " + subscriptionId + " ("
                    + connection + "): " + e.getMessage(), e);
        }
    }

    /**
     * Pulls up to {@code max} messages, waiting up to 10 s for the service's answer.
     *
     * @param max 1 to 1000
     * @return the messages pulled, possibly none (also when the wait ran out)
     * @throws PubSubException if the subscription does not exist, permission is denied or the
     *     endpoint does not answer
     */
    public List<Pulled> pull(int max) {
        return pull(max, DEFAULT_WAIT);
    }

    /**
     * Pulls up to {@code max} messages, waiting at most {@code wait} for the service's answer.
     * The answer may hold fewer than are there, or none; an empty subscription is answered
     * only when the wait runs out (the emulator's way) or at once (the service's).
     *
     * @param max 1 to 1000
     * @param wait how long to wait for the answer, 100 ms to 10 min
     * @return the messages pulled, possibly none
     * @throws PubSubException if the subscription does not exist, permission is denied or the
     *     endpoint does not answer
     */
    public List<Pulled> pull(int max, Duration wait) {
        PubSubSink.Builder.range("max", max, 1, 1000);
        Objects.requireNonNull(wait, "wait");
        if (wait.compareTo(Duration.ofMillis(100)) < 0 || wait.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("wait is " + wait + ": give 100 ms to 10 min");
        }
        PullResponse r;
        try {
            r = stub.pullCallable().call(PullRequest.newBuilder()
                    .setSubscription(subscription.toString()).setMaxMessages(max).build(),
                    GrpcCallContext.createDefault().withTimeoutDuration(wait));
        } catch (DeadlineExceededException e) {
            return List.of(); // nothing came within the wait
        } catch (ApiException e) {
            throw PubSubErrors.describe(e, "subscription", subscription.toString(), connection);
        }
        List<Pulled> out = new ArrayList<>(r.getReceivedMessagesCount());
        for (ReceivedMessage m : r.getReceivedMessagesList()) {
            Message message = PubSubSource.toMessage(m.getMessage(), subscription.getSubscription(), null);
            out.add(new Pulled(message, m.getAckId(), m.getDeliveryAttempt()));
        }
        return out;
    }

    /**
     * Pulls until at least {@code count} messages are pulled or the timeout passes.
     *
     * @param count how many are wanted
     * @param timeout how long to keep pulling
     * @return what was pulled, possibly fewer than {@code count}
     */
    public List<Pulled> pullAtLeast(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Pulled> out = new ArrayList<>();
        long left;
        while (out.size() < count && (left = deadline - System.nanoTime()) > 0) {
            Duration wait = Duration.ofNanos(Math.max(left, Duration.ofMillis(100).toNanos()));
            out.addAll(pull(Math.min(1000, Math.max(1, count - out.size())), wait.compareTo(DEFAULT_WAIT) > 0
                    ? DEFAULT_WAIT : wait));
        }
        return out;
    }

    /**
     * Acknowledges messages: they are not delivered again.
     *
     * @param pulled messages from {@link #pull(int)}
     * @throws PubSubException if the service refuses
     */
    public void ack(Collection<Pulled> pulled) {
        if (pulled.isEmpty()) {
            return;
        }
        try {
            stub.acknowledgeCallable().call(AcknowledgeRequest.newBuilder().setSubscription(subscription.toString())
                    .addAllAckIds(ackIds(pulled)).build());
        } catch (ApiException e) {
            throw PubSubErrors.describe(e, "subscription", subscription.toString(), connection);
        }
    }

    /**
     * Gives messages back at once: they are delivered again.
     *
     * @param pulled messages from {@link #pull(int)}
     * @throws PubSubException if the service refuses
     */
    public void nack(Collection<Pulled> pulled) {
        if (pulled.isEmpty()) {
            return;
        }
        try {
            stub.modifyAckDeadlineCallable().call(ModifyAckDeadlineRequest.newBuilder()
                    .setSubscription(subscription.toString()).addAllAckIds(ackIds(pulled))
                    .setAckDeadlineSeconds(0).build());
        } catch (ApiException e) {
            throw PubSubErrors.describe(e, "subscription", subscription.toString(), connection);
        }
    }

    private static List<String> ackIds(Collection<Pulled> pulled) {
        List<String> ids = new ArrayList<>(pulled.size());
        for (Pulled p : pulled) {
            ids.add(p.ackId);
        }
        return ids;
    }

    /** Closes the client and its channel. */
    @Override
    public void close() {
        stub.close();
        try {
            stub.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
    }

    /** A pulled message and what acks it. */
    public static final class Pulled {
        private final Message message;
        private final String ackId;
        private final int deliveryAttempt;

        Pulled(Message message, String ackId, int deliveryAttempt) {
            this.message = message;
            this.ackId = ackId;
            this.deliveryAttempt = deliveryAttempt;
        }

        /**
         * Returns the message, converted as {@link PubSubSource} converts it.
         *
         * @return the message
         */
        public Message message() {
            return message;
        }

        /**
         * Returns the delivery attempt, if the subscription has a dead-letter policy.
         *
         * @return 1 for the first delivery, or 0 if the service does not count
         */
        public int deliveryAttempt() {
            return deliveryAttempt;
        }
    }
}
