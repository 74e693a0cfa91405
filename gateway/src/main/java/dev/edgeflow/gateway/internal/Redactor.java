package dev.edgeflow.gateway.internal;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Masks the secret values of one gateway file wherever they might appear in text: option values
 * whose names suggest a secret, and everything read from {@code ${file:...}}.
 */
public final class Redactor {
    /** The mask shown instead of a secret. */
    public static final String MASK = "****";
    static final Redactor NONE = new Redactor(Set.of());

    // Longest first, so that a secret that contains another is masked whole.
    private final List<String> secrets;

    Redactor(Set<String> secrets) {
        Set<String> sorted = new TreeSet<>(Comparator.comparingInt(String::length).reversed()
                .thenComparing(Comparator.naturalOrder()));
        for (String s : secrets) {
            // A one- or two-character "secret" would mask every such letter in every message.
            if (s != null && s.strip().length() >= 3) {
                sorted.add(s);
                if (!s.strip().equals(s)) {
                    sorted.add(s.strip());
                }
            }
        }
        this.secrets = List.copyOf(sorted);
    }

    /**
     * Masks every secret in a text.
     *
     * @param text any text, or null
     * @return the text with each secret replaced by {@value #MASK}
     */
    public String scrub(String text) {
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String out = text;
        for (String s : secrets) {
            out = out.replace(s, MASK);
        }
        return out;
    }
}
