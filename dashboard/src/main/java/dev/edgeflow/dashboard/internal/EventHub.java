package dev.edgeflow.dashboard.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands each published event to every connected stream client. Publishing serialises the event
 * once and offers it to each client's bounded queue; it never waits for a client's socket.
 */
final class EventHub {
    private final Set<StreamClient> clients = ConcurrentHashMap.newKeySet();
    private final Semaphore slots;
    private final int queueCapacity;
    private final Duration heartbeat;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    EventHub(int maxClients, int queueCapacity, Duration heartbeat) {
        this.slots = new Semaphore(maxClients);
        this.queueCapacity = queueCapacity;
        this.heartbeat = heartbeat;
    }

    void publish(String event, JsonNode data) {
        if (clients.isEmpty()) {
            return;
        }
        byte[] frame = ("event: " + event + "\ndata: " + Json.text(data) + "\n\n").getBytes(StandardCharsets.UTF_8);
        for (StreamClient client : clients) {
            client.offer(frame);
        }
    }

    /** Returns a new client, or empty when the hub is full or closed. */
    Optional<StreamClient> connect() {
        if (closed || !slots.tryAcquire()) {
            return Optional.empty();
        }
        StreamClient client = new StreamClient(queueCapacity, heartbeat, dropped);
        clients.add(client);
        if (closed) {
            // close() ran between the check and the add, and may have missed this client.
            client.close();
        }
        return Optional.of(client);
    }

    void disconnect(StreamClient client) {
        if (clients.remove(client)) {
            slots.release();
        }
    }

    int clientCount() {
        return clients.size();
    }

    long droppedCount() {
        return dropped.get();
    }

    void close() {
        closed = true;
        clients.forEach(StreamClient::close);
    }
}
