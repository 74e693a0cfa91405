package dev.edgeflow.core.spool.internal;

import dev.edgeflow.core.Message;
import java.util.concurrent.CompletableFuture;

/**
 * An append on its way to disk, and the future its caller holds: one object per append
 * instead of a future plus a queue entry.
 */
final class PendingAppend extends CompletableFuture<Long> {
    final Message message;
    /** Bytes of the whole record: header and encoded message. */
    final int recordBytes;
    long sequence;

    PendingAppend(Message message, int recordBytes) {
        this.message = message;
        this.recordBytes = recordBytes;
    }
}
