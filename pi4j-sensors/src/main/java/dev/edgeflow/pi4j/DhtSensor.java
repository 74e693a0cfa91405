package dev.edgeflow.pi4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A DHT22 (AM2302) or DHT11 read through the kernel's {@code dht11} IIO driver, which the
 * overlay {@code dtoverlay=dht11,gpiopin=N} loads. The driver serves both chips and exposes
 * {@code in_temp_input} (thousandths of a degree) and {@code in_humidityrelative_input}
 * (thousandths of a percent) under {@code /sys/bus/iio/devices/iio:deviceN}.
 *
 * <pre>{@code
 * DhtSensor dht = DhtSensor.builder().build();   // the dht11 IIO device, discovered
 * Reading r = dht.read();                        // {temperature=21.3, humidity=48.2}
 * }</pre>
 *
 * <p><b>Why the kernel driver.</b> A DHT answers with a 40-bit pulse train in which a 0 and a 1
 * differ by about 50 µs. Timing that from user space, and from Java with its garbage collector
 * in particular, loses bits whenever the thread is paused; the kernel driver times the pulses in
 * interrupt context. Even so a read fails now and then: the driver then returns {@code EIO} (a
 * checksum or pulse-count error) or {@code ETIMEDOUT} (no answer). This class retries such reads,
 * and values outside the sensor's physical range, up to {@link Builder#maxAttempts(int)} times,
 * {@link Builder#retryDelay(Duration)} apart (a DHT22 needs 2 s between reads, a DHT11 1 s).
 *
 * <p>Reads are serialized: the sensor can do only one at a time.
 *
 * @since 0.1.0
 */
public final class DhtSensor implements Sensor {
    /** Where the kernel lists IIO devices. */
    public static final Path DEFAULT_IIO_DEVICES = Path.of("/sys/bus/iio/devices");
    static final String TEMPERATURE_FILE = "in_temp_input";
    static final String HUMIDITY_FILE = "in_humidityrelative_input";
    private static final String OVERLAY_HINT = "add dtoverlay=dht11,gpiopin=<N> (N the BCM pin of DATA) to "
            + "/boot/firmware/config.txt and reboot";

    /** Waits between attempts; tests pass one that does not sleep. */
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** Reads a sysfs file; tests pass one that fails as the driver does. */
    interface FileReader {
        String read(Path file) throws IOException;
    }

    private final String name;
    private final Path device;
    private final int maxAttempts;
    private final Duration retryDelay;
    private final Clock clock;
    private final Sleeper sleeper;
    private final FileReader files;

    private DhtSensor(Builder b, Path device) {
        this.name = b.name;
        this.device = device;
        this.maxAttempts = b.maxAttempts;
        this.retryDelay = b.retryDelay;
        this.clock = b.clock;
        this.sleeper = b.sleeper;
        this.files = b.files;
    }

    /**
     * Starts a DHT sensor.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Returns the IIO device directory read.
     *
     * @return the directory, such as {@code /sys/bus/iio/devices/iio:device0}
     */
    public Path device() {
        return device;
    }

    /**
     * Reads temperature and humidity, retrying the driver's bad reads.
     *
     * @return a reading with {@code temperature} (°C) and {@code humidity} (%RH)
     * @throws SensorException (retryable) if every attempt failed, naming the attempts and the
     *     last error; (not retryable) if the device is gone or may not be read
     */
    @Override
    public synchronized Reading read() {
        String last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            if (attempt > 1) {
                try {
                    sleeper.sleep(retryDelay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SensorException(name + " (" + device + "): interrupted between attempts", true, e);
                }
            }
            try {
                double celsius = value(TEMPERATURE_FILE);
                double humidity = value(HUMIDITY_FILE);
                if (celsius < -40 || celsius > 80) {
                    last = "temperature " + celsius + " °C is outside the sensor's range of -40 to 80 °C";
                } else if (humidity < 0 || humidity > 100) {
                    last = "humidity " + humidity + " % is outside 0 to 100 %";
                } else {
                    Map<String, Double> values = new LinkedHashMap<>();
                    values.put(Reading.TEMPERATURE, celsius);
                    values.put(Reading.HUMIDITY, humidity);
                    return Reading.of(values, clock.instant());
                }
            } catch (BadRead e) {
                last = e.getMessage();
            }
        }
        throw new SensorException(name + " (" + device + "): no good read after " + maxAttempts + " attempt"
                + (maxAttempts == 1 ? "" : "s") + "; last: " + last + ". Check the wiring and the 10 kΩ pull-up "
                + "from DATA to 3.3 V", true, null);
    }

    private double value(String fileName) {
        Path file = device.resolve(fileName);
        String text;
        try {
            text = files.read(file).trim();
        } catch (NoSuchFileException e) {
            throw new SensorException(name + ": " + file + " does not exist: the DHT device is gone; " + OVERLAY_HINT,
                    false, e);
        } catch (AccessDeniedException e) {
            throw new SensorException("permission denied reading " + file + ": run as a user who may read "
                    + "/sys/bus/iio/devices (it is world-readable on Raspberry Pi OS)", false, e);
        } catch (IOException e) {
            throw new BadRead(file.getFileName() + ": " + describe(e));
        }
        try {
            return Long.parseLong(text) / 1000.0;
        } catch (NumberFormatException e) {
            throw new BadRead(file.getFileName() + " holds '" + text + "', not a number");
        }
    }

    private static String describe(IOException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("Input/output error")) {
            return "EIO (Input/output error): the driver got a bad pulse train or checksum";
        }
        if (m.contains("timed out")) {
            return "ETIMEDOUT (Connection timed out): the sensor did not answer";
        }
        return m;
    }

    @Override
    public String toString() {
        return "DhtSensor[" + name + " " + device + "]";
    }

    /** A read the driver failed, which may pass on the next attempt. */
    private static final class BadRead extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRead(String message) {
            super(message, null, false, false);
        }
    }

    /** Configures a {@link DhtSensor}. */
    public static final class Builder {
        private String name = "dht22";
        private Path device;
        private Path iioRoot = DEFAULT_IIO_DEVICES;
        private int maxAttempts = 5;
        private Duration retryDelay = Duration.ofMillis(2100);
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper = d -> Thread.sleep(d.toMillis());
        private FileReader files = f -> Files.readString(f, StandardCharsets.US_ASCII);

        private Builder() {
        }

        /**
         * Sets the sensor's name, which becomes its topic's last level.
         *
         * @param name by default {@code dht22}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Reads this IIO device directory instead of discovering one.
         *
         * @param device such as {@code /sys/bus/iio/devices/iio:device0}
         * @return this builder
         */
        public Builder device(Path device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /**
         * Discovers the device under this directory: the one whose {@code name} file starts with
         * {@code dht11}, the driver's name. With several DHT sensors, give each with
         * {@link #device(Path)} instead.
         *
         * @param iioDevices by default {@code /sys/bus/iio/devices}
         * @return this builder
         */
        public Builder discover(Path iioDevices) {
            this.iioRoot = Objects.requireNonNull(iioDevices, "iioDevices");
            this.device = null;
            return this;
        }

        /**
         * Sets how many times a read is tried before it fails.
         *
         * @param attempts 1 or more; by default 5
         * @return this builder
         */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts is " + attempts + ": use 1 or more (5 by default)");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * Sets the pause between attempts.
         *
         * @param delay 0 or more; by default 2.1 s, since a DHT22 needs 2 s between reads (a DHT11, 1 s)
         * @return this builder
         */
        public Builder retryDelay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("retryDelay is " + delay + ": use 0 or more, such as 2100 ms");
            }
            this.retryDelay = delay;
            return this;
        }

        /**
         * Sets the clock that gives the readings' time.
         *
         * @param clock by default the system clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        Builder sleeper(Sleeper sleeper) {
            this.sleeper = sleeper;
            return this;
        }

        Builder files(FileReader files) {
            this.files = files;
            return this;
        }

        /**
         * Finds the device (unless one was given) and builds the sensor.
         *
         * @return the sensor
         * @throws SensorException (not retryable) if no DHT device is found, several are (name one
         *     with {@link #device(Path)}), or the given one does not exist, saying which overlay to add
         */
        public DhtSensor build() {
            Path d = device;
            if (d == null) {
                d = discoverDevice(iioRoot);
            } else if (!Files.isDirectory(d)) {
                throw new SensorException("DHT device " + d + " does not exist: " + OVERLAY_HINT, false, null);
            }
            return new DhtSensor(this, d);
        }

        private static Path discoverDevice(Path root) {
            if (!Files.isDirectory(root)) {
                throw new SensorException("no DHT sensor: " + root + " does not exist (no IIO device at all); "
                        + OVERLAY_HINT, false, null);
            }
            List<Path> found;
            try (Stream<Path> entries = Files.list(root)) {
                found = entries.filter(p -> driverName(p).startsWith("dht11")).sorted().collect(Collectors.toList());
            } catch (IOException e) {
                throw new SensorException("cannot list " + root + ": " + e.getMessage(), false, e);
            }
            if (found.isEmpty()) {
                throw new SensorException("no DHT sensor under " + root + " (no IIO device named dht11...): "
                        + OVERLAY_HINT, false, null);
            }
            if (found.size() > 1) {
                throw new SensorException("found " + found.size() + " DHT sensors under " + root + ": " + found
                        + "; choose one for each DhtSensor with device(Path)", false, null);
            }
            return found.get(0);
        }

        private static String driverName(Path device) {
            try {
                return Files.readString(device.resolve("name"), StandardCharsets.US_ASCII).trim()
                        .toLowerCase(Locale.ROOT);
            } catch (IOException e) {
                return "";
            }
        }
    }
}
