package dev.edgeflow.pi4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A DS18B20 temperature sensor on the 1-Wire bus, read through the kernel's {@code w1_therm}
 * driver: {@code /sys/bus/w1/devices/28-<serial>/w1_slave}.
 *
 * <pre>{@code
 * List<Ds18b20> probes = Ds18b20.discover();   // every DS18B20 on the bus, sorted by id
 * Reading r = probes.get(0).read();            // {temperature=23.125}
 * }</pre>
 *
 * <p>The kernel writes two lines per read: the nine scratchpad bytes with its own CRC verdict,
 * then the same bytes with the temperature in thousandths of a degree:
 *
 * <pre>
 * 72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
 * 72 01 4b 46 7f ff 0e 10 57 t=23125
 * </pre>
 *
 * <p>A read succeeds only if the first line ends in {@code YES}, the scratchpad's CRC-8
 * (Dallas/Maxim) checks here too, and the value is a real measurement. A retryable
 * {@link SensorException} says which check failed:
 * <ul>
 *   <li>a CRC mismatch, which noise on a long cable causes;</li>
 *   <li>85 °C with the power-on scratchpad, meaning the conversion never ran, which a weak
 *       supply or parasite power causes;</li>
 *   <li>an all-zero scratchpad, which the kernel reports with a valid CRC when the sensor stops
 *       answering;</li>
 *   <li>a value outside the sensor's range of −55 to 125 °C;</li>
 *   <li>a sensor that vanished: its directory went away when it was unplugged.</li>
 * </ul>
 *
 * <p>A read takes as long as the conversion, up to 750 ms at the default 12-bit resolution; the
 * kernel does the waiting. Thread-safe: the object holds no state besides its directory.
 *
 * @since 0.1.0
 */
public final class Ds18b20 implements Sensor {
    /** Where the kernel lists 1-Wire devices. */
    public static final Path DEFAULT_DEVICES = Path.of("/sys/bus/w1/devices");
    /** The 1-Wire family code of the DS18B20. */
    private static final String FAMILY = "28-";
    private static final Pattern CRC_LINE = Pattern.compile("^((?:[0-9a-fA-F]{2} ){9}): crc=([0-9a-fA-F]{2}) (YES|NO)$");
    private static final Pattern VALUE_LINE = Pattern.compile("^((?:[0-9a-fA-F]{2} ){9})t=(-?\\d+)$");
    private static final double MIN_CELSIUS = -55;
    private static final double MAX_CELSIUS = 125;

    private final Path directory;
    private final String id;
    private final String name;
    private final Clock clock;

    private Ds18b20(Path directory, Clock clock) {
        this.directory = directory;
        this.id = directory.getFileName().toString();
        this.name = "ds18b20-" + (id.startsWith(FAMILY) ? id.substring(FAMILY.length()) : id);
        this.clock = clock;
    }

    /**
     * Finds every DS18B20 under {@link #DEFAULT_DEVICES}.
     *
     * @return the sensors, sorted by id; never empty
     * @throws SensorException if 1-Wire is not enabled or no DS18B20 is found, saying how to fix it
     */
    public static List<Ds18b20> discover() {
        return discover(DEFAULT_DEVICES, Clock.systemUTC());
    }

    /**
     * Finds every DS18B20 in a directory laid out as {@code /sys/bus/w1/devices}.
     *
     * @param devices the directory
     * @return the sensors, sorted by id; never empty
     * @throws SensorException if the directory does not exist or holds no {@code 28-*} device
     */
    public static List<Ds18b20> discover(Path devices) {
        return discover(devices, Clock.systemUTC());
    }

    /**
     * Finds every DS18B20 in a directory laid out as {@code /sys/bus/w1/devices}.
     *
     * @param devices the directory
     * @param clock gives the readings' time
     * @return the sensors, sorted by id; never empty
     * @throws SensorException if the directory does not exist or holds no {@code 28-*} device
     */
    public static List<Ds18b20> discover(Path devices, Clock clock) {
        Objects.requireNonNull(devices, "devices");
        Objects.requireNonNull(clock, "clock");
        if (!Files.isDirectory(devices)) {
            throw new SensorException(devices + " does not exist: 1-Wire is not enabled. Add dtoverlay=w1-gpio "
                    + "(data on GPIO4; dtoverlay=w1-gpio,gpiopin=N for another pin) to /boot/firmware/config.txt, "
                    + "or run sudo raspi-config nonint do_onewire 0, and reboot", false, null);
        }
        List<Ds18b20> found;
        try (Stream<Path> entries = Files.list(devices)) {
            found = entries.filter(p -> p.getFileName().toString().startsWith(FAMILY))
                    .sorted()
                    .map(p -> new Ds18b20(p, clock))
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new SensorException("cannot list " + devices + ": " + e.getMessage(), false, e);
        }
        if (found.isEmpty()) {
            throw new SensorException("no DS18B20 found under " + devices + ": check the wiring (data to GPIO4, or "
                    + "the pin of dtoverlay=w1-gpio,gpiopin=N, with a 4.7 kΩ pull-up from data to 3.3 V; power from "
                    + "3.3 V)", false, null);
        }
        return List.copyOf(found);
    }

    /**
     * Returns the sensor in one device directory, such as
     * {@code /sys/bus/w1/devices/28-0316a2795aff}. The directory is not checked until a read.
     *
     * @param directory the device's directory
     * @return the sensor
     */
    public static Ds18b20 at(Path directory) {
        return at(directory, Clock.systemUTC());
    }

