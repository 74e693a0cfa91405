package dev.edgeflow.core.spool.internal;

import dev.edgeflow.core.spool.Durability;
import dev.edgeflow.core.spool.SpoolFullPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * A spool's settings, checked by {@code Spool.Builder}.
 *
 * @param directory the spool directory, absolute
 * @param maxBytes the most bytes of segment files
 * @param segmentBytes the size at which a segment is closed and a new one started
 * @param durability when an append is durable
 * @param fsyncInterval how often {@link Durability#INTERVAL} forces
 * @param cursorInterval how often a changed confirmed cursor is saved
 * @param whenFull what happens at maxBytes
 * @param clock the clock for append times
 * @param opener how files are opened
 * @param log where the spool reports
 */
public record SpoolConfig(
        Path directory,
        long maxBytes,
        int segmentBytes,
        Durability durability,
        Duration fsyncInterval,
        Duration cursorInterval,
        SpoolFullPolicy whenFull,
        Clock clock,
        ChannelOpener opener,
        Logger log) {
}
