package dev.edgeflow.core.spool;

import dev.edgeflow.core.Message;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A process for {@link SpoolCrashTest}: appends {@code args[1]} readings to the spool in
 * {@code args[0]}, confirms the first {@code args[2]}, appends one large message that makes the
 * spool start a segment (which saves the cursor), prints "ready" and waits to be killed.
 * With {@code args[3]}, it first appends and confirms that many readings, so that segments are
 * reused by the time the readings that stay are appended (numbered from {@code args[3]}).
 */
public final class SpoolCrashWriter {
    static final int SEGMENT_BYTES = 4096;

    private SpoolCrashWriter() {
    }

    public static void main(String[] args) throws IOException {
        int appends = Integer.parseInt(args[1]);
        int confirms = Integer.parseInt(args[2]);
        int cycled = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        Spool spool = Spool.builder(Path.of(args[0])).segmentBytes(SEGMENT_BYTES).open();
        for (int i = 0; i < cycled; i += 40) {
            SpoolFixtures.appendAll(spool, SpoolFixtures.readings(i, Math.min(cycled, i + 40)));
            SpoolFixtures.drain(spool).forEach(r -> spool.confirm(r.sequence()));
        }
        SpoolFixtures.appendAll(spool, SpoolFixtures.readings(cycled, cycled + appends));
        List<SpoolRecord> records = SpoolFixtures.drain(spool);
        records.subList(0, confirms).forEach(r -> spool.confirm(r.sequence()));
        SpoolFixtures.done(spool.append(large()));
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // killed here, the spool never closed
        }
    }

    static Message large() {
        return Message.builder("sensor/camera").id("large").payload(new byte[SEGMENT_BYTES - 200])
                .timestamp(Instant.EPOCH).build();
    }
}
