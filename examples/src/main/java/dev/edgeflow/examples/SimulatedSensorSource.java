package dev.edgeflow.examples;

import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Source;
import dev.edgeflow.memory.MemorySource;
import dev.edgeflow.pi4j.Reading;
import dev.edgeflow.pi4j.SimulatedSensor;
import dev.edgeflow.pi4j.SimulatedSensors;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temperature and humidity sensors on a few Raspberry Pis, simulated: the readings of the
 * tutorial's {@code {"device_id", "temperature", "humidity", "timestamp"}} on topics
 * {@code sensor/<device>/reading}. The values come from a simulated DHT22 per device
 * ({@link SimulatedSensors#dht22(String)} of {@code edgeflow-pi4j-sensors}): noise, a slow drift,
 * and now and then a spike above 35 °C.
 *
 * <p>A producer thread samples at a fixed rate and hands each reading to a small
 * {@link MemorySource} queue with {@link MemorySource#offer(Message, Duration)}. When the pipeline
 * is slow, the queue fills and the producer waits for room: that is the pipeline's backpressure
 * reaching the sensor. A reading that finds no room within the offer timeout is skipped and
 * counted, because a real sensor does not queue old samples forever, it takes the next one.
 *
 * <p>Sampling starts when the source is subscribed. Acknowledgement means nothing to a sensor,
 * so nacked readings are not delivered again.
 */
public final class SimulatedSensorSource implements Source {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedSensorSource.class);
    private static final double SPIKE_MIN_CELSIUS = 35.5;
    private static final double SPIKE_MAX_CELSIUS = 40.0;

    private final List<String> devices;
    private final double ratePerDevice;
    private final long maxReadings;
    private final double garbleProbability;
    private final Duration offerTimeout;
    private final Random random;
    private final MemorySource queue;
    private final SimulatedSensor[] sensors;

    private final AtomicBoolean started = new AtomicBoolean();
    private final LongAdder produced = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private volatile boolean stopping;
    private volatile Thread producer;

    private SimulatedSensorSource(Builder b) {
        this.devices = deviceNames(b.devices);
        this.ratePerDevice = b.ratePerDevice;
        this.maxReadings = b.maxReadings;
        this.garbleProbability = b.garbleProbability;
        this.offerTimeout = b.offerTimeout;
        this.random = b.seed == null ? new Random() : new Random(b.seed);
        // One delivery per reading, never redelivered: a sensor cannot read the past again.
        this.queue = MemorySource.builder("simulated-sensors").capacity(b.queueCapacity).maxDeliveries(1).build();
        // A DHT22 per device, as in the tutorial; its normal range ends at 34 °C, below every
        // spike, so that every alert above 35 °C is a spike.
        this.sensors = new SimulatedSensor[devices.size()];
        for (int i = 0; i < sensors.length; i++) {
            sensors[i] = SimulatedSensors.dht22("dht22").seed(random.nextLong())
                    .spikes(b.spikeProbability, SPIKE_MIN_CELSIUS, SPIKE_MAX_CELSIUS).build();
        }
    }

    /**
     * Starts a simulated source: 3 devices, 5 readings a second each, until closed.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the names of the simulated devices.
     *
     * @return {@code RaspberryPi-001}, {@code RaspberryPi-002}, ...
     */
    public List<String> devices() {
        return devices;
    }

    /**
     * Returns the topic one device publishes its readings on.
     *
     * @param device the device name
     * @return {@code sensor/<device>/reading}
     */
    public static String topicOf(String device) {
        return "sensor/" + device + "/reading";
    }

    static List<String> deviceNames(int count) {
        List<String> names = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            names.add(String.format("RaspberryPi-%03d", i));
        }
        return List.copyOf(names);
    }

    @Override
    public void subscribe(Flow.Subscriber<? super Delivery> subscriber) {
        queue.subscribe(subscriber);
        if (started.compareAndSet(false, true) && !stopping) {
            Thread t = new Thread(this::produce, "simulated-sensors");
            // A daemon, so that a program that forgets close() still exits.
            t.setDaemon(true);
            producer = t;
            t.start();
        }
    }

    private void produce() {
        long periodNanos = Math.max(1, (long) (TimeUnit.SECONDS.toNanos(1) / (ratePerDevice * devices.size())));
        long due = System.nanoTime();
        int next = 0;
        try {
            while (!stopping && (maxReadings == 0 || produced.sum() < maxReadings)) {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                    continue; // woken early or on time: check the clock and the stop flag again
                }
                int device = next;
                next = (next + 1) % devices.size();
                Message reading = read(device);
                if (queue.offer(reading, offerTimeout)) {
                    produced.increment();
                } else if (!stopping) {
                    skipped.increment();
                    LOG.debug("no room for reading {} of {} within {}: skipped", reading.id(), devices.get(device),
                            offerTimeout);
                }
                due += periodNanos;
                long now = System.nanoTime();
                if (now - due > periodNanos) {
                    // Behind schedule after waiting for room: sample on from now, as a sensor
                    // would, instead of bursting to make up for the readings it missed.
                    due = now;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.complete();
    }

    private Message read(int index) {
        String device = devices.get(index);
        Reading r = sensors[index].read();
        Map<String, Object> json = new LinkedHashMap<>(); // keeps the tutorial's field order
        json.put("device_id", device);
        json.put("temperature", r.value(Reading.TEMPERATURE).getAsDouble());
        json.put("humidity", r.value(Reading.HUMIDITY).getAsDouble());
        json.put("timestamp", r.timestamp().getEpochSecond());
        Message reading = Message.builder(topicOf(device)).jsonPayload(json).timestamp(r.timestamp()).build();
        if (random.nextDouble() < garbleProbability) {
            // A serial line cut short: half a JSON object, which the pipeline must dead-letter.
            String text = reading.payloadAsString();
            return reading.withPayload(text.substring(0, text.length() / 2).getBytes(StandardCharsets.UTF_8));
        }
        return reading;
    }

    /**
     * Returns how many readings were taken by the pipeline's side of the queue.
     *
     * @return the count
     */
    public long produced() {
        return produced.sum();
    }

    /**
     * Returns how many readings found no room within the offer timeout and were skipped.
     *
     * @return the count
     */
    public long skipped() {
        return skipped.sum();
    }

    /**
     * Stops sampling and ends the input: the source completes once the readings it already
     * holds have been delivered and settled. The graceful way to end; {@link #close()} is the
     * abrupt one. Does not block.
     */
    public void complete() {
        stopProducer();
        if (producer == null) {
            queue.complete();
        }
    }

    private void stopProducer() {
        stopping = true;
        Thread t = producer;
        if (t != null) {
            t.interrupt(); // wakes it from a park or from waiting for room
        }
    }

    @Override
    public String name() {
        return "simulated:" + devices.get(0) + (devices.size() > 1 ? ".." + devices.get(devices.size() - 1) : "");
    }

    /** Stops sampling and completes at once; readings still queued are not delivered. */
    @Override
    public void close() {
        stopProducer();
        queue.close();
    }

    @Override
    public String toString() {
        return "SimulatedSensorSource{" + name() + ", produced=" + produced() + ", skipped=" + skipped() + "}";
    }

    /**
     * Builds a {@link SimulatedSensorSource}; every setter checks its value.
     */
    public static final class Builder {
        private int devices = 3;
        private double ratePerDevice = 5.0;
        private long maxReadings;
        private double spikeProbability = 0.01;
        private double garbleProbability;
        private Long seed;
        private int queueCapacity = 64;
        private Duration offerTimeout = Duration.ofSeconds(1);

        private Builder() {
        }

        /**
         * Sets how many devices to simulate, named {@code RaspberryPi-001} upwards.
         *
         * @param devices 1 to 999; default 3
         * @return this builder
         */
        public Builder devices(int devices) {
            if (devices < 1 || devices > 999) {
                throw new IllegalArgumentException("devices is " + devices + ": simulate 1 to 999 devices");
            }
            this.devices = devices;
            return this;
        }

        /**
         * Sets how many readings each device takes per second.
         *
         * @param ratePerDevice more than 0; default 5
         * @return this builder
         */
        public Builder ratePerDevice(double ratePerDevice) {
            if (!(ratePerDevice > 0) || Double.isInfinite(ratePerDevice)) {
                throw new IllegalArgumentException("rate is " + ratePerDevice
                        + ": give readings per second per device, more than 0, such as 5 or 0.5");
            }
            this.ratePerDevice = ratePerDevice;
            return this;
        }

        /**
         * Sets how many readings to take in all before the source completes.
         *
         * @param maxReadings 0 for no limit (the default), or more
         * @return this builder
         */
        public Builder maxReadings(long maxReadings) {
            if (maxReadings < 0) {
                throw new IllegalArgumentException("maxReadings is " + maxReadings + ": use 0 for no limit, or more");
            }
            this.maxReadings = maxReadings;
            return this;
        }

        /**
         * Sets the chance that a reading is a spike between 35.5 and 40 °C.
         *
         * @param probability 0 to 1; default 0.01
         * @return this builder
         */
        public Builder spikeProbability(double probability) {
            this.spikeProbability = probability(probability, "spikeProbability");
            return this;
        }

        /**
         * Sets the chance that a reading arrives cut in half, as a payload that is not JSON.
         *
         * @param probability 0 to 1; default 0
         * @return this builder
         */
        public Builder garbleProbability(double probability) {
            this.garbleProbability = probability(probability, "garbleProbability");
            return this;
        }

        /**
         * Makes the readings repeatable.
         *
         * @param seed the random seed; by default a new one each run
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets how many readings wait for the pipeline before the producer has to wait for room.
         *
         * @param capacity at least 1; default 64
         * @return this builder
         */
        public Builder queueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("queueCapacity is " + capacity + ": use 1 or more");
            }
            this.queueCapacity = capacity;
            return this;
        }

        /**
         * Sets how long a reading waits for room before it is skipped.
         *
         * @param timeout a positive duration; default 1 s
         * @return this builder
         */
        public Builder offerTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("offerTimeout is " + timeout + ": use a positive duration");
            }
            this.offerTimeout = timeout;
            return this;
        }

        /**
         * Builds the source. It starts sampling when subscribed.
         *
         * @return the source
         */
        public SimulatedSensorSource build() {
            return new SimulatedSensorSource(this);
        }

        private static double probability(double p, String name) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(name + " is " + p + ": use a probability from 0 to 1");
            }
            return p;
        }
    }
}
