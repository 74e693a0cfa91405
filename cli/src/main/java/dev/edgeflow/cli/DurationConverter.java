package dev.edgeflow.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration as a person writes it: {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h},
 * a bare number of seconds ({@code 30}), or ISO-8601 ({@code PT30S}). Negative durations are refused.
 *
 * @since 0.1.0
 */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

    /** Creates the converter; picocli calls this. */
    public DurationConverter() {
    }

    /**
     * Reads a duration.
     *
     * @param value such as {@code 30s}
     * @return the duration, zero or more
     * @throws TypeConversionException saying what forms are taken
     */
    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(v);
        if (m.matches()) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw invalid(value);
            }
            String unit = m.group(2) == null ? "s" : m.group(2);
            switch (unit) {
                case "ms":
                    return Duration.ofMillis(n);
                case "m":
                    return Duration.ofMinutes(n);
                case "h":
                    return Duration.ofHours(n);
                default:
                    return Duration.ofSeconds(n);
            }
        }
        if (v.startsWith("pt") || v.startsWith("p")) {
            try {
                Duration d = Duration.parse(value.trim());
                if (!d.isNegative()) {
                    return d;
                }
            } catch (DateTimeParseException e) {
                // reported below
            }
        }
        throw invalid(value);
    }

    private static TypeConversionException invalid(String value) {
        return new TypeConversionException("'" + value + "' is not a duration: give e.g. 30s, 500ms, 2m, 1h, "
                + "a number of seconds, or PT30S");
    }
}
