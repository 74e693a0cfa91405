package dev.edgeflow.pi4j;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;

/**
 * A sensor without hardware: readings with measurement noise, a slow drift, and now and then a
 * spike, for demos, for tests of alerting and anomaly detection, and for developing a pipeline on
 * a machine that is not a Raspberry Pi. {@link SimulatedSensors} has presets shaped like the real
 * chips.
 *
 * <p>Each channel (temperature, humidity, pressure) is a random walk that is pulled back towards
 * its base value, so that it drifts slowly but stays within its range; every read adds Gaussian
 * noise on top. With {@link Builder#spikes(double, double, double)} a read is now and then a
 * temperature spike from a range above the normal one, so that a threshold between the two ranges
 * catches exactly the spikes. With {@link Builder#failureProbability(double)} a read now and then
 * fails with a retryable {@link SensorException}, as a real sensor on a loose wire does.
 *
 * <pre>{@code
 * Sensor room = SimulatedSensors.bme280("bme280").seed(42).spikes(0.01, 35.5, 40).build();
 * Reading r = room.read();   // {temperature=22.4, humidity=48.9, pressure=1013.1}
 * }</pre>
 *
 * <p>Thread-safe; the same seed gives the same sequence of values.
 *
 * @since 0.1.0
 */
public final class SimulatedSensor implements Sensor {
    /** How strongly a channel is pulled back to its base at each step: 2 % of the distance. */
    private static final double PULL_BACK = 0.02;

    private final String name;
    private final List<Channel> channels;
    private final double spikeProbability;
    private final double spikeMin;
    private final double spikeMax;
    private final double failureProbability;
    private final Clock clock;
    private final Random random;
    private final LongAdder spikes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder readings = new LongAdder();

    /** One simulated quantity; its state is touched under the sensor's lock. */
    private static final class Channel {
        final String key;
        final double base;
        final double min;
        final double max;
        final double noise;
        final double drift;
        final int decimals;
        double value;

        Channel(String key, double base, double min, double max, double noise, double drift, int decimals) {
            this.key = key;
            this.base = base;
            this.min = min;
            this.max = max;
            this.noise = noise;
            this.drift = drift;
            this.decimals = decimals;
            this.value = base;
        }

        Channel copy() {
            return new Channel(key, base, min, max, noise, drift, decimals);
        }
    }

    private SimulatedSensor(Builder b) {
        this.name = b.name;
        this.spikeProbability = b.spikeProbability;
        this.spikeMin = b.spikeMin;
        this.spikeMax = b.spikeMax;
        this.failureProbability = b.failureProbability;
        this.clock = b.clock;
        this.random = b.seed == null ? new Random() : new Random(b.seed);
        List<Channel> list = new ArrayList<>();
        for (Channel c : b.channels.values()) {
            Channel copy = c.copy();
            // Start each instance somewhere within a tenth of its range, so that a fleet differs.
            copy.value = clamp(c.base + (random.nextDouble() - 0.5) * (c.max - c.min) / 10, c.min, c.max);
            list.add(copy);
        }
        this.channels = List.copyOf(list);
    }

