package dev.edgeflow.dashboard.internal;

import java.util.Map;

/**
 * A request that is answered with an error status and a JSON body
 * {@code {"error": message, "status": status}}. The message is for the caller: it names what was
 * wrong and what would be right, and never carries a stack trace.
 */
final class HttpError extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Map<String, String> headers;

    HttpError(int status, String message) {
        this(status, message, Map.of());
    }

    HttpError(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    int status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }
}
