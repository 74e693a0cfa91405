package dev.edgeflow.benchmarks.spool;

import dev.edgeflow.core.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;

/**
 * The records both stores get: sensor readings with a JSON payload of exactly
 * {@value #PAYLOAD_BYTES} bytes, one header, on {@code sensor/device-NNN/temperature} for 64
 * devices. {@value #DISTINCT} distinct messages are built once and handed out round robin, so
 * that building them is not measured and no store sees the same object twice in a row.
 */
final class Readings {
    static final int PAYLOAD_BYTES = 200;
    static final int DISTINCT = 4096;
    static final String HEADER_NAME = "content-type";
    static final String HEADER_VALUE = "application/json";

    private final Message[] messages = new Message[DISTINCT];
    private int next;

    Readings() {
        Instant start = Instant.parse("2025-11-27T12:00:00.123456789Z");
        for (int i = 0; i < DISTINCT; i++) {
            int device = i % 64;
            messages[i] = Message.builder(String.format(Locale.ROOT, "sensor/device-%03d/temperature", device))
                    .payload(payload(device, i))
                    .header(HEADER_NAME, HEADER_VALUE)
                    .timestamp(start.plusMillis(i * 10L))
                    .build();
        }
    }

    /** The next message, round robin. Not thread-safe: one instance per benchmark thread. */
    Message next() {
        Message m = messages[next];
        next = (next + 1) & (DISTINCT - 1);
        return m;
    }

    private static byte[] payload(int device, int i) {
        String head = String.format(Locale.ROOT,
                "{\"device\":\"device-%03d\",\"reading\":%d,\"celsius\":%.2f,\"battery\":%d,\"note\":\"",
                device, i, 18 + (i % 700) / 100.0, 100 - i % 100);
        StringBuilder sb = new StringBuilder(PAYLOAD_BYTES).append(head);
        while (sb.length() < PAYLOAD_BYTES - 2) {
            sb.append((char) ('a' + (sb.length() * 7 + i) % 26));
        }
        byte[] bytes = sb.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length != PAYLOAD_BYTES) {
            throw new IllegalStateException("payload of reading " + i + " is " + bytes.length + " bytes, not "
                    + PAYLOAD_BYTES);
        }
        return bytes;
    }
}
