package dev.edgeflow.gcp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.auth.oauth2.GoogleCredentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pub/Sub's REST API ({@code https://pubsub.googleapis.com/v1/...}) on the JDK's HTTP client:
 * the emulator over plain HTTP/1.1 without credentials, the service over HTTPS (HTTP/2) with an
 * OAuth access token from google-auth-library. Answers other than 2xx fail with
 * {@link Status}; a connection that fails, with the {@link IOException}.
 */
final class PubSubRestClient {
    private static final Logger log = LoggerFactory.getLogger(PubSubRestClient.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final String DEFAULT_ENDPOINT = "pubsub.googleapis.com:443";
    /** {@code HttpClient.shutdownNow()}, which JDK 21 added; null before. */
    private static final Method SHUTDOWN_NOW = shutdownNow();

    private final PubSubConnection connection;
    private final URI base;
    private final HttpClient http;
    private final GoogleCredentials credentials;

    PubSubRestClient(PubSubConnection connection) {
        this.connection = connection;
        String emulator = connection.emulatorHost().orElse(null);
        if (emulator != null) {
            this.base = URI.create("http://" + emulator + "/v1/");
            this.credentials = null;
        } else {
            String endpoint = connection.endpointOrNull() != null ? connection.endpointOrNull() : DEFAULT_ENDPOINT;
            this.base = URI.create("https://" + endpoint + "/v1/");
            this.credentials = connection.credentials();
        }
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (emulator != null) {
            // Plain HTTP: a TLS context that is never initialized, instead of the default one, which
            // reads the JDK's trust store (some 150 certificates) for a connection that has no TLS.
            b.version(HttpClient.Version.HTTP_1_1).sslContext(plainOnly()).sslParameters(new SSLParameters());
        } else {
            b.version(HttpClient.Version.HTTP_2);
        }
        this.http = b.build();
    }

    /**
     * Stops the HTTP client's connections and threads where the JDK can (21 and later); on 17
     * they end when the client is collected.
     */
    void close() {
        if (SHUTDOWN_NOW != null) {
            try {
                SHUTDOWN_NOW.invoke(http);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // the JDK's own clean-up happens when the client is collected
            }
        }
    }

    /**
     * Sends one request. Call from a thread that may block: fetching a new access token does.
     *
     * @param method {@code POST} or {@code PUT}
     * @param path below {@code /v1/}, such as {@code projects/p/topics/t:publish}
     * @param body the JSON body
     * @param timeout for the whole exchange
     * @return completes with the body of a 2xx answer; exceptionally with {@link Status} or an
     *     {@link IOException}
     */
    CompletableFuture<byte[]> call(String method, String path, byte[] body, Duration timeout) {
        URI uri = base.resolve(path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (credentials != null) {
            try {
                for (Map.Entry<String, List<String>> h : credentials.getRequestMetadata(uri).entrySet()) {
                    for (String v : h.getValue()) {
                        request.header(h.getKey(), v);
                    }
                }
            } catch (IOException e) {
                return CompletableFuture.failedFuture(new IOException("cannot get an access token for Pub/Sub: "
                        + e.getMessage(), e)); // a network failure as any other: retried
            }
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()).thenApply(r -> {
            if (r.statusCode() / 100 == 2) {
                return r.body();
            }
            throw Status.of(r.statusCode(), r.body());
        });
    }

    private static SSLContext plainOnly() {
        try {
            return SSLContext.getInstance("TLS");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no TLS provider", e);
        }
    }

    private static Method shutdownNow() {
        try {
            return HttpClient.class.getMethod("shutdownNow");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /**
     * Creates a topic ({@code PUT}); one that exists already is taken as it is. Blocks up to 30 s.
     *
     * @param topicPath such as {@code projects/p/topics/t}
     * @throws PubSubException if it cannot be created, saying why and how to fix it
     */
    void createTopicIfMissing(String topicPath) {
        try {
            call("PUT", topicPath, "{}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30)).join();
            log.info("created Pub/Sub topic {} ({})", topicPath, connection);
        } catch (CompletionException e) {
            Throwable t = e.getCause();
            String code = Status.codeOf(t);
            if ("ALREADY_EXISTS".equals(code)) {
                return;
            }
            throw PubSubErrors.describe(t, code == null && t instanceof IOException ? "UNAVAILABLE" : code,
                    "cannot create it: " + t.getMessage(), "topic", topicPath, connection);
        }
    }

    /** The publish request for these messages: {@code {"messages":[{"data":..., "attributes":{...}, "orderingKey":...}]}}. */
    static byte[] publishBody(List<OutgoingMessage> messages) {
        long estimate = 16;
        for (OutgoingMessage m : messages) {
            estimate += m.bytes() * 4 / 3 + 48 + 8L * m.attributes().size();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(estimate, Integer.MAX_VALUE - 8));
        Base64.Encoder base64 = Base64.getEncoder();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("messages");
            for (OutgoingMessage m : messages) {
                g.writeStartObject();
                ByteBuffer data = base64.encode(m.data().duplicate());
                g.writeFieldName("data");
                g.writeRawUTF8String(data.array(), data.arrayOffset() + data.position(), data.remaining());
                if (!m.attributes().isEmpty()) {
                    g.writeObjectFieldStart("attributes");
                    for (Map.Entry<String, String> a : m.attributes().entrySet()) {
                        g.writeStringField(a.getKey(), a.getValue());
                    }
                    g.writeEndObject();
                }
                if (!m.orderingKey().isEmpty()) {
                    g.writeStringField("orderingKey", m.orderingKey());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** The {@code messageIds} of a publish answer. */
    static List<String> messageIds(byte[] body) throws IOException {
        List<String> ids = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("the publish answer is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("messageIds") && value == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.VALUE_STRING) {
                        ids.add(p.getText());
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        return ids;
    }

    /** An answer other than 2xx: the HTTP status, the API's status name and its message. */
    static final class Status extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int http;
        final String code;

        Status(int http, String code, String message, Throwable cause) {
            super(message, cause);
            this.http = http;
            this.code = code;
        }

        /**
         * The API's status a failure carries.
         *
         * @return such as {@code NOT_FOUND}, or null if the failure is not an answer of the API
         */
        static String codeOf(Throwable failure) {
            return failure instanceof Status s ? s.code : null;
        }

        /** Reads {@code {"error":{"code":404,"message":"...","status":"NOT_FOUND"}}}, or names the status by its HTTP code. */
        static Status of(int http, byte[] body) {
            String code = null;
            String message = null;
            try (JsonParser p = JSON.createParser(body)) {
                if (p.nextToken() == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        if (p.nextToken() == JsonToken.START_OBJECT && field.equals("error")) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                p.nextToken();
                                if (f.equals("status")) {
                                    code = p.getValueAsString();
                                } else if (f.equals("message")) {
                                    message = p.getValueAsString();
                                } else {
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                }
            } catch (IOException e) {
                // not the API's JSON error (a proxy's page, say): the text and the HTTP code tell it
            }
            if (message == null) {
                String text = new String(body, StandardCharsets.UTF_8).strip();
                message = "HTTP " + http + (text.isEmpty() ? "" : ": " + (text.length() > 300
                        ? text.substring(0, 300) + "..." : text));
            }
            return new Status(http, code != null ? code : byHttp(http), message, null);
        }

        /** The API's status for an HTTP code, as Google's APIs map them. */
        static String byHttp(int http) {
            return switch (http) {
                case 400 -> "INVALID_ARGUMENT";
                case 401 -> "UNAUTHENTICATED";
                case 403 -> "PERMISSION_DENIED";
                case 404 -> "NOT_FOUND";
                case 409 -> "ALREADY_EXISTS";
                case 429 -> "RESOURCE_EXHAUSTED";
                case 499 -> "CANCELLED";
                case 500 -> "INTERNAL";
                case 501 -> "UNIMPLEMENTED";
                case 502 -> "UNAVAILABLE";
                case 503 -> "UNAVAILABLE";
                case 504 -> "DEADLINE_EXCEEDED";
                default -> "UNKNOWN";
            };
        }
    }
}
