package dev.edgeflow.dashboard.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The page and its scripts, read from the classpath folder {@code dev/edgeflow/dashboard/web/}.
 * Only files with a known web extension are served, so that nothing else on the classpath can be
 * reached by a crafted path.
 */
final class StaticResources {
    private static final String ROOT = "dev/edgeflow/dashboard/web/";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon");

    /** A file to send: its bytes and its content type. */
    record Resource(byte[] bytes, String contentType) {
    }

    private StaticResources() {
    }

    /**
     * Finds the file for a request path.
     *
     * @param segments the decoded path segments; none for {@code /}
     * @return empty if there is no such file or its name is not one that is served
     */
    static Optional<Resource> find(String[] segments) {
        String path = segments.length == 0 ? "index.html" : String.join("/", segments);
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.contains("\\")) {
                return Optional.empty();
            }
        }
        int dot = path.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(path.substring(dot + 1).toLowerCase(Locale.ROOT));
        if (type == null) {
            return Optional.empty();
        }
        try (InputStream in = StaticResources.class.getClassLoader().getResourceAsStream(ROOT + path)) {
            return in == null ? Optional.empty() : Optional.of(new Resource(in.readAllBytes(), type));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the dashboard's resource " + ROOT + path, e);
        }
    }
}
