package dev.edgeflow.core.spool;

import java.time.Duration;

/**
 * A snapshot of a spool's levels and counters. Totals count since the spool was opened;
 * {@code corruptSkipped} includes what the recovery on open found.
 *
 * @param bytes bytes the spool's segment files take on disk: what {@code maxBytes} bounds.
 *     Space is freed by whole segments, so confirmed records of a segment that still holds
 *     unconfirmed ones are counted here until the whole segment is confirmed
 * @param records records held and not yet confirmed, whether handed out or not
 * @param segments segment files held
 * @param oldestRecordAge time since the oldest unconfirmed record was appended, by the
 *     spool's clock; zero when there is none
 * @param appended appends that completed successfully
 * @param confirmed records confirmed: counted once every record before them is confirmed too
 * @param dropped unconfirmed records deleted to make room under
 *     {@link SpoolFullPolicy#DROP_OLDEST}
 * @param corruptSkipped damaged records skipped when reading: each run of damaged bytes
 *     between two intact records counts as one
 * @param handedOut records handed out by {@link Spool#poll(int)}, counting those handed out
 *     again after {@link Spool#rewind()}
 * @param handedOutPerSecond records handed out per second, measured over the last full
 *     second in which {@code poll} was called; zero when it was not called for two seconds
 * @param pendingAppends appends accepted whose futures have not completed yet, including
 *     those waiting for room under {@link SpoolFullPolicy#BACKPRESSURE}
 * @since 0.1.0
 */
public record SpoolStats(
        long bytes,
        long records,
        int segments,
        Duration oldestRecordAge,
        long appended,
        long confirmed,
        long dropped,
        long corruptSkipped,
        long handedOut,
        double handedOutPerSecond,
        long pendingAppends) {
}
