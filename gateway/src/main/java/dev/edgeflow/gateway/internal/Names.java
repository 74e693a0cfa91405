package dev.edgeflow.gateway.internal;

import dev.edgeflow.spi.ConnectorOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Finds the nearest of some names, for "did you mean" hints. */
final class Names {
    private Names() {
    }

    static String nearest(String name, Collection<?> known) {
        if (name == null) {
            return null;
        }
        List<String> names = new ArrayList<>(known.size());
        known.forEach(k -> names.add(k.toString()));
        return ConnectorOptions.nearestOf(name, names).orElse(null);
    }

    /** Returns {@code "; did you mean 'x'?"} or {@code "."}, to end a sentence about a name. */
    static String didYouMean(String name, Collection<?> known) {
        String n = nearest(name, known);
        return n == null ? "." : "; did you mean '" + n + "'?";
    }
}
