package dev.edgeflow.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.edgeflow.spi.ConnectorOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Replaces {@code ${NAME}}, {@code ${NAME:-default}} and {@code ${file:/path}} in every text
 * value of the tree, in place, and remembers which values are secrets: the values of keys whose
 * name suggests one ({@link ConnectorOptions#isSecret(String)}) and whatever came from a file.
 * {@code $${} stands for a literal {@code ${}.
 */
final class Substitution {
    private final Function<String, String> environment;
    private final Path baseDirectory;
    private final Problems problems;
    private final Set<String> secrets;

    Substitution(Function<String, String> environment, Path baseDirectory, Problems problems, Set<String> secrets) {
        this.environment = environment;
        this.baseDirectory = baseDirectory;
        this.problems = problems;
        this.secrets = secrets;
    }

    void apply(JsonNode node, String pointer, boolean secretContext) {
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String child = Problems.child(pointer, e.getKey());
                boolean secret = ConnectorOptions.isSecret(e.getKey());
                if (e.getValue().isTextual()) {
                    e.setValue(text((TextNode) e.getValue(), child, secret));
                } else {
                    apply(e.getValue(), child, secret);
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) {
                    a.set(i, text((TextNode) a.get(i), Problems.child(pointer, i), secretContext));
                } else {
                    apply(a.get(i), Problems.child(pointer, i), secretContext);
                }
            }
        } else if (node != null && secretContext && node.isValueNode() && !node.isNull()) {
            secrets.add(node.asText());
        }
    }

    private TextNode text(TextNode node, String pointer, boolean secret) {
        String in = node.textValue();
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < in.length()) {
            if (in.startsWith("$${", i)) {
                out.append("${");
                i += 3;
                continue;
            }
            if (!in.startsWith("${", i)) {
                out.append(in.charAt(i++));
                continue;
            }
            int end = in.indexOf('}', i + 2);
            if (end < 0) {
                problems.atValue(pointer, Problems.display(pointer) + ": '${' without a closing '}': write ${NAME} "
                        + "or ${file:/path}, or $${ for a literal ${");
                return node;
            }
            String expression = in.substring(i + 2, end);
            String value;
            if (expression.startsWith("file:")) {
                value = file(expression.substring(5).strip(), pointer);
                if (value != null) {
                    secrets.add(value);
                }
            } else {
                value = variable(expression, pointer);
            }
            if (value == null) {
                return node;
            }
            out.append(value);
            i = end + 1;
        }
        String result = out.toString();
        if (secret) {
            secrets.add(result);
        }
        return TextNode.valueOf(result);
    }

    private String variable(String expression, String pointer) {
        int colon = expression.indexOf(":-");
        String name = (colon < 0 ? expression : expression.substring(0, colon)).strip();
        if (!name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
            problems.atValue(pointer, Problems.display(pointer) + ": '${" + expression + "}' is not a variable "
                    + "name: write ${NAME}, ${NAME:-default} or ${file:/path}");
            return null;
        }
        String value = environment.apply(name);
        if (value != null) {
            return value;
        }
        if (colon >= 0) {
            return expression.substring(colon + 2);
        }
        problems.atValue(pointer, Problems.display(pointer) + ": environment variable " + name + " is not set: "
                + "set it, or give a default as ${" + name + ":-value}");
        return null;
    }

    private String file(String name, String pointer) {
        if (name.isEmpty()) {
            problems.atValue(pointer, Problems.display(pointer) + ": ${file:} names no file: write ${file:/path}");
            return null;
        }
        Path path;
        try {
            path = baseDirectory.resolve(name);
        } catch (InvalidPathException e) {
            problems.atValue(pointer, Problems.display(pointer) + ": ${file:" + name + "} is not a valid path: "
                    + e.getReason());
            return null;
        }
        try {
            String content = Files.readString(path, StandardCharsets.UTF_8);
            // A secret file written by an editor or echo ends with a newline that is not part of it.
            return content.endsWith("\r\n") ? content.substring(0, content.length() - 2)
                    : content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        } catch (NoSuchFileException e) {
            problems.atValue(pointer, Problems.display(pointer) + ": file " + path + " of ${file:" + name
                    + "} does not exist: create it, or correct the path");
        } catch (IOException e) {
            problems.atValue(pointer, Problems.display(pointer) + ": file " + path + " of ${file:" + name
                    + "} cannot be read (" + e + "): check that it is readable by user "
                    + System.getProperty("user.name"));
        }
        return null;
    }
}
