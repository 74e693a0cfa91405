package dev.edgeflow.timeseries.influx.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.timeseries.Point;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LineProtocolEncoderTest {
    private static final Instant T = Instant.parse("2026-12-07T10:15:30.123456789Z");
    private final LineProtocolEncoder millis = new LineProtocolEncoder("sensor_reading", ChronoUnit.MILLIS);

    private static Point point(String device, Map<String, Double> fields, Map<String, String> tags) {
        return new Point(device, T, fields, tags);
    }

    @Test
    void writesMeasurementDeviceTagSortedFloatFieldsAndMillisecondTimestamp() {
        String line = millis.encodeToString(List.of(point("pi-1", Map.of("temperature", 21.5, "humidity", 40.0),
                Map.of())));

        assertThat(line).isEqualTo("sensor_reading,device_id=pi-1 humidity=40.0,temperature=21.5 "
                + T.toEpochMilli() + "\n");
    }

    @Test
    void placesDeviceTagInSortedOrderAmongThePointsTags() {
        String line = millis.encodeToString(List.of(point("d", Map.of("v", 1.0),
                Map.of("zone", "north", "alpha", "a", "device", "x", "e", "y"))));

        assertThat(line).startsWith("sensor_reading,alpha=a,device=x,device_id=d,e=y,zone=north v=1.0 ");
    }

    @Test
    void devicePrecedesLaterTagsAndFollowsWhenAllTagsSortBefore() {
        assertThat(millis.encodeToString(List.of(point("d", Map.of("v", 1.0), Map.of("topic", "t")))))
                .startsWith("sensor_reading,device_id=d,topic=t ");
        assertThat(millis.encodeToString(List.of(point("d", Map.of("v", 1.0), Map.of("a", "1", "b", "2")))))
                .startsWith("sensor_reading,a=1,b=2,device_id=d ");
    }

    @Test
    void theDeviceWinsOverAPointTagCalledDeviceId() {
        String line = millis.encodeToString(List.of(point("real", Map.of("v", 1.0), Map.of("device_id", "other"))));

        assertThat(line).startsWith("sensor_reading,device_id=real v=1.0 ").doesNotContain("other");
    }

    @Test
    void leavesOutTagsWithAnEmptyValue() {
        String line = millis.encodeToString(List.of(point("d", Map.of("v", 1.0), Map.of("empty", "", "room", "k"))));

        assertThat(line).startsWith("sensor_reading,device_id=d,room=k v=1.0 ");
    }

    @Test
    void escapesCommasSpacesAndEqualsSignsInTagKeysTagValuesAndFieldKeys() {
        String line = millis.encodeToString(List.of(point("pi 1,a=b", Map.of("temp, C=x", 1.0),
                Map.of("my tag,k=v", "a value,with=all"))));

        assertThat(line).isEqualTo("sensor_reading,device_id=pi\\ 1\\,a\\=b,my\\ tag\\,k\\=v=a\\ value\\,with\\=all"
                + " temp\\,\\ C\\=x=1.0 " + T.toEpochMilli() + "\n");
    }

    @Test
    void escapesCommasAndSpacesButNotEqualsSignsInTheMeasurement() {
        LineProtocolEncoder encoder = new LineProtocolEncoder("my reading,a=b", ChronoUnit.SECONDS);

        assertThat(encoder.encodeToString(List.of(point("d", Map.of("v", 1.0), Map.of()))))
                .startsWith("my\\ reading\\,a=b,device_id=d v=1.0 ");
    }

    @Test
    void keepsBackslashesAsTheParserDoesIncludingBeforeAnEscapedCharacter() {
        // influxd keeps a\b as a\b, and reads a\\,b (backslash, escaped comma) as a\,b.
        String line = millis.encodeToString(List.of(point("d", Map.of("v", 1.0), Map.of("path", "C:\\x", "k", "a\\,b"))));

        assertThat(line).startsWith("sensor_reading,device_id=d,k=a\\\\,b,path=C:\\x v=1.0 ");
    }

    @Test
    void writesLineBreaksAsTheTwoCharacterEscapesSoThatTheLineDoesNotEnd() {
        String line = millis.encodeToString(List.of(point("d", Map.of("v", 1.0), Map.of("note", "a\nb\rc\td"))));

        assertThat(line).startsWith("sensor_reading,device_id=d,note=a\\nb\\rc\td v=1.0 ");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    }

    @Test
    void refusesAValueEndingWithABackslashNamingTheDeviceAndTag() {
        Point p = point("pi-7", Map.of("v", 1.0), Map.of("topic", "sensors\\"));

        assertThatThrownBy(() -> millis.encodeToString(List.of(p)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pi-7")
                .hasMessageContaining("value of tag topic")
                .hasMessageContaining("ends with a backslash");
    }

    @Test
    void refusesAFieldWithAnEmptyName() {
        assertThatThrownBy(() -> millis.encodeToString(List.of(point("d", Map.of("", 1.0), Map.of()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty name");
    }

    @Test
    void encodesNonAsciiTextAsUtf8() {
        LineProtocolEncoder encoder = new LineProtocolEncoder("mesure é", ChronoUnit.MILLIS);
        Point p = point("capteur-é", Map.of("温度", 1.0), Map.of("emoji", "🌡 x", "lone", "a\uD800b"));
        GrowableBytes out = new GrowableBytes(16);

        encoder.encode(p, out);

        byte[] expected = ("mesure\\ é,device_id=capteur-é,emoji=🌡\\ x,lone=a?b 温度=1.0 " + T.toEpochMilli() + "\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] actual = new byte[out.length()];
        System.arraycopy(out.array(), 0, actual, 0, actual.length);
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void writesTheTimestampInEachPrecisionRoundingDown() {
        assertThat(LineProtocolEncoder.timestamp(T, ChronoUnit.NANOS, "d")).isEqualTo(T.getEpochSecond() * 1_000_000_000L
                + 123_456_789L);
        assertThat(LineProtocolEncoder.timestamp(T, ChronoUnit.MICROS, "d")).isEqualTo(T.getEpochSecond() * 1_000_000L
                + 123_456L);
        assertThat(LineProtocolEncoder.timestamp(T, ChronoUnit.MILLIS, "d")).isEqualTo(T.toEpochMilli());
        assertThat(LineProtocolEncoder.timestamp(T, ChronoUnit.SECONDS, "d")).isEqualTo(T.getEpochSecond());
        Instant before1970 = Instant.parse("1969-12-31T23:59:59.999Z");
        assertThat(LineProtocolEncoder.timestamp(before1970, ChronoUnit.MILLIS, "d")).isEqualTo(-1L);
        assertThat(LineProtocolEncoder.timestamp(before1970, ChronoUnit.SECONDS, "d")).isEqualTo(-1L);

        LineProtocolEncoder nanos = new LineProtocolEncoder("m", ChronoUnit.NANOS);
        assertThat(nanos.encodeToString(List.of(point("d", Map.of("v", 1.0), Map.of()))))
                .isEqualTo("m,device_id=d v=1.0 " + T.getEpochSecond() + "123456789\n");
        assertThat(new LineProtocolEncoder("m", ChronoUnit.NANOS).encodeToString(
                List.of(new Point("d", before1970, Map.of("v", 1.0), Map.of()))))
                .isEqualTo("m,device_id=d v=1.0 -1000000\n");
    }

    @Test
    void refusesATimeInfluxDbCannotStoreWhateverThePrecision() {
        Point farFuture = new Point("pi-9", Instant.parse("2300-01-01T00:00:00Z"), Map.of("v", 1.0), Map.of());

        assertThatThrownBy(() -> millis.encodeToString(List.of(farFuture)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pi-9")
                .hasMessageContaining("2300-01-01T00:00:00Z")
                .hasMessageContaining("1677-09-21 to 2262-04-11");
        Instant last = Instant.ofEpochSecond(0, Long.MAX_VALUE - 1);
        assertThat(LineProtocolEncoder.timestamp(last, ChronoUnit.NANOS, "d")).isEqualTo(Long.MAX_VALUE - 1);
        assertThatThrownBy(() -> LineProtocolEncoder.timestamp(last.plusNanos(1), ChronoUnit.NANOS, "d"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writesEveryFloatSoThatItParsesBackToTheSameValueAndReadsAsAFloat() {
        double[] values = {0.0, -0.0, 1.0, -1.0, 21.5, 0.1, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE,
            123456789012345.0, 1e15, 1e16, 9.007199254740993e15, 3.141592653589793, -273.15, 1e7, 12345678.9};
        for (double value : values) {
            String line = millis.encodeToString(List.of(point("d", Map.of("v", value), Map.of())));
            String written = line.substring(line.indexOf("v=") + 2, line.lastIndexOf(' '));

            assertThat(Double.doubleToRawLongBits(Double.parseDouble(written))).as(written)
                    .isEqualTo(Double.doubleToRawLongBits(value));
            // Without a point or exponent line protocol would still read a float, but an 'i' suffix or a
            // bare integer is what clients confuse; a float always shows that it is one.
            assertThat(written).as(written).containsAnyOf(".", "E");
        }
    }

    @Test
    void writesSensorLikeAndArbitraryDoublesSoThatTheyParseBackExactly() {
        java.util.Random random = new java.util.Random(20261207);
        GrowableBytes out = new GrowableBytes(64);
        for (int i = 0; i < 50_000; i++) {
            double value;
            if (i % 2 == 0) {
                double scale = Math.pow(10, random.nextInt(8));
                value = Math.round(random.nextGaussian() * 1000 * scale) / scale;
            } else {
                value = Double.longBitsToDouble(random.nextLong());
                if (!Double.isFinite(value)) {
                    continue;
                }
            }
            out.reset();
            millis.encode(point("d", Map.of("v", value), Map.of()), out);
            String line = out.toString();
            String written = line.substring(line.indexOf("v=") + 2, line.lastIndexOf(' '));

            assertThat(Double.parseDouble(written)).as(written).isEqualTo(value);
            assertThat(written).as(written).containsAnyOf(".", "E").doesNotStartWith(".");
        }
        assertThat(millis.encodeToString(List.of(point("d", Map.of("a", 21.37, "b", -0.005, "c", 1013.25), Map.of()))))
                .contains(" a=21.37,b=-0.005,c=1013.25 ");
    }

    @Test
    void encodesABatchLineByLineIntoAReusedBuffer() {
        List<Point> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Map<String, Double> fields = new LinkedHashMap<>();
            fields.put("temperature", 20.0 + i / 10.0);
            fields.put("humidity", 40.0 + i);
            batch.add(new Point("pi-" + (i % 7), T.plusMillis(i), fields, Map.of("topic", "sensors/pi-" + (i % 7))));
        }
        GrowableBytes out = new GrowableBytes(16);

        millis.encode(batch, out);
        String first = out.toString();
        out.reset();
        millis.encode(batch, out);

        assertThat(out.toString()).isEqualTo(first);
        String[] lines = first.split("\n");
        assertThat(lines).hasSize(500);
        assertThat(lines[3]).isEqualTo("sensor_reading,device_id=pi-3,topic=sensors/pi-3 humidity=43.0,temperature=20.3 "
                + T.plusMillis(3).toEpochMilli());
    }

    @Test
    void refusesMeasurementsAndPrecisionsLineProtocolCannotCarry() {
        assertThatThrownBy(() -> new LineProtocolEncoder("", ChronoUnit.MILLIS)).hasMessageContaining("empty");
        assertThatThrownBy(() -> new LineProtocolEncoder("#x", ChronoUnit.MILLIS)).hasMessageContaining("comment");
        assertThatThrownBy(() -> new LineProtocolEncoder("a\nb", ChronoUnit.MILLIS)).hasMessageContaining("line break");
        assertThatThrownBy(() -> new LineProtocolEncoder("a\\", ChronoUnit.MILLIS)).hasMessageContaining("backslash");
        assertThatThrownBy(() -> new LineProtocolEncoder("m", ChronoUnit.MINUTES))
                .hasMessageContaining("precision MINUTES")
                .hasMessageContaining("NANOS, MICROS, MILLIS or SECONDS");
    }

    @Test
    void writesNegativeAndLargeDecimalsExactly() {
        GrowableBytes out = new GrowableBytes(1);
        out.writeDecimal(0);
        out.write(' ');
        out.writeDecimal(-1234567890123L);
        out.write(' ');
        out.writeDecimal(Long.MAX_VALUE);
        out.write(' ');
        out.writeDecimal(Long.MIN_VALUE);

        assertThat(out.toString()).isEqualTo("0 -1234567890123 9223372036854775807 -9223372036854775808");
    }
}
