package dev.edgeflow.timeseries.influx.internal;

import dev.edgeflow.timeseries.Point;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Encodes points as InfluxDB line protocol, one line per point:
 * {@code measurement,device_id=d,tag=v field=1.5,other=2.0 1700000000000}.
 *
 * <p>The tag set is {@code device_id} (the point's device) and the point's tags, sorted by key, as
 * InfluxDB recommends; a tag of the point that is itself called {@code device_id} is left out,
 * since the device is the point's own. Tags with an empty value are left out, as line protocol has
 * no empty tag value. Fields are written as floats, sorted by key (the point's maps are sorted).
 *
 * <p>Escaping follows InfluxDB's parser, checked against influxd 1.6: in the measurement, commas and
 * spaces; in tag keys, tag values and field keys, commas, equals signs and spaces. A backslash is
 * kept as it is (the parser keeps it too), so {@code a\b} is stored as {@code a\b}. A newline or
 * carriage return would end the line, so it is written as the two characters {@code \n} or
 * {@code \r}, as InfluxDB's own clients write them. A key or value that ends with a backslash cannot
 * be written at all (the parser would read the separator after it as escaped): such a point is
 * refused with an {@link IllegalArgumentException} that names it.
 *
 * <p>Not thread-safe: one encoder belongs to one writer. It writes straight into a reused
 * {@link GrowableBytes} as UTF-8 and, once that buffer has grown to the batch's size, allocates
 * nothing per point.
 */
public final class LineProtocolEncoder {
    /** The tag that carries {@link Point#device()}. */
    public static final String DEVICE_TAG = "device_id";

    private static final byte[] DEVICE_TAG_BYTES = DEVICE_TAG.getBytes(StandardCharsets.US_ASCII);
    /** InfluxDB's own limits of a nanosecond timestamp: {@code math.MinInt64 + 2}, {@code math.MaxInt64 - 1}. */
    private static final long MIN_NANOS = Long.MIN_VALUE + 2;
    private static final long MAX_NANOS = Long.MAX_VALUE - 1;
    private static final long NEGATIVE_ZERO_BITS = Double.doubleToRawLongBits(-0.0);
    /** Below this, an integral double is written as its digits and {@code .0}: exact, and no formatting. */
    private static final double INTEGRAL_FAST_PATH_LIMIT = 1e15;
    /** Below this, a value with few decimals is written as fixed-point digits. */
    private static final double FRACTION_FAST_PATH_LIMIT = 1e9;
    private static final int MAX_FAST_DECIMALS = 6;
    private static final double[] POWERS_OF_TEN = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
    private static final double TWO_TO_53 = 9007199254740992.0;
    private static final byte[] NEGATIVE_ZERO = "-0.0".getBytes(StandardCharsets.US_ASCII);

    private final byte[] measurement;
    private final ChronoUnit precision;
    private final StringBuilder number = new StringBuilder(32);
    private final TagWriter tagWriter = new TagWriter();
    private final FieldWriter fieldWriter = new FieldWriter();

    /**
     * Makes an encoder.
     *
     * @param measurement the measurement every line gets, such as {@code sensor_reading}
     * @param precision the unit of the timestamps: {@code NANOS}, {@code MICROS}, {@code MILLIS} or
     *     {@code SECONDS}
     * @throws IllegalArgumentException if the measurement cannot be written or the precision is
     *     another unit
     */
    public LineProtocolEncoder(String measurement, ChronoUnit precision) {
        this.measurement = escapedMeasurement(measurement);
        this.precision = checkPrecision(precision);
    }

    /**
     * Checks a measurement name and returns it escaped for line protocol.
     *
     * @param measurement the name
     * @return its escaped UTF-8 bytes
     * @throws IllegalArgumentException if it is empty, starts with {@code #} (a comment line), holds
     *     a newline or ends with a backslash
     */
    public static byte[] escapedMeasurement(String measurement) {
        Objects.requireNonNull(measurement, "measurement");
        if (measurement.isEmpty()) {
            throw new IllegalArgumentException("measurement is empty: name one, such as sensor_reading");
        }
        if (measurement.charAt(0) == '#') {
            throw new IllegalArgumentException("measurement '" + measurement
                    + "' starts with '#', which makes a line protocol comment: choose another name");
        }
        if (measurement.indexOf('\n') >= 0 || measurement.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("measurement '" + measurement.strip()
                    + "' holds a line break, which line protocol cannot carry: choose another name");
        }
        if (measurement.charAt(measurement.length() - 1) == '\\') {
            throw new IllegalArgumentException("measurement '" + measurement
                    + "' ends with a backslash, which line protocol cannot carry: choose another name");
        }
        GrowableBytes out = new GrowableBytes(measurement.length() * 2);
        writeEscaped(measurement, false, out);
        byte[] bytes = new byte[out.length()];
        System.arraycopy(out.array(), 0, bytes, 0, bytes.length);
        return bytes;
    }

    /**
     * Checks that InfluxDB accepts a precision.
     *
     * @param precision the unit
     * @return the unit
     * @throws IllegalArgumentException if it is not nanoseconds, microseconds, milliseconds or
     *     seconds
     */
    public static ChronoUnit checkPrecision(ChronoUnit precision) {
        Objects.requireNonNull(precision, "precision");
        switch (precision) {
            case NANOS:
            case MICROS:
            case MILLIS:
            case SECONDS:
                return precision;
            default:
                throw new IllegalArgumentException("precision " + precision.name()
                        + " is not one InfluxDB writes: use NANOS, MICROS, MILLIS or SECONDS");
        }
    }

    /**
     * Returns the precision the timestamps are written in.
     *
     * @return the unit
     */
    public ChronoUnit precision() {
        return precision;
    }

    /**
     * Appends the lines of a batch, each ending with a newline.
     *
     * @param points the points
     * @param out where the bytes go
     * @throws IllegalArgumentException if a point cannot be written (a key or value ending with a
     *     backslash, an empty field name, a time outside InfluxDB's range); the message names the
     *     point's device and time, and the bytes of the points before it are in {@code out}
     */
    public void encode(List<Point> points, GrowableBytes out) {
        for (int i = 0, n = points.size(); i < n; i++) {
            encode(points.get(i), out);
        }
    }

    /**
     * Appends the line of one point, ending with a newline.
     *
     * @param point the point
     * @param out where the bytes go
     * @throws IllegalArgumentException if the point cannot be written, see {@link #encode(List, GrowableBytes)}
     */
    public void encode(Point point, GrowableBytes out) {
        long timestamp = timestamp(point.time(), precision, point.device());
        out.write(measurement);
        // Map.forEach with reused writers: iterating the point's unmodifiable maps would wrap every
        // entry in a new object, about 100 bytes per point.
        tagWriter.start(point, out);
        point.tags().forEach(tagWriter);
        if (!tagWriter.deviceWritten) {
            writeDevice(point, out);
        }
        out.write(' ');
        fieldWriter.start(point, out);
        point.fields().forEach(fieldWriter);
        tagWriter.start(null, null);
        fieldWriter.start(null, null);
        out.write(' ');
        out.writeDecimal(timestamp);
        out.write('\n');
    }

    /** Writes the tag set after the measurement, the device tag in its sorted place. */
    private static final class TagWriter implements BiConsumer<String, String> {
        private Point point;
        private GrowableBytes out;
        private boolean deviceWritten;

        void start(Point point, GrowableBytes out) {
            this.point = point;
            this.out = out;
            this.deviceWritten = false;
        }

        @Override
        public void accept(String key, String value) {
            int order = key.compareTo(DEVICE_TAG);
            if (order == 0 || value == null || value.isEmpty()) {
                return;
            }
            if (order > 0 && !deviceWritten) {
                writeDevice(point, out);
                deviceWritten = true;
            }
            if (key.isEmpty()) {
                throw new IllegalArgumentException(describe(point) + " has a tag with an empty name (value '" + value
                        + "'): line protocol needs a name for every tag");
            }
            out.write(',');
            writeKeyOrValue(key, point, "tag name", "", out);
            out.write('=');
            writeKeyOrValue(value, point, "value of tag ", key, out);
        }
    }

    /** Writes the field set, comma-separated. */
    private final class FieldWriter implements BiConsumer<String, Double> {
        private Point point;
        private GrowableBytes out;
        private boolean first;

        void start(Point point, GrowableBytes out) {
            this.point = point;
            this.out = out;
            this.first = true;
        }

        @Override
        public void accept(String key, Double value) {
            if (key.isEmpty()) {
                throw new IllegalArgumentException(describe(point)
                        + " has a field with an empty name: line protocol needs a name for every field");
            }
            if (!first) {
                out.write(',');
            }
            first = false;
            writeKeyOrValue(key, point, "field name", "", out);
            out.write('=');
            writeFloat(value, out);
        }
    }

    /**
     * Encodes a batch as text, for tests and benchmarks.
     *
     * @param points the points
     * @return the lines, each ending with a newline
     */
    public String encodeToString(List<Point> points) {
        GrowableBytes out = new GrowableBytes(points.size() * 64);
        encode(points, out);
        return out.toString();
    }

    /**
     * Converts a time to a line protocol timestamp, rounding down to the precision.
     *
     * @param time the time
     * @param precision the unit
     * @param device the device, for the message
     * @return whole units since the epoch
     * @throws IllegalArgumentException if the time is outside what InfluxDB stores (about the years
     *     1677 to 2262)
     */
    public static long timestamp(Instant time, ChronoUnit precision, String device) {
        long seconds = time.getEpochSecond();
        int nanos = time.getNano();
        try {
            long inNanos = Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
            if (inNanos < MIN_NANOS || inNanos > MAX_NANOS) {
                throw new ArithmeticException("outside InfluxDB's range");
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("the point of device " + device + " at " + time
                    + " is outside the times InfluxDB stores (1677-09-21 to 2262-04-11): check the device's clock", e);
        }
        switch (precision) {
            case NANOS:
                return seconds * 1_000_000_000L + nanos;
            case MICROS:
                return seconds * 1_000_000L + nanos / 1_000;
            case MILLIS:
                return seconds * 1_000L + nanos / 1_000_000;
            case SECONDS:
                return seconds;
            default:
                throw new IllegalArgumentException("precision " + precision + " is not one InfluxDB writes");
        }
    }

    private static void writeDevice(Point point, GrowableBytes out) {
        out.write(',');
        out.write(DEVICE_TAG_BYTES);
        out.write('=');
        writeKeyOrValue(point.device(), point, "device id", "", out);
    }

    /** {@code what + whatKey} names the key or value in the message, joined only if it is needed. */
    private static void writeKeyOrValue(String s, Point point, String what, String whatKey, GrowableBytes out) {
        if (s.charAt(s.length() - 1) == '\\') {
            throw new IllegalArgumentException(describe(point) + ": its " + what + whatKey + " '" + s
                    + "' ends with a backslash, which InfluxDB line protocol cannot carry (the parser reads the"
                    + " separator after it as escaped); remove or replace the trailing backslash");
        }
        writeEscaped(s, true, out);
    }

    /** Writes UTF-8, escaping what the line protocol parser would read as a separator. */
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): exact for ASCII, and no copy in between
    private static void writeEscaped(String s, boolean escapeEquals, GrowableBytes out) {
        int n = s.length();
        out.ensure(n + 8);
        int plain = 0;
        while (plain < n && isPlain(s.charAt(plain))) {
            plain++;
        }
        // Most keys and values (temperature, sensors/pi-3) need no escape: copy them in one go.
        s.getBytes(0, plain, out.array(), out.length());
        out.advance(plain);
        for (int i = plain; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                switch (c) {
                    case ',':
                    case ' ':
                        out.write('\\');
                        out.write(c);
                        break;
                    case '=':
                        if (escapeEquals) {
                            out.write('\\');
                        }
                        out.write(c);
                        break;
                    case '\n':
                        out.write('\\');
                        out.write('n');
                        break;
                    case '\r':
                        out.write('\\');
                        out.write('r');
                        break;
                    default:
                        out.write(c);
                }
            } else if (c < 0x800) {
                out.write(0xC0 | (c >> 6));
                out.write(0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.write(0xF0 | (cp >> 18));
                out.write(0x80 | ((cp >> 12) & 0x3F));
                out.write(0x80 | ((cp >> 6) & 0x3F));
                out.write(0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                // A lone surrogate is not text; String.getBytes(UTF_8) writes '?' for it too.
                out.write('?');
            } else {
                out.write(0xE0 | (c >> 12));
                out.write(0x80 | ((c >> 6) & 0x3F));
                out.write(0x80 | (c & 0x3F));
            }
        }
    }

    /** An ASCII character that no key, value or measurement escapes; '=' only matters in some. */
    private static boolean isPlain(char c) {
        return c > ' ' && c < 0x7F && c != ',' && c != '=';
    }

    private void writeFloat(double value, GrowableBytes out) {
        if (Double.doubleToRawLongBits(value) == NEGATIVE_ZERO_BITS) {
            out.write(NEGATIVE_ZERO);
            return;
        }
        double magnitude = Math.abs(value);
        if (magnitude < INTEGRAL_FAST_PATH_LIMIT) {
            if (value == Math.rint(value)) {
                out.writeDecimal((long) value);
                out.write('.');
                out.write('0');
                return;
            }
            if (magnitude < FRACTION_FAST_PATH_LIMIT && writeShortDecimal(value, magnitude, out)) {
                return;
            }
        }
        // StringBuilder.append(double) formats into the builder without a String in between.
        number.setLength(0);
        number.append(value);
        int n = number.length();
        out.ensure(n);
        for (int i = 0; i < n; i++) {
            out.write(number.charAt(i));
        }
    }

    /**
     * Writes a value with at most {@link #MAX_FAST_DECIMALS} decimals, such as a sensor's 21.37,
     * as fixed-point digits, several times faster than the general formatting. Exact: {@code m} and
     * {@code 10^k} are exact doubles, so {@code m / 10^k} is the double nearest to the decimal
     * {@code m·10^-k}, which is what a correct parser reads back from the digits; the value is
     * written so only if that double is the value itself.
     *
     * @return {@code false} if the value needs more decimals
     */
    private static boolean writeShortDecimal(double value, double magnitude, GrowableBytes out) {
        for (int k = 1; k <= MAX_FAST_DECIMALS; k++) {
            double scaled = Math.rint(magnitude * POWERS_OF_TEN[k]);
            if (scaled / POWERS_OF_TEN[k] == magnitude && scaled < TWO_TO_53) {
                long digits = (long) scaled;
                long power = (long) POWERS_OF_TEN[k];
                if (value < 0) {
                    out.write('-');
                }
                out.writeDecimal(digits / power);
                out.write('.');
                long fraction = digits % power;
                for (long p = power / 10; p > fraction && p > 1; p /= 10) {
                    out.write('0');
                }
                out.writeDecimal(fraction);
                return true;
            }
        }
        return false;
    }

    private static String describe(Point point) {
        return "the point of device " + point.device() + " at " + point.time();
    }
}
