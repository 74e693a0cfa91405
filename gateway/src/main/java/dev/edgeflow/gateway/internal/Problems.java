package dev.edgeflow.gateway.internal;

import com.fasterxml.jackson.core.JsonLocation;
import dev.edgeflow.gateway.ConfigProblem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects problems of one file, each placed by the JSON pointer of the node at fault: the key's
 * location for keys, the value's for values, the nearest enclosing node's for missing keys.
 */
final class Problems {
    private final Path file;
    private final Map<String, JsonLocation> keys = new HashMap<>();
    private final Map<String, JsonLocation> values = new HashMap<>();
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final List<String> pointers = new ArrayList<>();
    private Redactor redactor = Redactor.NONE;

    Problems(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    void redactor(Redactor redactor) {
        this.redactor = redactor;
    }

    void keyAt(String pointer, JsonLocation location) {
        keys.put(pointer, location);
    }

    void valueAt(String pointer, JsonLocation location) {
        values.put(pointer, location);
    }

    JsonLocation keyLocation(String pointer) {
        return keys.get(pointer);
    }

    boolean has(String pointer) {
        return values.containsKey(pointer);
    }

    /** A problem with the key at {@code pointer} (an unknown or duplicate key). */
    void atKey(String pointer, String message) {
        pointers.add(pointer);
        add(find(pointer, true), message);
    }

    /** A problem with the value at {@code pointer}; a missing value is placed at its parent. */
    void atValue(String pointer, String message) {
        pointers.add(pointer);
        add(find(pointer, false), message);
    }

    void at(JsonLocation location, String message) {
        add(location, message);
    }

    private JsonLocation find(String pointer, boolean key) {
        String p = pointer;
        while (true) {
            JsonLocation l = key ? keys.getOrDefault(p, values.get(p)) : values.getOrDefault(p, keys.get(p));
            if (l != null) {
                return l;
            }
            if (p.isEmpty()) {
                return null;
            }
            p = p.substring(0, p.lastIndexOf('/'));
            key = true; // a missing node is reported at its parent's key
        }
    }

    private void add(JsonLocation l, String message) {
        int line = l == null ? 0 : Math.max(0, l.getLineNr());
        int column = l == null ? 0 : Math.max(0, l.getColumnNr());
        problems.add(new ConfigProblem(file, line, column, redactor.scrub(message)));
    }

    /** Whether a problem was reported at or below {@code pointer}. */
    boolean anyUnder(String pointer) {
        return pointers.stream().anyMatch(p -> p.equals(pointer) || p.startsWith(pointer + "/"));
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    List<ConfigProblem> sorted() {
        List<ConfigProblem> copy = new ArrayList<>(problems);
        copy.sort(Comparator.comparingInt(ConfigProblem::line).thenComparingInt(ConfigProblem::column));
        return copy;
    }

    /** Turns {@code /routes/0/buffer/size} into {@code routes[0].buffer.size}, as messages show it. */
    static String display(String pointer) {
        StringBuilder sb = new StringBuilder();
        for (String segment : pointer.substring(pointer.isEmpty() ? 0 : 1).split("/", -1)) {
            String s = segment.replace("~1", "/").replace("~0", "~");
            if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
                sb.append('[').append(s).append(']');
            } else {
                sb.append(sb.length() == 0 ? "" : ".").append(s);
            }
        }
        return sb.length() == 0 ? "the file" : sb.toString();
    }

    static String child(String pointer, String name) {
        return pointer + "/" + name.replace("~", "~0").replace("/", "~1");
    }

    static String child(String pointer, int index) {
        return pointer + "/" + index;
    }

    static String last(String pointer) {
        return pointer.substring(pointer.lastIndexOf('/') + 1).replace("~1", "/").replace("~0", "~");
    }
}
