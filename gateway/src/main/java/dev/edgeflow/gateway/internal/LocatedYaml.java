package dev.edgeflow.gateway.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads YAML into a Jackson tree with Jackson's YAML parser, and records where every key and
 * value is, by JSON pointer, so that checks made later on the tree can point into the file. Keys
 * given twice in one mapping are reported (both places), not silently overwritten.
 */
final class LocatedYaml {
    private static final YAMLFactory YAML = YAMLFactory.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private LocatedYaml() {
    }

    /** Returns the tree, or null if the text is not YAML (the reason is in {@code problems}). */
    static JsonNode read(String text, Problems problems) {
        try (JsonParser p = YAML.createParser(text)) {
            if (p.nextToken() == null) {
                return NODES.objectNode();
            }
            return node(p, "", problems);
        } catch (JsonProcessingException e) {
            problems.at(e.getLocation(), "not valid YAML: " + reason(e.getOriginalMessage()));
            return null;
        } catch (IOException e) {
            problems.at(null, "cannot read the file: " + e.getMessage());
            return null;
        }
    }

    // SnakeYAML's message repeats the place ("in 'reader', line 2") and quotes the line with a
    // caret under it; the problem gives the place already, so only the sentences are kept.
    private static String reason(String message) {
        if (message == null) {
            return "unreadable";
        }
        String[] lines = message.strip().split("\\R");
        List<String> said = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            boolean snippet = i + 1 < lines.length && lines[i + 1].strip().equals("^");
            if (!line.isEmpty() && !line.equals("^") && !line.startsWith("in '") && !snippet) {
                said.add(line);
            }
        }
        return said.isEmpty() ? message.strip() : String.join(": ", said);
    }

    private static JsonNode node(JsonParser p, String pointer, Problems problems) throws IOException {
        problems.valueAt(pointer, p.currentTokenLocation());
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    String child = Problems.child(pointer, name);
                    var keyLocation = p.currentTokenLocation();
                    p.nextToken();
                    if (o.has(name)) {
                        problems.at(keyLocation, "key '" + name + "' is given twice in " + Problems.display(pointer)
                                + " (first at line " + lineOf(problems, child) + "): keep one");
                        p.skipChildren();
                        continue;
                    }
                    problems.keyAt(child, keyLocation);
                    o.set(name, node(p, child, problems));
                }
                return o;
            }
            case START_ARRAY: {
                ArrayNode a = NODES.arrayNode();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(node(p, Problems.child(pointer, i++), problems));
                }
                return a;
            }
            case VALUE_STRING:
                return NODES.textNode(p.getText());
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? NODES.numberNode(p.getBigIntegerValue()) : NODES.numberNode(p.getLongValue());
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                return NODES.textNode(p.getText());
        }
    }

    private static String lineOf(Problems problems, String pointer) {
        var l = problems.keyLocation(pointer);
        return l == null ? "?" : Integer.toString(l.getLineNr());
    }
}