    /**
     * Starts describing a simulated sensor with no channels; add at least one. Most callers start
     * from a preset in {@link SimulatedSensors} instead.
     *
     * @param name the sensor's name, e.g. {@code bme280}
     * @return a builder: no spikes, no failures, the system clock, a random seed
     * @throws IllegalArgumentException if the name is blank or contains {@code /}, {@code +} or
     *     {@code #} (it becomes a topic level)
     */
    public static Builder builder(String name) {
        return new Builder(SensorNames.check(name));
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Measures once: every channel drifts a step and gets fresh noise; the temperature may spike,
     * and the read may fail if the builder asked for failures.
     *
     * @return the values, rounded as the real chip reports them, timestamped by the clock
     * @throws SensorException a retryable one, with the probability of
     *     {@link Builder#failureProbability(double)}
     */
    @Override
    public synchronized Reading read() {
        if (failureProbability > 0 && random.nextDouble() < failureProbability) {
            failures.increment();
            throw new SensorException("simulated sensor '" + name + "' failed a read on purpose (failure probability "
                    + failureProbability + "); the next read usually succeeds", true, null);
        }
        Map<String, Double> values = new LinkedHashMap<>();
        boolean spike = spikeProbability > 0 && random.nextDouble() < spikeProbability;
        for (Channel c : channels) {
            c.value = clamp(c.value + (c.base - c.value) * PULL_BACK + random.nextGaussian() * c.drift, c.min, c.max);
            double measured = clamp(c.value + random.nextGaussian() * c.noise, c.min, c.max);
            if (spike && Reading.TEMPERATURE.equals(c.key)) {
                measured = spikeMin + random.nextDouble() * (spikeMax - spikeMin);
            }
            values.put(c.key, round(measured, c.decimals));
        }
        if (spike) {
            spikes.increment();
        }
        readings.increment();
        return Reading.of(values, clock.instant());
    }

    /**
     * Returns how many reads were spikes.
     *
     * @return the count since the sensor was built
     */
    public long spikeCount() {
        return spikes.sum();
    }

    /**
     * Returns how many reads failed on purpose.
     *
     * @return the count since the sensor was built
     */
    public long failureCount() {
        return failures.sum();
    }

    /**
     * Returns how many reads succeeded.
     *
     * @return the count since the sensor was built
     */
    public long readingCount() {
        return readings.sum();
    }

    @Override
    public String toString() {
        return "SimulatedSensor{" + name + ", readings=" + readings.sum() + ", spikes=" + spikes.sum() + "}";
    }

    private static double clamp(double value, double min, double max) {
        return Math.max(min, Math.min(max, value));
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    /**
     * Describes a {@link SimulatedSensor}; every setter checks its value and names it in the error.
     */
    public static final class Builder {
        private final String name;
        private final Map<String, Channel> channels = new LinkedHashMap<>();
        private double spikeProbability;
        private double spikeMin = 35.5;
        private double spikeMax = 40.0;
        private double failureProbability;
        private Clock clock = Clock.systemUTC();
        private Long seed;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Adds (or replaces) a channel.
         *
         * @param key the value's name in a reading, e.g. {@link Reading#TEMPERATURE}
         * @param base the value it drifts around
         * @param min the lowest value it takes, spikes apart
         * @param max the highest value it takes, spikes apart
         * @param noise the standard deviation of the noise added to each read
         * @param drift the standard deviation of each step of the slow drift
         * @param decimals the decimals a read is rounded to (0 to 6)
         * @return this builder
         * @throws IllegalArgumentException if {@code min <= base <= max} does not hold, a deviation
         *     is negative or not finite, or {@code decimals} is out of range
         */
        public Builder channel(String key, double base, double min, double max, double noise, double drift,
                int decimals) {
            Objects.requireNonNull(key, "key");
            if (!(Double.isFinite(min) && Double.isFinite(max) && min <= base && base <= max)) {
                throw new IllegalArgumentException("channel '" + key + "': base " + base + " must lie within min "
                        + min + " and max " + max);
            }
            requireDeviation(key + " noise", noise);
            requireDeviation(key + " drift", drift);
            if (decimals < 0 || decimals > 6) {
                throw new IllegalArgumentException("channel '" + key + "': decimals is " + decimals
                        + "; use 0 to 6");
            }
            channels.put(key, new Channel(key, base, min, max, noise, drift, decimals));
            return this;
        }

        private static void requireDeviation(String what, double value) {
            if (!(value >= 0 && Double.isFinite(value))) {
                throw new IllegalArgumentException(what + " is " + value + "; use a finite number >= 0");
            }
        }

        /**
         * Makes some reads temperature spikes, drawn evenly from {@code [min, max]}. Keep the
         * normal temperature range below {@code min} to make every spike stand out.
         *
         * @param probability the chance that a read is a spike, 0 (default) to 1
         * @param min the lowest spike temperature, °C (default 35.5)
         * @param max the highest, °C (default 40)
         * @return this builder
         * @throws IllegalArgumentException if the probability is outside 0..1 or {@code min > max}
         */
        public Builder spikes(double probability, double min, double max) {
            this.spikeProbability = probability(probability, "spike probability");
            if (!(Double.isFinite(min) && Double.isFinite(max) && min <= max)) {
                throw new IllegalArgumentException("spike range " + min + ".." + max
                        + " is not a range; give min <= max");
            }
            this.spikeMin = min;
            this.spikeMax = max;
            return this;
        }

        /**
         * Makes some reads fail with a retryable {@link SensorException}.
         *
         * @param probability the chance that a read fails, 0 (default) to 1
         * @return this builder
         * @throws IllegalArgumentException if outside 0..1
         */
        public Builder failureProbability(double probability) {
            this.failureProbability = probability(probability, "failure probability");
            return this;
        }

        private static double probability(double value, String what) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException(what + " is " + value + "; use a number from 0 to 1");
            }
            return value;
        }

        /**
         * Fixes the random sequence, for repeatable tests.
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets the clock that timestamps readings.
         *
         * @param clock the clock (default the system's, UTC)
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the sensor.
         *
         * @return the sensor
         * @throws IllegalStateException if no channel was added
         */
        public SimulatedSensor build() {
            if (channels.isEmpty()) {
                throw new IllegalStateException("simulated sensor '" + name + "' has no channel; add one with "
                        + "channel(...) or start from a preset in SimulatedSensors");
            }
            return new SimulatedSensor(this);
        }
    }
}
