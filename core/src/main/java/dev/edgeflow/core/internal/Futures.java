package dev.edgeflow.core.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What edgeflow's modules share about futures. */
public final class Futures {
    private Futures() {
    }

    /**
     * Returns the failure inside the wrappers that {@code CompletableFuture} adds.
     *
     * @param t a failure, possibly a {@link CompletionException} or {@link ExecutionException}
     * @return the first cause that is neither, or {@code t} when it has no cause
     */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
