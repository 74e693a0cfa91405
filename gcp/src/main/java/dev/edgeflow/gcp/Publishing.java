package dev.edgeflow.gcp;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** How a {@link PubSubSink} gets messages to the service: the gRPC {@code Publisher}, or {@link RestPublisher}. */
interface Publishing {
    /**
     * Publishes a message, blocking while flow control is full.
     *
     * @return completes with the message's id, or with the failure
     * @throws IllegalStateException if the publisher was shut down
     */
    CompletableFuture<String> publish(OutgoingMessage message);

    /** Sends what is batched now. */
    void publishAllOutstanding();

    /** Called once per failed send that had an ordering key, after the failure was seen. */
    void failedWithKey(String orderingKey);

    /**
     * The status a failure carries, such as {@code INVALID_ARGUMENT}.
     *
     * @return the status's name, or null if it has none
     */
    String status(Throwable failure);

    /**
     * Refuses new messages, sends what is batched and waits for the unconfirmed sends, up to
     * the timeout. May block longer (the gRPC client can); the caller bounds it.
     */
    void shutdown(Duration timeout) throws InterruptedException;

    /** Releases the connection and threads, after {@link #shutdown} returned or its deadline passed. */
    void release();
}
