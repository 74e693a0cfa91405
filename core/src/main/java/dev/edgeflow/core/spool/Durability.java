package dev.edgeflow.core.spool;

import java.time.Duration;

/**
 * When an append to a {@link Spool} counts as durable, and so when its future completes.
 *
 * <p>Forcing a file to the storage device ({@code fsync}) is what makes a record survive a
 * power loss, and it is the expensive part of an append: a few hundred to a few thousand a
 * second on ordinary disks and SD cards. The modes differ in how many records share one.
 *
 * @since 0.1.0
 */
public enum Durability {
    /**
     * Each record is written and forced to the device on its own before its append
     * completes: one {@code fsync} per record. Survives a crash of the process and a power
     * loss; the slowest mode by far.
     */
    ALWAYS,
    /**
     * Group commit, the default. The spool's writer thread writes every append that queued up
     * while it was busy as one write, the file is forced once for everything written since the
     * last force, then all of them complete. When more appends wait, the spool's sync thread
     * forces while the writer already writes the next batch.
     * Survives a crash of the process and a power loss, like {@link #ALWAYS}, at a fraction
     * of the cost when appends come faster than the disk can force.
     */
    BATCH,
    /**
     * An append completes once its record is written to the operating system, not forced;
     * the writer forces the file every {@link Spool.Builder#fsyncInterval(Duration)} (200 ms
     * by default). Survives a crash of the process, because the operating system still has
     * the data. A power loss or a kernel crash can lose the appends of up to the last
     * interval even though their futures completed: choose it only where that is acceptable.
     */
    INTERVAL
}