    /**
     * Returns the sensor in one device directory.
     *
     * @param directory the device's directory
     * @param clock gives the readings' time
     * @return the sensor
     */
    public static Ds18b20 at(Path directory, Clock clock) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(clock, "clock");
        if (directory.getFileName() == null) {
            throw new IllegalArgumentException("'" + directory + "' is not a 1-Wire device directory: give one like "
                    + DEFAULT_DEVICES.resolve("28-0316a2795aff"));
        }
        return new Ds18b20(directory, clock);
    }

    /**
     * Returns the 1-Wire id, family code and serial: {@code 28-0316a2795aff}.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * Returns the device's directory.
     *
     * @return the directory
     */
    public Path directory() {
        return directory;
    }

    /**
     * Returns {@code ds18b20-<serial>}, such as {@code ds18b20-0316a2795aff}, so that several
     * sensors on one bus have names (and topics) of their own.
     *
     * @return the name
     */
    @Override
    public String name() {
        return name;
    }

    /**
     * Reads the temperature.
     *
     * @return a reading with {@code temperature} in °C
     * @throws SensorException (retryable) if the sensor vanished, the CRC fails, or the value is
     *     the power-on value, all zero or out of range; (not retryable) if the file may not be read
     */
    @Override
    public Reading read() {
        Path file = directory.resolve("w1_slave");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new SensorException("DS18B20 " + id + " vanished: " + file + " does not exist. The sensor was "
                    + "disconnected or its wiring is loose", true, e);
        } catch (AccessDeniedException e) {
            throw new SensorException("permission denied reading " + file + ": run as a user who may read "
                    + "/sys/bus/w1/devices (it is world-readable on Raspberry Pi OS)", false, e);
        } catch (IOException e) {
            throw new SensorException("DS18B20 " + id + ": reading " + file + " failed: " + e.getMessage(), true, e);
        }
        return parse(text);
    }

    Reading parse(String text) {
        if (text.isBlank()) {
            throw new SensorException("DS18B20 " + id + ": w1_slave was empty: the kernel could not read the sensor "
                    + "(a conversion failed or the sensor stopped answering); check its power and data wires", true,
                    null);
        }
        String[] lines = text.strip().split("\\R");
        Matcher crc = lines.length == 2 ? CRC_LINE.matcher(lines[0].strip()) : null;
        Matcher value = lines.length == 2 ? VALUE_LINE.matcher(lines[1].strip()) : null;
        if (crc == null || !crc.matches() || !value.matches()) {
            throw new SensorException("DS18B20 " + id + ": unexpected content in w1_slave: '" + summary(text)
                    + "'; expected two lines, '<9 bytes> : crc=XX YES' and '<9 bytes> t=<millidegrees>'", true, null);
        }
        byte[] scratchpad = bytes(crc.group(1));
        if (!crc.group(3).equals("YES")) {
            throw new SensorException("DS18B20 " + id + ": CRC check failed (the kernel says crc=" + crc.group(2)
                    + " NO): noise on the bus; check the 4.7 kΩ pull-up and keep the cable short", true, null);
        }
        int computed = crc8(scratchpad, 8);
        if (computed != (scratchpad[8] & 0xFF)) {
            throw new SensorException(String.format("DS18B20 %s: CRC check failed: the scratchpad's CRC is %02x, "
                    + "computed %02x: noise on the bus; check the 4.7 kΩ pull-up and keep the cable short", id,
                    scratchpad[8] & 0xFF, computed), true, null);
        }
        boolean allZero = true;
        for (byte b : scratchpad) {
            allZero &= b == 0;
        }
        if (allZero) {
            throw new SensorException("DS18B20 " + id + " returned an all-zero scratchpad: it stopped answering; "
                    + "check its power and data wires", true, null);
        }
        if (scratchpad[0] == 0x50 && scratchpad[1] == 0x05) {
            throw new SensorException("DS18B20 " + id + " reported 85 °C, the power-on value: the conversion did not "
                    + "run, usually a weak 3.3 V supply or parasite power; power VDD from 3.3 V", true, null);
        }
        double celsius = Long.parseLong(value.group(2)) / 1000.0;
        if (celsius < MIN_CELSIUS || celsius > MAX_CELSIUS) {
            throw new SensorException("DS18B20 " + id + " reported " + celsius + " °C, outside its range of -55 to "
                    + "125 °C: a bad read", true, null);
        }
        return Reading.of(Map.of(Reading.TEMPERATURE, celsius), clock.instant());
    }

    /**
     * The Dallas/Maxim CRC-8 (polynomial x^8 + x^5 + x^4 + 1, reflected: 0x8C).
     *
     * @param data the bytes
     * @param length how many of them, from the first
     * @return the CRC, 0 to 255
     */
    static int crc8(byte[] data, int length) {
        int crc = 0;
        for (int i = 0; i < length; i++) {
            int b = data[i] & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                boolean mix = ((crc ^ b) & 1) != 0;
                crc >>>= 1;
                if (mix) {
                    crc ^= 0x8C;
                }
                b >>>= 1;
            }
        }
        return crc;
    }

    private static byte[] bytes(String hex) {
        String[] parts = hex.trim().split(" ");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }

    private static String summary(String text) {
        String oneLine = text.replaceAll("\\R", " | ").strip();
        return oneLine.length() > 120 ? oneLine.substring(0, 120) + "..." : oneLine;
    }

    @Override
    public String toString() {
        return "Ds18b20[" + directory + "]";
    }
}
