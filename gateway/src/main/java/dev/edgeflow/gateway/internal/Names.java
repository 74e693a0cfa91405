package dev.edgeflow.gateway.internal;

import java.util.Collection;
import java.util.Locale;

/** Finds the nearest of some names, for "did you mean" hints. */
final class Names {
    private Names() {
    }

    static String nearest(String name, Collection<?> known) {
        if (name == null) {
            return null;
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Object k : known) {
            int d = distance(name.toLowerCase(Locale.ROOT), k.toString().toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k.toString();
            }
        }
        return bestDistance <= Math.max(2, name.length() / 3) ? best : null;
    }

    /** Returns {@code "; did you mean 'x'?"} or {@code "."}, to end a sentence about a name. */
    static String didYouMean(String name, Collection<?> known) {
        String n = nearest(name, known);
        return n == null ? "." : "; did you mean '" + n + "'?";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
