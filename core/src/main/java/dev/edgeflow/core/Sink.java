package dev.edgeflow.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where messages go.
 *
 * <p>{@link #send(Message)} returns at once; its completion means the far side has the message
 * (an MQTT PUBACK, a Pub/Sub message id, bytes handed to the file system). A send that can
 * never succeed completes with {@link MessageRejectedException}; any other exceptional
 * completion may be retried. A sink may be called from several threads at once. It does
 * not cap its own sends in flight: the pipeline does.
 *
 * @since 0.1.0
 */
public interface Sink extends AutoCloseable {

    /**
     * Returns a name for logs and stats.
     *
     * @return a short name, such as {@code pubsub:projects/p/topics/t}; never a secret
     */
    String name();

    /**
     * Sends one message.
     *
     * @param message the message
     * @return completes when the far side has the message, or exceptionally with the reason it
     *     does not; never {@code null}. A sink that is closed completes exceptionally with
     *     {@link IllegalStateException}.
     */
    CompletionStage<Void> send(Message message);

    /**
     * Sends several messages; a sink whose service takes batches sends them as one.
     *
     * @param messages the messages, in order
     * @return one completion per message, in the same order
     */
    default List<CompletionStage<Void>> sendBatch(List<Message> messages) {
        List<CompletionStage<Void>> results = new ArrayList<>(messages.size());
        for (Message m : messages) {
            results.add(send(m));
        }
        return results;
    }

    /**
     * Pushes out whatever the sink holds back (a batch, a write buffer).
     *
     * @return completes when everything sent before this call has completed
     */
    default CompletionStage<Void> flush() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Flushes what it can, then releases the sink's threads, files and connections. Sends after
     * close complete exceptionally. Idempotent; does not throw.
     */
    @Override
    void close();
}
