package dev.edgeflow.gcp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes over Pub/Sub's REST API with the same contract as the client library's publisher:
 *
 * <ul>
 *   <li><b>Batches</b> per ordering key (all unordered messages share one), sent when they hold
 *       {@code batchMessages} messages or {@code batchBytes} bytes, or {@code batchDelay} after
 *       their first message.</li>
 *   <li><b>Flow control</b>: {@link #publish} blocks while {@code maxOutstandingMessages}
 *       messages or {@code maxOutstandingBytes} bytes are unconfirmed.</li>
 *   <li><b>Order</b>: one batch of a key is on the wire at a time, the next one after it was
 *       confirmed. When a key's batch fails for good, the key's batches behind it fail too
 *       (sending them would break the order); the key's next message starts afresh.</li>
 *   <li><b>Retries</b> on 429, 5xx, timeouts and connection failures, with backoff from
 *       100 ms doubling to 10 s (with jitter), for up to {@code retryTimeout} from the first
 *       attempt; each attempt gets at most 60 s.</li>
 *   <li><b>Rejections</b>: a batch the service refuses as invalid is sent again one message per
 *       request, so that only the invalid message fails with {@code INVALID_ARGUMENT}.</li>
 * </ul>
 */
final class RestPublisher implements Publishing {
    private static final Logger log = LoggerFactory.getLogger(RestPublisher.class);
    private static final String UNORDERED = "";
    private static final Duration MAX_ATTEMPT = Duration.ofSeconds(60);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final PubSubRestClient client;
    private final PubSubConnection connection;
    private final String topicPath;
    private final PubSubSink.Settings settings;
    private final ScheduledThreadPoolExecutor executor;

    private final Object lock = new Object();
    /** Guarded by {@link #lock}: each ordering key's batches. */
    private final Map<String, Lane> lanes = new HashMap<>();
    /** Guarded by {@link #lock}. */
    private long outstandingMessages;
    /** Guarded by {@link #lock}. */
    private long outstandingBytes;
    /** Guarded by {@link #lock}. */
    private boolean shutDown;
    private volatile boolean released;
    private final Set<CompletableFuture<?>> calls = ConcurrentHashMap.newKeySet();

    RestPublisher(PubSubRestClient client, PubSubConnection connection, String topicPath, PubSubSink.Settings settings) {
        this.client = client;
        this.connection = connection;
        this.topicPath = topicPath;
        this.settings = settings;
        String threadName = "edgeflow-pubsub-rest-" + topicPath.substring(topicPath.lastIndexOf('/') + 1) + "-";
        AtomicInteger n = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(settings.threads(), r -> {
            Thread t = new Thread(r, threadName + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true); // a batch sent before its delay cancels its timer
    }

    /** One message on its way, and the future its sender holds. */
    private record Entry(OutgoingMessage message, CompletableFuture<String> result) {
    }

    /** Messages sent in one request. */
    private static final class Batch {
        final String key;
        final List<Entry> entries = new ArrayList<>();
        long bytes;
        ScheduledFuture<?> timer;
        byte[] body;
        long deadline;
        long backoff = FIRST_BACKOFF_NANOS;
        int attempts;

        Batch(String key) {
            this.key = key;
        }

        void add(Entry e) {
            entries.add(e);
            bytes += e.message().bytes();
        }
    }

    /** One ordering key's batches: the one filling, the ones waiting, and whether one is on the wire. */
    private static final class Lane {
        Batch open;
        final ArrayDeque<Batch> waiting = new ArrayDeque<>();
        boolean busy;
    }

    @Override
    public CompletableFuture<String> publish(OutgoingMessage message) {
        CompletableFuture<String> result = new CompletableFuture<>();
        List<Batch> ready = new ArrayList<>(1);
        synchronized (lock) {
            try {
                while (!shutDown && outstandingMessages > 0 && (outstandingMessages >= settings.maxOutstandingMessages()
                        || outstandingBytes + message.bytes() > settings.maxOutstandingBytes())) {
                    lock.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return CompletableFuture.failedFuture(new PubSubException("interrupted while waiting for room among "
                        + "the unconfirmed messages of " + topicPath + "; the message was not sent", e));
            }
            if (shutDown) {
                throw new IllegalStateException("the publisher of " + topicPath + " is shut down");
            }
            outstandingMessages++;
            outstandingBytes += message.bytes();
            String key = message.orderingKey();
            Lane lane = lanes.computeIfAbsent(key, k -> new Lane());
            if (lane.open != null && lane.open.bytes + message.bytes() > settings.batchBytes()) {
                closeOpen(lane, ready);
            }
            if (lane.open == null) {
                Batch b = new Batch(key);
                lane.open = b;
                b.timer = executor.schedule(() -> flushWhenDue(b), settings.batchDelay().toNanos(),
                        TimeUnit.NANOSECONDS);
            }
            lane.open.add(new Entry(message, result));
            if (lane.open.entries.size() >= settings.batchMessages() || lane.open.bytes >= settings.batchBytes()) {
                closeOpen(lane, ready);
            }
        }
        dispatch(ready);
        return result;
    }

    /** Ends the lane's filling batch; adds to {@code ready} what may go on the wire now. */
    private void closeOpen(Lane lane, List<Batch> ready) {
        Batch b = lane.open;
        lane.open = null;
        if (b.timer != null) {
            b.timer.cancel(false);
        }
        if (b.key.equals(UNORDERED)) {
            ready.add(b);
        } else {
            lane.waiting.add(b);
            if (!lane.busy) {
                lane.busy = true;
                ready.add(lane.waiting.poll());
            }
        }
    }

    private void flushWhenDue(Batch b) {
        List<Batch> ready = new ArrayList<>(1);
        synchronized (lock) {
            Lane lane = lanes.get(b.key);
            if (lane != null && lane.open == b) {
                closeOpen(lane, ready);
            }
        }
        dispatch(ready);
    }

    @Override
    public void publishAllOutstanding() {
        List<Batch> ready = new ArrayList<>();
        synchronized (lock) {
            for (Lane lane : lanes.values()) {
                if (lane.open != null) {
                    closeOpen(lane, ready);
                }
            }
        }
        dispatch(ready);
    }

    private void dispatch(List<Batch> ready) {
        for (Batch b : ready) {
            b.deadline = System.nanoTime() + settings.retryTimeout().toNanos();
            run(() -> attempt(b));
        }
    }

    private void run(Runnable task) {
        try {
            executor.execute(task);
        } catch (RuntimeException e) { // released: the sink fails what is unconfirmed
            log.debug("{}: not sending after release: {}", topicPath, e.toString());
        }
    }

    private void attempt(Batch b) {
        if (released) {
            return;
        }
        if (b.body == null) {
            List<OutgoingMessage> messages = new ArrayList<>(b.entries.size());
            for (Entry e : b.entries) {
                messages.add(e.message());
            }
            b.body = PubSubRestClient.publishBody(messages);
        }
        b.attempts++;
        long left = b.deadline - System.nanoTime();
        Duration timeout = Duration.ofNanos(Math.max(left, TimeUnit.MILLISECONDS.toNanos(1)));
        if (timeout.compareTo(MAX_ATTEMPT) > 0) {
            timeout = MAX_ATTEMPT;
        }
        CompletableFuture<byte[]> call = client.call("POST", topicPath + ":publish", b.body, timeout);
        calls.add(call);
        call.whenComplete((body, failure) -> {
            calls.remove(call);
            if (failure == null) {
                confirmed(b, body);
            } else {
                failed(b, failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure);
            }
        });
    }

    private void confirmed(Batch b, byte[] body) {
        List<String> ids;
        try {
            ids = PubSubRestClient.messageIds(body);
        } catch (IOException e) {
            ids = List.of();
        }
        if (ids.size() != b.entries.size()) {
            String text = new String(body, StandardCharsets.UTF_8);
            finish(b, new PubSubException("Pub/Sub answered a publish of " + b.entries.size() + " messages to "
                    + topicPath + " (" + connection + ") with " + ids.size() + " message ids: "
                    + (text.length() > 300 ? text.substring(0, 300) + "..." : text)), null);
            return;
        }
        if (b.attempts > 1) {
            log.info("{}: published {} messages after {} attempts", topicPath, b.entries.size(), b.attempts);
        }
        finish(b, null, ids);
    }

    private void failed(Batch b, Throwable failure) {
        if (released) {
            return;
        }
        String code = PubSubRestClient.Status.codeOf(failure);
        if ("INVALID_ARGUMENT".equals(code) && b.entries.size() > 1) {
            log.debug("{}: a batch of {} was refused as invalid; sending its messages one by one to find the "
                    + "refused ones: {}", topicPath, b.entries.size(), failure.getMessage());
            split(b);
            return;
        }
        if (retryable(failure, code)) {
            long delay = ThreadLocalRandom.current().nextLong(b.backoff / 2, b.backoff + 1);
            if (System.nanoTime() + delay < b.deadline) {
                log.debug("{}: attempt {} of a batch of {} failed, again in {} ms: {}", topicPath, b.attempts,
                        b.entries.size(), TimeUnit.NANOSECONDS.toMillis(delay), failure.toString());
                b.backoff = Math.min(b.backoff * 2, MAX_BACKOFF_NANOS);
                try {
                    executor.schedule(() -> attempt(b), delay, TimeUnit.NANOSECONDS);
                } catch (RuntimeException e) {
                    log.debug("{}: not retrying after release", topicPath);
                }
                return;
            }
            String detail = "gave up after " + b.attempts + " attempts in retryTimeout " + settings.retryTimeout()
                    + "; the last failed with " + (code != null ? code + ": " + failure.getMessage()
                    : failure.toString());
            log.warn("{}: {}", topicPath, detail);
            String as = code == null || code.equals("DEADLINE_EXCEEDED") ? "UNAVAILABLE" : code;
            finish(b, PubSubErrors.describe(failure, as, detail, "topic", topicPath, connection), null);
            return;
        }
        finish(b, failure, null);
    }

    /** Throttled, a server error, or no answer: worth another attempt. */
    private static boolean retryable(Throwable failure, String code) {
        if (failure instanceof PubSubRestClient.Status s) {
            return s.http == 429 || (s.http >= 500 && s.http != 501) || "ABORTED".equals(code)
                    || "UNAVAILABLE".equals(code) || "DEADLINE_EXCEEDED".equals(code);
        }
        return failure instanceof IOException; // refused, reset, timed out, GOAWAY, no access token
    }

    /** Sends each message of a refused batch on its own, in order, in place of the batch. */
    private void split(Batch b) {
        List<Batch> singles = new ArrayList<>(b.entries.size());
        for (Entry e : b.entries) {
            Batch one = new Batch(b.key);
            one.add(e);
            singles.add(one);
        }
        List<Batch> ready = new ArrayList<>();
        synchronized (lock) {
            if (b.key.equals(UNORDERED)) {
                ready.addAll(singles);
            } else {
                Lane lane = lanes.get(b.key);
                for (int i = singles.size() - 1; i > 0; i--) {
                    lane.waiting.addFirst(singles.get(i));
                }
                ready.add(singles.get(0)); // the lane stays busy with it
            }
        }
        dispatch(ready);
    }

    /**
     * Completes a batch: with the ids, or with the failure; frees its room in flow control and
     * starts its key's next batch. A failed key's waiting and filling batches fail with it.
     */
    private void finish(Batch b, Throwable failure, List<String> ids) {
        List<Batch> failedBehind = new ArrayList<>();
        List<Batch> ready = new ArrayList<>(1);
        synchronized (lock) {
            if (!b.key.equals(UNORDERED)) {
                Lane lane = lanes.get(b.key);
                if (failure != null) {
                    failedBehind.addAll(lane.waiting);
                    lane.waiting.clear();
                    if (lane.open != null) {
                        lane.open.timer.cancel(false);
                        failedBehind.add(lane.open);
                        lane.open = null;
                    }
                }
                Batch next = lane.waiting.poll();
                if (next != null) {
                    ready.add(next);
                } else {
                    lane.busy = false;
                    if (lane.open == null) {
                        lanes.remove(b.key);
                    }
                }
            }
        }
        for (int i = 0; i < b.entries.size(); i++) {
            Entry e = b.entries.get(i);
            if (failure == null) {
                e.result().complete(ids.get(i));
            } else {
                e.result().completeExceptionally(failure);
            }
        }
        if (!failedBehind.isEmpty()) {
            PubSubException behind = new PubSubException("not sent to " + topicPath + ": an earlier message with "
                    + "ordering key '" + b.key + "' failed (" + failure.getMessage() + "), and sending the later ones "
                    + "would break the key's order", failure);
            for (Batch f : failedBehind) {
                for (Entry e : f.entries) {
                    e.result().completeExceptionally(behind);
                }
            }
        }
        synchronized (lock) {
            outstandingMessages -= b.entries.size();
            outstandingBytes -= b.bytes;
            for (Batch f : failedBehind) {
                outstandingMessages -= f.entries.size();
                outstandingBytes -= f.bytes;
            }
            lock.notifyAll();
        }
        dispatch(ready);
    }

    @Override
    public void failedWithKey(String orderingKey) {
        // nothing to resume: a failed key takes the next message already
    }

    @Override
    public String status(Throwable failure) {
        return PubSubRestClient.Status.codeOf(failure);
    }

    @Override
    public void shutdown(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            shutDown = true;
            lock.notifyAll(); // senders waiting for room fail
        }
        publishAllOutstanding();
        synchronized (lock) {
            long left;
            while (outstandingMessages > 0 && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
    }

    @Override
    public void release() {
        released = true;
        executor.shutdownNow();
        for (CompletableFuture<?> c : calls) {
            c.cancel(true);
        }
        client.close();
    }
}
