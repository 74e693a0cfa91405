package dev.edgeflow.gcp;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns the client's exceptions into messages that say what failed and what to do. */
final class PubSubErrors {
    private PubSubErrors() {
    }

    /** The first {@link ApiException} in a cause chain, or null. */
    static ApiException apiException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ApiException) {
                return (ApiException) c;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    static StatusCode.Code code(Throwable t) {
        ApiException e = apiException(t);
        return e == null ? null : e.getStatusCode().getCode();
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Describes a failure on a topic or subscription.
     *
     * @param t the client's exception
     * @param kind {@code topic} or {@code subscription}
     * @param path the resource's full name, {@code projects/p/topics/t}
     * @param where the connection, for the endpoint's name
     */
    static PubSubException describe(Throwable t, String kind, String path, PubSubConnection where) {
        t = unwrap(t);
        StatusCode.Code code = code(t);
        return describe(t, code == null ? null : code.name(), t.getMessage(), kind, path, where);
    }

    /**
     * Describes a failure on a topic or subscription by its status.
     *
     * @param t the failure, kept as the cause
     * @param code the status's name, such as {@code NOT_FOUND}, or null if there is none
     * @param detail what the service or the client said
     * @param kind {@code topic} or {@code subscription}
     * @param path the resource's full name, {@code projects/p/topics/t}
     * @param where the connection, for the endpoint's name
     */
    static PubSubException describe(Throwable t, String code, String detail, String kind, String path,
            PubSubConnection where) {
        if (code == null) {
            return new PubSubException("Pub/Sub " + kind + " " + path + " (" + where + "): " + detail, t);
        }
        String id = path.substring(path.lastIndexOf('/') + 1);
        switch (code) {
            case "NOT_FOUND":
                return new PubSubException("Pub/Sub " + kind + " " + path + " does not exist (" + where + "); create "
                        + "it with 'gcloud pubsub " + kind + "s create " + id + "' or PubSubAdmin.create"
                        + (kind.equals("topic") ? "Topic" : "Subscription") + "IfMissing, or turn on "
                        + "createIfMissing", t);
            case "PERMISSION_DENIED":
                return new PubSubException("permission denied on Pub/Sub " + kind + " " + path + " (" + where + "): "
                        + detail + "; grant the service account roles/pubsub."
                        + (kind.equals("topic") ? "publisher" : "subscriber") + " on it", t);
            case "UNAUTHENTICATED":
                return new PubSubException("Pub/Sub rejected the credentials for " + path + " (" + where + "): "
                        + detail + "; check the service-account key (credentialsFile or "
                        + "GOOGLE_APPLICATION_CREDENTIALS) and that it is not disabled or deleted", t);
            case "UNAVAILABLE":
            case "DEADLINE_EXCEEDED":
                return new PubSubException("Pub/Sub endpoint " + where.emulatorHost().orElse("for " + where)
                        + " is unreachable or not answering (" + code + ") for " + path + ": " + detail
                        + (where.emulatorHost().isPresent() ? "; is the emulator running there?"
                                : "; check the network, proxy and firewall"), t);
            default:
                return new PubSubException("Pub/Sub " + kind + " " + path + " (" + where + "): " + code + ": "
                        + detail, t);
        }
    }
}
