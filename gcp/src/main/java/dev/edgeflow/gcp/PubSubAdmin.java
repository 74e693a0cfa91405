package dev.edgeflow.gcp;

import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.SubscriptionName;
import com.google.pubsub.v1.TopicName;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and deletes topics and subscriptions: the seed's {@code gcloud pubsub topics create
 * iot-sensor-data} and {@code gcloud pubsub subscriptions create iot-sensor-sub
 * --topic=iot-sensor-data}, in Java. Each method is idempotent where its name says so, and
 * reports what it did.
 *
 * <pre>{@code
 * try (PubSubAdmin admin = PubSubAdmin.open(connection)) {
 *     admin.createTopicIfMissing("iot-sensor-data");
 *     admin.createSubscriptionIfMissing("iot-sensor-sub", "iot-sensor-data", Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class PubSubAdmin implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PubSubAdmin.class);
    /** Topic and subscription ids: 3 to 255 characters, starting with a letter, not "goog". */
    private static final Pattern RESOURCE_ID = Pattern.compile("[A-Za-z][A-Za-z0-9\\-_.~+%]{2,254}");

    private final PubSubConnection connection;
    private final GrpcTransport transport;
    private final TopicAdminClient topics;
    private final SubscriptionAdminClient subscriptions;

    private PubSubAdmin(PubSubConnection connection) throws IOException {
        this.connection = connection;
        this.transport = GrpcTransport.open(connection);
        try {
            this.topics = TopicAdminClient.create(TopicAdminSettings.newBuilder()
                    .setTransportChannelProvider(transport.channels)
                    .setCredentialsProvider(transport.credentials).build());
            this.subscriptions = SubscriptionAdminClient.create(SubscriptionAdminSettings.newBuilder()
                    .setTransportChannelProvider(transport.channels)
                    .setCredentialsProvider(transport.credentials).build());
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /**
     * Opens admin clients on a connection.
     *
     * @param connection the project and where to reach it
     * @return the admin; close it
     * @throws PubSubException if the credentials cannot be loaded or the clients cannot start
     */
    public static PubSubAdmin open(PubSubConnection connection) {
        Objects.requireNonNull(connection, "connection");
        try {
            return new PubSubAdmin(connection);
        } catch (IOException e) {
            throw new PubSubException("cannot start the Pub/Sub admin clients for " + connection + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Creates a topic unless it exists.
     *
     * @param topicId such as {@code iot-sensor-data}
     * @return {@code true} if it was created, {@code false} if it was there
     * @throws IllegalArgumentException if the id is not a valid topic id
     * @throws PubSubException if the service refuses (permission denied, unreachable, ...)
     */
    public boolean createTopicIfMissing(String topicId) {
        TopicName name = TopicName.of(connection.projectId(), checkId(topicId, "topic"));
        try {
            topics.createTopic(name);
            log.info("Pub/Sub topic {} created ({})", name, connection);
            return true;
        } catch (AlreadyExistsException e) {
            log.debug("Pub/Sub topic {} exists", name);
            return false;
        } catch (RuntimeException e) {
            throw PubSubErrors.describe(e, "topic", name.toString(), connection);
        }
    }

    /**
     * Tells whether a topic exists.
     *
     * @param topicId the topic's id
     * @return whether it exists
     * @throws PubSubException if the service cannot be asked
     */
    public boolean topicExists(String topicId) {
        TopicName name = TopicName.of(connection.projectId(), checkId(topicId, "topic"));
        try {
            topics.getTopic(name);
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            throw PubSubErrors.describe(e, "topic", name.toString(), connection);
        }
    }

    /**
     * Creates a pull subscription on a topic unless it exists.
     *
     * @param subscriptionId such as {@code iot-sensor-sub}
     * @param topicId the topic it receives from, which must exist
     * @param ackDeadline from 10 s to 600 s: how long a message may stay unacknowledged before
     *     it is delivered again (the subscriber extends it while the pipeline works on it)
     * @return {@code true} if it was created, {@code false} if it was there
     * @throws IllegalArgumentException if an id or the deadline is not valid
     * @throws PubSubException if the topic does not exist or the service refuses
     */
    public boolean createSubscriptionIfMissing(String subscriptionId, String topicId, Duration ackDeadline) {
        return createSubscriptionIfMissing(subscriptionId, topicId, ackDeadline, false, false);
    }

    /**
     * Creates a pull subscription unless it exists, with message ordering or exactly-once
     * delivery turned on as asked.
     *
     * @param subscriptionId such as {@code iot-sensor-sub}
     * @param topicId the topic it receives from, which must exist
     * @param ackDeadline from 10 s to 600 s
     * @param ordering deliver messages with the same ordering key in order
     * @param exactlyOnce exactly-once delivery: an acknowledged message is not delivered again
     * @return {@code true} if it was created, {@code false} if it was there (its settings are
     *     left as they are)
     * @throws IllegalArgumentException if an id or the deadline is not valid
     * @throws PubSubException if the topic does not exist or the service refuses
     */
    public boolean createSubscriptionIfMissing(String subscriptionId, String topicId, Duration ackDeadline,
            boolean ordering, boolean exactlyOnce) {
        SubscriptionName name = SubscriptionName.of(connection.projectId(), checkId(subscriptionId, "subscription"));
        TopicName topic = TopicName.of(connection.projectId(), checkId(topicId, "topic"));
        Objects.requireNonNull(ackDeadline, "ackDeadline");
        if (ackDeadline.compareTo(Duration.ofSeconds(10)) < 0 || ackDeadline.compareTo(Duration.ofSeconds(600)) > 0) {
            throw new IllegalArgumentException("ackDeadline is " + ackDeadline + ": give 10 s to 600 s");
        }
        try {
            subscriptions.createSubscription(Subscription.newBuilder()
                    .setName(name.toString())
                    .setTopic(topic.toString())
                    .setAckDeadlineSeconds((int) ackDeadline.toSeconds())
                    .setEnableMessageOrdering(ordering)
                    .setEnableExactlyOnceDelivery(exactlyOnce)
                    .build());
            log.info("Pub/Sub subscription {} on {} created ({})", name, topic, connection);
            return true;
        } catch (AlreadyExistsException e) {
            log.debug("Pub/Sub subscription {} exists", name);
            return false;
        } catch (NotFoundException e) {
            throw PubSubErrors.describe(e, "topic", topic.toString(), connection);
        } catch (RuntimeException e) {
            throw PubSubErrors.describe(e, "subscription", name.toString(), connection);
        }
    }

    /**
     * Deletes a subscription if it exists.
     *
     * @param subscriptionId the subscription's id
     * @return whether it existed
     * @throws PubSubException if the service refuses
     */
    public boolean deleteSubscriptionIfExists(String subscriptionId) {
        SubscriptionName name = SubscriptionName.of(connection.projectId(), checkId(subscriptionId, "subscription"));
        try {
            subscriptions.deleteSubscription(name);
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            throw PubSubErrors.describe(e, "subscription", name.toString(), connection);
        }
    }

    /**
     * Deletes a topic if it exists. Its subscriptions stay, detached.
     *
     * @param topicId the topic's id
     * @return whether it existed
     * @throws PubSubException if the service refuses
     */
    public boolean deleteTopicIfExists(String topicId) {
        TopicName name = TopicName.of(connection.projectId(), checkId(topicId, "topic"));
        try {
            topics.deleteTopic(name);
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            throw PubSubErrors.describe(e, "topic", name.toString(), connection);
        }
    }

    static String checkId(String id, String kind) {
        Objects.requireNonNull(id, kind + "Id");
        if (!RESOURCE_ID.matcher(id).matches() || id.startsWith("goog")) {
            throw new IllegalArgumentException(kind + " id '" + id + "' is not valid: give 3 to 255 letters, digits "
                    + "and - _ . ~ + %, starting with a letter and not with 'goog' (such as iot-sensor-data); give "
                    + "the id alone, not projects/.../" + kind + "s/...");
        }
        return id;
    }

    /** Closes the clients and their channel. Idempotent. */
    @Override
    public void close() {
        topics.close();
        subscriptions.close();
        try {
            topics.awaitTermination(5, TimeUnit.SECONDS);
            subscriptions.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
    }
}
