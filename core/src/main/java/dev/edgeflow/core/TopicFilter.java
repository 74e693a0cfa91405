package dev.edgeflow.core;

import java.util.Objects;

/**
 * An MQTT topic filter such as {@code sensor/#} or {@code device/+/status}, used to route
 * messages by topic.
 *
 * <p>{@code +} matches exactly one level, {@code #} matches the parent level and every level
 * below it and may only stand last. As in MQTT, a filter that starts with a wildcard does not
 * match topics that start with {@code $} (such as {@code $SYS/...}). Matching allocates
 * nothing and is safe from any thread.
 *
 * @since 0.1.0
 */
public final class TopicFilter {
    private static final String SINGLE = "+";
    private static final String MULTI = "#";

    private final String filter;
    private final String[] levels;
    private final boolean hasWildcard;

    private TopicFilter(String filter, String[] levels, boolean hasWildcard) {
        this.filter = filter;
        this.levels = levels;
        this.hasWildcard = hasWildcard;
    }

    /**
     * Parses a topic filter.
     *
     * @param filter the filter, for example {@code sensor/+/temperature} or {@code sensor/#}
     * @return the parsed filter
     * @throws InvalidTopicException if the filter is null, empty, longer than 65535 UTF-8
     *     bytes, holds U+0000, or uses a wildcard that is not a whole level, or a {@code #}
     *     that is not the last level
     */
    public static TopicFilter of(String filter) {
        Topics.checkCommon(filter, "topic filter");
        String[] levels = filter.split("/", -1);
        boolean wildcard = false;
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            int nul = level.indexOf('\u0000');
            if (nul >= 0) {
                throw Topics.nulChar(filter, "topic filter", nul);
            }
            if (level.equals(MULTI)) {
                if (i != levels.length - 1) {
                    throw new InvalidTopicException("topic filter '" + Topics.shorten(filter)
                            + "' has '#' before its last level; '#' may only stand last, as in 'sensor/#'");
                }
                wildcard = true;
                levels[i] = MULTI;
            } else if (level.equals(SINGLE)) {
                wildcard = true;
                levels[i] = SINGLE;
            } else if (level.indexOf('#') >= 0 || level.indexOf('+') >= 0) {
                throw new InvalidTopicException("topic filter '" + Topics.shorten(filter) + "' has the level '"
                        + level + "' that mixes a wildcard with text; a wildcard must be a whole level, "
                        + "as in 'device/+/status'");
            }
        }
        return new TopicFilter(filter, levels, wildcard);
    }

    /**
     * Tells whether a topic matches this filter.
     *
     * @param topic a concrete topic; {@code null} never matches
     * @return {@code true} if the topic matches
     */
    public boolean matches(String topic) {
        if (topic == null) {
            return false;
        }
        if (!hasWildcard) {
            return filter.equals(topic);
        }
        if (!topic.isEmpty() && topic.charAt(0) == '$' && (levels[0] == SINGLE || levels[0] == MULTI)) {
            return false;
        }
        int pos = 0;
        int n = topic.length();
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level == MULTI) {
                return true;
            }
            if (pos > n) {
                // The topic has fewer levels than the filter ("sensor/#" matching "sensor" returned above).
                return false;
            }
            int end = topic.indexOf('/', pos);
            if (end < 0) {
                end = n;
            }
            if (level != SINGLE && !topic.regionMatches(pos, level, 0, level.length())
                    || level != SINGLE && level.length() != end - pos) {
                return false;
            }
            pos = end + 1;
        }
        return pos > n;
    }

    /**
     * Tells whether this filter holds a wildcard.
     *
     * @return {@code true} if it holds {@code +} or {@code #}
     */
    public boolean hasWildcard() {
        return hasWildcard;
    }

    /**
     * Returns the filter as it was given.
     *
     * @return the filter text
     */
    public String filter() {
        return filter;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicFilter && ((TopicFilter) o).filter.equals(filter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(filter);
    }

    @Override
    public String toString() {
        return filter;
    }
}
