package dev.edgeflow.core.internal;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Message ids: a random per-process prefix and a counter. Unique across restarts with
 * overwhelming probability, ordered within a process, and far cheaper than a random UUID
 * per message on the hot path.
 */
public final class Ids {
    private static final String PREFIX;
    private static final AtomicLong COUNTER = new AtomicLong();

    static {
        byte[] bytes = new byte[8];
        new SecureRandom().nextBytes(bytes);
        StringBuilder sb = new StringBuilder(17);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        PREFIX = sb.append('-').toString();
    }

    private Ids() {
    }

    /**
     * Returns a new id.
     *
     * @return an id such as {@code 3f2a9c01d4e5b6a7-1a}
     */
    public static String next() {
        return PREFIX.concat(Long.toString(COUNTER.incrementAndGet(), 36));
    }
}
