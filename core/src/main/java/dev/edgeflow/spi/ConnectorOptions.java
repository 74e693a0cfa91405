package dev.edgeflow.spi;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The options of one connector, as text, with typed getters that check each value and say
 * exactly what is wrong: the connector, the option, the bad value and what is allowed.
 *
 * <p>Options come from a map ({@code Connectors.sink("jsonl", Map.of("path", "out.jsonl"))}) or
 * a URI ({@code jsonl:///var/lib/edgeflow/out.jsonl?maxBytes=10MB}). From a URI, the host
 * becomes option {@code host}, the port {@code port}, the path {@code path}, and the part of an
 * opaque URI before {@code ?} becomes {@code name} ({@code memory:orders}), user info becomes
 * {@code username} and {@code password}; query parameters become options of their own name. Values whose name suggests a secret are never shown in
 * messages or {@link #toString()}. Immutable.
 *
 * @since 0.1.0
 */
public final class ConnectorOptions {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);

    private static final String[] SECRET_WORDS = {
        "password", "passphrase", "pwd", "secret", "token", "key", "credential", "auth", "signature"};

    private final String scheme;
    private final Map<String, String> values;

    private ConnectorOptions(String scheme, Map<String, String> values) {
        this.scheme = scheme;
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Creates options from a map; each value is taken as its {@code toString()}.
     *
     * @param scheme the connector scheme, such as {@code jsonl}
     * @param options the options; null values are left out
     * @return the options
     */
    public static ConnectorOptions of(String scheme, Map<String, ?> options) {
        Objects.requireNonNull(scheme, "scheme");
        Map<String, String> copy = new LinkedHashMap<>();
        options.forEach((k, v) -> {
            if (k == null || k.isEmpty()) {
                throw new InvalidOptionException(String.valueOf(k), "connector '" + scheme
                        + "' was given an option with no name");
            }
            if (v != null) {
                copy.put(k, v.toString());
            }
        });
        return new ConnectorOptions(scheme.toLowerCase(Locale.ROOT), copy);
    }

    /**
     * Creates options from a URI.
     *
     * @param uri the URI, such as {@code jsonl:///tmp/out.jsonl?maxBytes=10MB}
     * @return the options, with {@link #scheme()} from the URI
     * @throws IllegalArgumentException if the URI has no scheme
     */
    public static ConnectorOptions fromUri(URI uri) {
        Objects.requireNonNull(uri, "uri");
        if (uri.getScheme() == null) {
            throw new IllegalArgumentException("connector URI '" + uri + "' has no scheme: write it as "
                    + "scheme:..., for example jsonl:///tmp/out.jsonl or memory:orders");
        }
        Map<String, String> values = new LinkedHashMap<>();
        String query;
        if (uri.isOpaque()) {
            String ssp = uri.getRawSchemeSpecificPart();
            int q = ssp.indexOf('?');
            String name = q < 0 ? ssp : ssp.substring(0, q);
            query = q < 0 ? null : ssp.substring(q + 1);
            if (!name.isEmpty()) {
                values.put("name", decode(name));
            }
        } else {
            String userInfo = uri.getRawUserInfo();
            if (userInfo != null) {
                int colon = userInfo.indexOf(':');
                values.put("username", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
                if (colon >= 0) {
                    values.put("password", decode(userInfo.substring(colon + 1)));
                }
            }
            if (uri.getHost() != null) {
                values.put("host", uri.getHost());
            }
            if (uri.getPort() >= 0) {
                values.put("port", Integer.toString(uri.getPort()));
            }
            if (uri.getPath() != null && !uri.getPath().isEmpty()) {
                values.put("path", uri.getPath());
            }
            query = uri.getRawQuery();
        }
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                values.put(key, eq < 0 ? "true" : decode(pair.substring(eq + 1)));
            }
        }
        return new ConnectorOptions(uri.getScheme().toLowerCase(Locale.ROOT), values);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /**
     * Returns the connector scheme.
     *
     * @return the scheme, lower case
     */
    public String scheme() {
        return scheme;
    }

    /**
     * Returns the options as given.
     *
     * @return an unmodifiable map of option names to values
     */
    public Map<String, String> asMap() {
        return values;
    }

    /**
     * Fails on options the connector does not know, naming the nearest known one.
     *
     * @param known every option the connector takes
     * @return this, for chaining
     * @throws InvalidOptionException for the first unknown option
     */
    public ConnectorOptions requireOnly(Set<String> known) {
        for (String name : values.keySet()) {
            if (!known.contains(name)) {
                String hint = nearest(name, known);
                throw new InvalidOptionException(name, "connector '" + scheme + "' has no option '" + name + "'"
                        + (hint != null ? "; did you mean '" + hint + "'?" : ".") + " It takes: "
                        + String.join(", ", new TreeSet<>(known)));
            }
        }
        return this;
    }

    /**
     * Returns a text option.
     *
     * @param name the option
     * @return the value, if given
     */
    public Optional<String> string(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /**
     * Returns a text option that must be given.
     *
     * @param name the option
     * @param example an example value, shown when it is missing
     * @return the value, not empty
     * @throws InvalidOptionException if it is missing or empty
     */
    public String requireString(String name, String example) {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            throw new InvalidOptionException(name, "connector '" + scheme + "' needs option '" + name
                    + "', for example " + name + "=" + example);
        }
        return v;
    }

    /**
     * Returns a whole-number option within bounds.
     *
     * @param name the option
     * @param defaultValue the value if not given
     * @param min the least allowed
     * @param max the most allowed
     * @return the value
     * @throws InvalidOptionException if it is not a whole number within bounds
     */
    public int integer(String name, int defaultValue, int min, int max) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw bad(name, v, "a whole number from " + min + " to " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw bad(name, v, "a whole number from " + min + " to " + max);
        }
    }

    /**
     * Returns a positive size in bytes: {@code 1048576}, {@code 512KB}, {@code 10MB}, {@code 1GiB}
     * (KB and KiB both mean 1024).
     *
     * @param name the option
     * @param defaultValue the value if not given
     * @return the size in bytes, at least 1
     * @throws InvalidOptionException if it is not a positive size
     */
    public long size(String name, long defaultValue) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        Matcher m = SIZE.matcher(v.trim());
        String allowed = "a positive size such as 1048576, 512KB, 10MB or 1GB";
        if (!m.matches()) {
            throw bad(name, v, allowed);
        }
        try {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
            int shift = switch (unit.charAt(0)) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                default -> 0;
            };
            if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
                throw bad(name, v, allowed);
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw bad(name, v, allowed);
        }
    }

    /**
     * Returns a positive duration: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d},
     * or ISO-8601 such as {@code PT30S}.
     *
     * @param name the option
     * @param defaultValue the value if not given
     * @return the duration, positive
     * @throws InvalidOptionException if it is not a positive duration
     */
    public Duration duration(String name, Duration defaultValue) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        String allowed = "a positive duration such as 250ms, 30s, 5m, 1h or PT30S";
        Duration d;
        Matcher m = DURATION.matcher(v.trim());
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            } else {
                d = Duration.parse(v.trim());
            }
        } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
            throw bad(name, v, allowed);
        }
        if (d.isZero() || d.isNegative()) {
            throw bad(name, v, allowed);
        }
        return d;
    }

    /**
     * Passes a duration option to a builder's setter, if it is given: the value as
     * {@link #duration(String, Duration)} reads it, and what the setter refuses reported as
     * {@link #applying(String, Supplier)} does.
     *
     * @param name the option
     * @param setter the builder's method, such as {@code builder::closeTimeout}
     * @throws InvalidOptionException if it is not a positive duration, or the setter refuses it
     * @since 0.1.0
     */
    public void ifDuration(String name, Consumer<Duration> setter) {
        if (values.containsKey(name)) {
            Duration d = duration(name, Duration.ZERO);
            applying(name, () -> {
                setter.accept(d);
                return null;
            });
        }
    }

    /**
     * Runs a builder call that takes an option's value, so that what the builder refuses (an
     * {@link IllegalArgumentException}) becomes an {@link InvalidOptionException} that names
     * the option: {@code option 'batchBytes' of connector 'pubsub': <the builder's message>}.
     *
     * @param name the option the call uses
     * @param call the builder call
     * @param <T> what the call returns
     * @return what the call returned
     * @throws InvalidOptionException if the call refused the value
     * @since 0.1.0
     */
    public <T> T applying(String name, Supplier<T> call) {
        try {
            return call.get();
        } catch (InvalidOptionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidOptionException(name, "option '" + name + "' of connector '" + scheme + "': "
                    + e.getMessage());
        }
    }

    /**
     * Returns a yes/no option: {@code true}, {@code false}, {@code yes}, {@code no}, {@code on},
     * {@code off}, {@code 1}, {@code 0}.
     *
     * @param name the option
     * @param defaultValue the value if not given
     * @return the value
     * @throws InvalidOptionException if it is none of those words
     */
    public boolean bool(String name, boolean defaultValue) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on": case "1":
                return true;
            case "false": case "no": case "off": case "0":
                return false;
            default:
                throw bad(name, v, "true or false");
        }
    }

    /**
     * Returns an option that names an enum constant, in any case, with {@code -} for {@code _}.
     *
     * @param name the option
     * @param type the enum type
     * @param defaultValue the value if not given
     * @param <E> the enum type
     * @return the constant
     * @throws InvalidOptionException if it names no constant; the message lists them
     */
    public <E extends Enum<E>> E enumValue(String name, Class<E> type, E defaultValue) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        String wanted = v.trim().replace('-', '_').toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(wanted)) {
                return e;
            }
        }
        throw bad(name, v, "one of " + Arrays.toString(type.getEnumConstants()));
    }

    /**
     * Returns a file-system path option that must be given.
     *
     * @param name the option
     * @param example an example value, shown when it is missing
     * @return the path
     * @throws InvalidOptionException if it is missing or not a valid path here
     */
    public Path path(String name, String example) {
        String v = requireString(name, example);
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            throw bad(name, v, "a valid file path (" + e.getReason() + ")");
        }
    }

    /**
     * Makes the exception for a value that is not allowed.
     *
     * @param name the option
     * @param value the bad value
     * @param allowed what is allowed
     * @return the exception, to throw
     */
    public InvalidOptionException bad(String name, String value, String allowed) {
        return new InvalidOptionException(name, "connector '" + scheme + "' option '" + name + "' is '"
                + display(name, value) + "': use " + allowed);
    }

    private static String display(String name, String value) {
        return isSecret(name) ? "****" : value;
    }

    /**
     * Tells whether an option's name suggests its value is a secret, never to be shown.
     *
     * @param name the option's name
     * @return {@code true} for names such as {@code password}, {@code apiToken} or {@code privateKey},
     *     but not for file names such as {@code privateKeyFile}
     */
    public static boolean isSecret(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith("file") || n.endsWith("path")) {
            return false;
        }
        for (String word : SECRET_WORDS) {
            if (n.contains(word)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns the known name nearest to a misspelt one, for a "did you mean" hint: the one
     * fewest edits away (ignoring case), if it is within a third of the name's length, and at
     * least two edits.
     *
     * @param name the name as given
     * @param known the names that would have been right
     * @return the nearest known name, or empty if none is near
     * @since 0.1.0
     */
    public static Optional<String> nearestOf(String name, Collection<String> known) {
        return Optional.ofNullable(nearest(name, known));
    }

    private static String nearest(String name, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= Math.max(2, name.length() / 3) ? best : null;
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

    /** Shows the scheme and options, with secret values masked. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(scheme).append('{');
        values.forEach((k, v) -> sb.append(sb.charAt(sb.length() - 1) == '{' ? "" : ", ").append(k).append('=')
                .append(display(k, v)));
        return sb.append('}').toString();
    }
}
