package dev.edgeflow.core.spool;

import dev.edgeflow.core.Message;
import java.time.Instant;

/**
 * One record handed out by {@link Spool#poll(int)}: a message as it was appended, with the
 * sequence number that {@link Spool#confirm(long)} takes.
 *
 * @param sequence the record's sequence number; sequence numbers grow in append order and
 *     are never reused within a spool directory, but need not be contiguous
 * @param message the message, with every field as it was appended
 * @param appendedAt when the spool wrote the record, by the spool's clock, to the millisecond
 * @since 0.1.0
 */
public record SpoolRecord(long sequence, Message message, Instant appendedAt) {
}
