package dev.edgeflow.dashboard.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** The query string of a request, decoded; a repeated name keeps its first value. */
final class QueryParameters {
    private final Map<String, String> values;

    private QueryParameters(Map<String, String> values) {
        this.values = values;
    }

    static QueryParameters parse(String rawQuery) {
        Map<String, String> values = new HashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                values.putIfAbsent(name, value);
            }
        }
        return new QueryParameters(values);
    }

    /**
     * Returns a whole-number parameter within a range, or its default when it is absent.
     *
     * @throws HttpError 400 naming the parameter, the allowed range and the value given
     */
    int intInRange(String name, int defaultValue, int min, int max) throws HttpError {
        String text = values.get(name);
        if (text == null) {
            return defaultValue;
        }
        int value;
        try {
            value = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw outOfRange(name, min, max, text);
        }
        if (value < min || value > max) {
            throw outOfRange(name, min, max, text);
        }
        return value;
    }

    private static HttpError outOfRange(String name, int min, int max, String text) {
        return new HttpError(400, name + " must be a whole number from " + min + " to " + max + "; it was '"
                + text + "'");
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // A broken percent escape: keep the text as sent, so that the error can quote it.
            return text;
        }
    }
}
