package dev.edgeflow.dashboard.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The alerts the dashboard shows: the newest {@code max}, and the conditions that are active
 * (raised and not yet cleared), the {@code max} most recently raised of them.
 *
 * <p>A condition is one device, field and detector, as {@code AlertStage} keeps one series per
 * detector and device. Thread-safe.
 */
final class AlertBook {
    private final int max;
    private final ArrayDeque<ObjectNode> recent;
    private final LinkedHashMap<String, ObjectNode> active = new LinkedHashMap<>();

    AlertBook(int max) {
        this.max = max;
        this.recent = new ArrayDeque<>(Math.min(max, 1024));
    }

    synchronized void add(ObjectNode alert) {
        if (recent.size() == max) {
            recent.removeLast();
        }
        recent.addFirst(alert);
        String state = text(alert, "state");
        String key = text(alert, "device_id") + '\u0000' + text(alert, "field") + '\u0000' + text(alert, "detector");
        if ("raised".equals(state)) {
            // Re-inserting moves the condition to the newest end, so eviction takes the oldest.
            active.remove(key);
            active.put(key, alert);
            if (active.size() > max) {
                Iterator<Map.Entry<String, ObjectNode>> eldest = active.entrySet().iterator();
                eldest.next();
                eldest.remove();
            }
        } else if ("cleared".equals(state)) {
            active.remove(key);
        }
    }

    /** Newest first. */
    synchronized List<ObjectNode> recent() {
        return new ArrayList<>(recent);
    }

    /** Most recently raised first. */
    synchronized List<ObjectNode> active() {
        List<ObjectNode> list = new ArrayList<>(active.values());
        Collections.reverse(list);
        return list;
    }

    private static String text(ObjectNode json, String name) {
        JsonNode node = json.get(name);
        return node == null || node.isNull() ? "" : node.asText();
    }
}
