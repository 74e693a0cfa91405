package dev.edgeflow.pi4j;

import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import dev.edgeflow.core.Source;
import dev.edgeflow.core.internal.RateLimitedLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a device's sensors at their intervals and emits each reading as a message shaped like the
 * tutorial's payload, on {@code sensor/<device_id>/<sensor>}:
 *
 * <pre>{@code
 * {"device_id":"RaspberryPi-001","temperature":22.41,"humidity":48.9,"pressure":1013.12,"timestamp":1767225600}
 * }</pre>
 *
 * <p>Values appear in the order the sensor gives them (a whole number is written without a
 * fraction); {@code timestamp} is the reading's time in epoch seconds, as the tutorial's
 * {@code int(time.time())}, or as {@link Builder#timestampFormat(TimestampFormat) configured}. The
 * message's own timestamp is the reading's, to the nanosecond the clock gives, and its header
 * {@value #SENSOR_HEADER} names the sensor.
 *
 * <p><b>Demand.</b> A sensor measures the present; an old reading is worth less than a new one.
 * So when the pipeline is slow the source does not queue: it keeps the <em>newest</em> reading
 * per sensor and counts every reading it replaced ({@link #supersededCount()}). Sensors keep
 * their schedule whatever the demand, and memory stays at one waiting reading per sensor.
 * Waiting readings go out oldest sensor first, so that a fast sensor cannot starve a slow one.
 * Digital input events (a button press, motion) are not readings: each one counts, so they wait
 * in order, up to {@link Builder#maxEventsWaiting(int)}, and beyond that the oldest is dropped
 * and counted ({@link #droppedEventCount()}).
 *
 * <p><b>Failures.</b> A read that throws becomes an error event on
 * {@code sensor/<device_id>/<sensor>/error}:
 *
 * <pre>{@code
 * {"device_id":"RaspberryPi-001","sensor":"bme280","error":"no device answers at address 0x76 ...",
 *  "retryable":true,"consecutive_failures":3,"retry_in_ms":4000,"timestamp":1767225600}
 * }</pre>
 *
 * <p>and the sensor is read again after a backoff that doubles with each failure in a row, from
 * {@link Builder#retryBackoff(Duration, Duration) 1 s up to 1 min} (a failure that is not
 * retryable, such as a wrong chip or a missing permission, waits the longest at once). Only the
 * newest error per sensor waits for demand. A failing sensor never stops the others or the
 * pipeline: each sensor is read on a thread of the source's own, so a read that hangs holds only
 * its own sensor.
 *
 * <p><b>Acknowledgement</b> confirms nothing to a sensor and nothing is read again: the source
 * counts acks and nacks ({@link #acknowledgedCount()}, {@link #nackedCount()}) and logs nacks.
 * Put a spool in the pipeline to keep readings across an outage of the sink.
 *
 * <p>Subscribing starts the polling; one subscriber only. {@link #complete()} stops polling and
 * completes once what waits is delivered; {@link #close()} stops at once. Either closes the
 * sensors, unless {@link Builder#closeSensors(boolean)} says otherwise.
 *
 * <pre>{@code
 * SensorSource sensors = SensorSource.builder("RaspberryPi-001")
 *         .sensor(Bme280.builder().address(0x76).open(pi4j), Duration.ofSeconds(5))
 *         .sensors(Ds18b20.discover(), Duration.ofSeconds(30))
 *         .build();
 * Pipeline.from(sensors).to(mqttSink).start();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class SensorSource implements Source {
    /** The header that names the sensor (or input) a message came from. */
    public static final String SENSOR_HEADER = "sensor";
    /** The header that says what a message is: {@code reading}, {@code error} or {@code input}. */
    public static final String KIND_HEADER = "sensor-event";

    private static final Logger LOG = LoggerFactory.getLogger(SensorSource.class);
    private static final long CLOSE_WAIT_MILLIS = 2_000;

    /** How the {@code timestamp} field of a payload is written. */
    public enum TimestampFormat {
        /** Whole seconds since the epoch, as the tutorial's {@code int(time.time())}: {@code 1767225600}. */
        EPOCH_SECONDS,
        /** Milliseconds since the epoch: {@code 1767225600123}. */
        EPOCH_MILLIS,
        /** ISO-8601 in UTC: {@code "2026-01-01T00:00:00.123Z"}. */
        ISO_8601
    }

    private final String deviceId;
    private final String name;
    private final String topicPattern;
    private final String errorTopicPattern;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final int maxEventsWaiting;
    private final TimestampFormat timestampFormat;
    private final Clock clock;
    private final boolean closeSensors;
    private final List<Polled> polled;
    private final List<DigitalInputWatcher> inputs;
    private final Consumer<InputEvent> inputListener = this::onInput;
    private final Slot events;
    private final ScheduledThreadPoolExecutor scheduler;
    private final RateLimitedLog nackLog = new RateLimitedLog(LOG, 30);
    private final Set<Thread> pollThreads = ConcurrentHashMap.newKeySet();

    private final LongAdder delivered = new LongAdder();
    private final LongAdder superseded = new LongAdder();
    private final LongAdder droppedEvents = new LongAdder();
    private final LongAdder acked = new LongAdder();
    private final LongAdder nacked = new LongAdder();
    private final LongAdder readFailures = new LongAdder();

    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private final ArrayDeque<Slot> ready = new ArrayDeque<>();
    private Flow.Subscriber<? super Delivery> subscriber;
    private long demand;
    private boolean emitting;
    private boolean terminated;
    private Throwable errorToSignal;
    private boolean completeToSignal;
    private boolean stopped;

    /** Messages of one kind that wait for demand, at most {@code capacity}; the oldest goes first. */
    private static final class Slot {
        final ArrayDeque<Message> waiting = new ArrayDeque<>(1);
        final int capacity;
        final LongAdder overflow;
        boolean queued;

        Slot(int capacity, LongAdder overflow) {
            this.capacity = capacity;
            this.overflow = overflow;
        }
    }

    /** A sensor with its schedule; its fields other than the slots are touched by its own reads only. */
    private final class Polled implements Runnable {
        final Sensor sensor;
        final long intervalNanos;
        final String topic;
        final String errorTopic;
        final Slot readings = new Slot(1, superseded);
        final Slot errors = new Slot(1, new LongAdder());
        int consecutiveFailures;

        Polled(Sensor sensor, Duration interval) {
            this.sensor = sensor;
            this.intervalNanos = interval.toNanos();
            this.topic = topicFor(topicPattern, sensor.name());
            this.errorTopic = topicFor(errorTopicPattern, sensor.name());
        }

        @Override
        public void run() {
            long started = System.nanoTime();
            long delayNanos;
            try {
                Reading reading = sensor.read();
                if (reading == null) {
                    throw new SensorException("sensor '" + sensor.name() + "' (" + sensor.getClass().getName()
                            + ") returned no reading; Sensor.read() must return one or throw", false, null);
                }
                if (consecutiveFailures > 0) {
                    LOG.info("{}: sensor '{}' reads again after {} failure(s)", name, sensor.name(),
                            consecutiveFailures);
                }
                consecutiveFailures = 0;
                offer(readings, readingMessage(this, reading));
                delayNanos = Math.max(0, started + intervalNanos - System.nanoTime());
            } catch (RuntimeException e) {
                readFailures.increment();
                consecutiveFailures++;
                boolean retryable = !(e instanceof SensorException) || ((SensorException) e).isRetryable();
                delayNanos = backoffNanos(consecutiveFailures, retryable);
                if (consecutiveFailures == 1) {
                    LOG.warn("{}: reading sensor '{}' failed; reading it again in {} ms: {}", name, sensor.name(),
                            TimeUnit.NANOSECONDS.toMillis(delayNanos), e.toString());
                } else {
                    LOG.debug("{}: reading sensor '{}' failed {} times in a row: {}", name, sensor.name(),
                            consecutiveFailures, e.toString());
                }
                offer(errors, errorMessage(this, e, retryable, delayNanos));
            }
            schedule(this, delayNanos);
        }
    }

    private SensorSource(Builder b) {
        this.deviceId = b.deviceId;
        this.name = b.name != null ? b.name : "sensors:" + b.deviceId;
        this.topicPattern = b.topicPattern;
        this.errorTopicPattern = b.errorTopicPattern;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.maxEventsWaiting = b.maxEventsWaiting;
        this.timestampFormat = b.timestampFormat;
        this.clock = b.clock;
        this.closeSensors = b.closeSensors;
        List<Polled> list = new ArrayList<>();
        b.sensors.forEach((sensor, interval) -> list.add(new Polled(sensor, interval)));
        this.polled = List.copyOf(list);
        this.inputs = List.copyOf(b.inputs);
        this.events = new Slot(maxEventsWaiting, droppedEvents);
        this.scheduler = new ScheduledThreadPoolExecutor(Math.max(1, polled.size()), threads(deviceId));
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * Starts describing the sensors of one device.
     *
     * @param deviceId the device's id, the payload's {@code device_id} and a level of every topic,
     *     e.g. {@code RaspberryPi-001}
     * @return a builder: topics {@code sensor/{device}/{sensor}}, backoff 1 s to 1 min, at most
     *     1000 input events waiting, timestamps in epoch seconds
     * @throws IllegalArgumentException if the id is blank or holds {@code /}, {@code +} or {@code #}
     */
    public static Builder builder(String deviceId) {
        return new Builder(SensorNames.check(deviceId, "device id"));
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Returns the device id in every payload.
     *
     * @return the id
     */
    public String deviceId() {
        return deviceId;
    }

    /**
     * Returns the topic a sensor's readings go to.
     *
     * @param sensorName a sensor's name
     * @return e.g. {@code sensor/RaspberryPi-001/bme280}
     */
    public String topicOf(String sensorName) {
        return topicFor(topicPattern, sensorName);
    }

    /**
     * Returns false: a reading that the pipeline nacks is not read again.
     *
     * @return false
     */
    @Override
    public boolean redeliversOnNack() {
        return false;
    }

    /**
     * Returns how many readings were replaced by a newer reading of the same sensor before the
     * pipeline asked for them.
     *
     * @return the count since the source was built
     */
    public long supersededCount() {
        return superseded.sum();
    }

    /**
     * Returns how many input events were dropped because {@link Builder#maxEventsWaiting(int)}
     * were already waiting.
     *
     * @return the count since the source was built
     */
    public long droppedEventCount() {
        return droppedEvents.sum();
    }

    /**
     * Returns how many messages (readings, errors and events) were handed to the pipeline.
     *
     * @return the count since the source was built
     */
    public long deliveredCount() {
        return delivered.sum();
    }

    /**
     * Returns how many deliveries the pipeline acknowledged.
     *
     * @return the count since the source was built
     */
    public long acknowledgedCount() {
        return acked.sum();
    }

    /**
     * Returns how many deliveries the pipeline nacked (they are logged, not read again).
     *
     * @return the count since the source was built
     */
    public long nackedCount() {
        return nacked.sum();
    }

    /**
     * Returns how many sensor reads failed.
     *
     * @return the count since the source was built
     */
    public long failedReadCount() {
        return readFailures.sum();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super Delivery> s) {
        Objects.requireNonNull(s, "subscriber");
        boolean first;
        boolean alreadyStopped;
        lock.lock();
        try {
            first = subscriber == null && !stopped;
            alreadyStopped = stopped && subscriber == null;
            if (first) {
                subscriber = s;
            }
        } finally {
            lock.unlock();
        }
        if (!first) {
            s.onSubscribe(new Refused());
            if (alreadyStopped) {
                s.onComplete();
            } else {
                s.onError(new IllegalStateException(name + " accepts one subscriber and already has one"));
            }
            return;
        }
        s.onSubscribe(new SensorSubscription());
        for (DigitalInputWatcher input : inputs) {
            input.addListener(inputListener);
        }
        for (Polled p : polled) {
            schedule(p, 0);
        }
        LOG.debug("{}: polling {} sensor(s), watching {} input(s)", name, polled.size(), inputs.size());
    }

    /**
     * Stops polling and completes the subscriber once the readings and events already waiting
     * have been delivered (as demand allows). The graceful way to stop; does not block.
     */
    public void complete() {
        lock.lock();
        try {
            if (stopped) {
                return;
            }
            stopped = true;
            completeToSignal = true;
        } finally {
            lock.unlock();
        }
        stopPolling();
        drain();
    }

    /**
     * Stops polling at once: what waits is dropped, the subscriber completes, and the sensors are
     * closed once their reads in progress have ended (waiting at most 2 s for them). Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            stopped = true;
            completeToSignal = true;
            for (Slot slot : ready) {
                slot.waiting.clear();
                slot.queued = false;
            }
            ready.clear();
        } finally {
            lock.unlock();
        }
        stopPolling();
        drain();
    }

    private void stopPolling() {
        if (scheduler.isShutdown()) {
            return;
        }
        for (DigitalInputWatcher input : inputs) {
            input.removeListener(inputListener);
        }
        scheduler.shutdownNow();
        if (pollThreads.contains(Thread.currentThread())) {
            // Stopped from inside onNext on a polling thread: waiting here would wait for this very
            // thread, so another one waits for the reads in progress and closes the sensors.
            Thread closer = new Thread(this::closeSensorsAfterReads, "edgeflow-sensors-" + deviceId + "-close");
            closer.setDaemon(true);
            closer.start();
        } else {
            closeSensorsAfterReads();
        }
    }

    private void closeSensorsAfterReads() {
        try {
            if (!scheduler.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("{}: a sensor read still runs {} ms after the source stopped; closing the sensors anyway",
                        name, CLOSE_WAIT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closeSensors) {
            for (Polled p : polled) {
                try {
                    p.sensor.close();
                } catch (RuntimeException e) {
                    LOG.warn("{}: closing sensor '{}' failed: {}", name, p.sensor.name(), e.toString());
                }
            }
            for (DigitalInputWatcher input : inputs) {
                try {
                    input.close();
                } catch (RuntimeException e) {
                    LOG.warn("{}: closing input '{}' failed: {}", name, input.name(), e.toString());
                }
            }
        }
        LOG.debug("{}: stopped ({} delivered, {} superseded, {} events dropped, {} reads failed)", name,
                delivered.sum(), superseded.sum(), droppedEvents.sum(), readFailures.sum());
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- polling ----

    private void schedule(Polled p, long delayNanos) {
        if (scheduler.isShutdown()) {
            return;
        }
        try {
            scheduler.schedule(p, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Stopped between the check and the call: nothing more to read.
        }
    }

    /** On the input's own thread. */
    private void onInput(InputEvent event) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("device_id", deviceId);
        json.put("input", event.name());
        json.put("pin", event.pin());
        json.put("active", event.active());
        json.put("level", event.high() ? "high" : "low");
        json.put("timestamp", timestamp(event.timestamp()));
        offer(events, message(topicFor(topicPattern, event.name()), json, event.timestamp(), event.name(), "input"));
    }

    private long backoffNanos(int failures, boolean retryable) {
        long max = maxBackoff.toNanos();
        if (!retryable) {
            return max;
        }
        long delay = minBackoff.toNanos();
        for (int i = 1; i < failures && delay < max; i++) {
            delay *= 2;
        }
        return Math.min(delay, max);
    }

    private Message readingMessage(Polled p, Reading reading) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("device_id", deviceId);
        reading.values().forEach((key, value) -> json.put(key, number(value)));
        json.put("timestamp", timestamp(reading.timestamp()));
        return message(p.topic, json, reading.timestamp(), p.sensor.name(), "reading");
    }

    private Message errorMessage(Polled p, RuntimeException e, boolean retryable, long retryInNanos) {
        Instant now = clock.instant();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("device_id", deviceId);
        json.put("sensor", p.sensor.name());
        json.put("error", e.getMessage() != null ? e.getMessage() : e.toString());
        json.put("retryable", retryable);
        json.put("consecutive_failures", p.consecutiveFailures);
        json.put("retry_in_ms", TimeUnit.NANOSECONDS.toMillis(retryInNanos));
        json.put("timestamp", timestamp(now));
        return message(p.errorTopic, json, now, p.sensor.name(), "error");
    }

    private static Message message(String topic, Map<String, Object> json, Instant timestamp, String sensorName,
            String kind) {
        return Message.builder(topic).jsonPayload(json).timestamp(timestamp).qos(Qos.AT_LEAST_ONCE)
                .header(SENSOR_HEADER, sensorName).header(KIND_HEADER, kind).build();
    }

    /** Whole numbers without a fraction, as a person would write them: 67, not 67.0. */
    private static Object number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return (long) value;
        }
        return value;
    }

    private Object timestamp(Instant at) {
        switch (timestampFormat) {
            case EPOCH_MILLIS:
                return at.toEpochMilli();
            case ISO_8601:
                return at.toString();
            default:
                return at.getEpochSecond();
        }
    }

    private String topicFor(String pattern, String sensorName) {
        return pattern.replace("{device}", deviceId).replace("{sensor}", sensorName);
    }

    // ---- waiting and emitting ----

    private void offer(Slot slot, Message message) {
        lock.lock();
        try {
            if (stopped || terminated) {
                return;
            }
            if (slot.waiting.size() >= slot.capacity) {
                slot.waiting.removeFirst();
                slot.overflow.increment();
            }
            slot.waiting.addLast(message);
            if (!slot.queued) {
                slot.queued = true;
                ready.addLast(slot);
            }
        } finally {
            lock.unlock();
        }
        drain();
    }

    private void fail(Throwable cause) {
        lock.lock();
        try {
            if (terminated) {
                return;
            }
            errorToSignal = cause;
            stopped = true;
        } finally {
            lock.unlock();
        }
        stopPolling();
        drain();
    }

    /** Signals one at a time, on whichever thread finds work; a request from inside onNext only adds demand. */
    private void drain() {
        lock.lock();
        try {
            if (emitting) {
                return;
            }
            emitting = true;
        } finally {
            lock.unlock();
        }
        while (true) {
            Runnable signal;
            lock.lock();
            try {
                signal = nextSignal();
                if (signal == null) {
                    emitting = false;
                    return;
                }
            } finally {
                lock.unlock();
            }
            signal.run();
        }
    }

    /** Under the lock. */
    private Runnable nextSignal() {
        Flow.Subscriber<? super Delivery> s = subscriber;
        if (s == null || terminated) {
            return null;
        }
        if (errorToSignal != null) {
            terminated = true;
            Throwable e = errorToSignal;
            return () -> s.onError(e);
        }
        if (demand > 0 && !ready.isEmpty()) {
            Slot slot = ready.removeFirst();
            Message m = slot.waiting.removeFirst();
            if (slot.waiting.isEmpty()) {
                slot.queued = false;
            } else {
                ready.addLast(slot); // round robin: the next event of this input waits its turn
            }
            demand--;
            delivered.increment();
            return () -> s.onNext(Delivery.of(m, new Acknowledger()));
        }
        if (completeToSignal && ready.isEmpty()) {
            terminated = true;
            return s::onComplete;
        }
        return null;
    }

    private final class Acknowledger implements Delivery.Acknowledger {
        @Override
        public void ack(Delivery delivery) {
            acked.increment();
        }

        @Override
        public void nack(Delivery delivery, Throwable cause) {
            nacked.increment();
            nackLog.warn("{}: the pipeline failed reading {} on {}: {}; a sensor reading is not read again",
                    name, delivery.message().id(), delivery.message().topic(), String.valueOf(cause));
        }
    }

    private final class SensorSubscription implements Flow.Subscription {
        @Override
        public void request(long n) {
            if (n <= 0) {
                fail(new IllegalArgumentException(name + ": request(" + n + ") violates rule 3.9 of Reactive "
                        + "Streams; request a positive number"));
                return;
            }
            lock.lock();
            try {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
            } finally {
                lock.unlock();
            }
            drain();
        }

        @Override
        public void cancel() {
            lock.lock();
            try {
                terminated = true;
                stopped = true;
                ready.clear();
            } finally {
                lock.unlock();
            }
            stopPolling();
        }
    }

    /** What a refused second subscriber is handed: requests and cancels do nothing. */
    private static final class Refused implements Flow.Subscription {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }

    private ThreadFactory threads(String device) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(() -> {
                pollThreads.add(Thread.currentThread());
                try {
                    r.run();
                } finally {
                    pollThreads.remove(Thread.currentThread());
                }
            }, "edgeflow-sensors-" + device + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Describes a {@link SensorSource}; every setter checks its value and names it in the error.
     */
    public static final class Builder {
        private final String deviceId;
        private final Map<Sensor, Duration> sensors = new LinkedHashMap<>();
        private final List<DigitalInputWatcher> inputs = new ArrayList<>();
        private final Set<String> sensorNames = new HashSet<>();
        private String name;
        private String topicPattern = "sensor/{device}/{sensor}";
        private String errorTopicPattern = "sensor/{device}/{sensor}/error";
        private Duration minBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofMinutes(1);
        private int maxEventsWaiting = 1000;
        private TimestampFormat timestampFormat = TimestampFormat.EPOCH_SECONDS;
        private Clock clock = Clock.systemUTC();
        private boolean closeSensors = true;

        private Builder(String deviceId) {
            this.deviceId = deviceId;
        }

        /**
         * Adds a sensor, read once at once and then every {@code interval}.
         *
         * @param sensor the sensor; its name must be unique within the source
         * @param interval the time from the start of one read to the start of the next, at least 1 ms
         * @return this builder
         * @throws IllegalArgumentException if a sensor of that name was added already, or the
         *     interval is shorter than 1 ms
         */
        public Builder sensor(Sensor sensor, Duration interval) {
            Objects.requireNonNull(sensor, "sensor");
            Objects.requireNonNull(interval, "interval");
            String sensorName = SensorNames.check(sensor.name());
            if (interval.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("interval of sensor '" + sensorName + "' is " + interval
                        + "; use 1 ms or more (a BME280 in forced mode needs about 10 ms per reading)");
            }
            if (!sensorNames.add(sensorName)) {
                throw new IllegalArgumentException("two sensors are named '" + sensorName + "' in source of "
                        + deviceId + "; a name is a topic level, so give each sensor its own name");
            }
            sensors.put(sensor, interval);
            return this;
        }

        /**
         * Adds several sensors with the same interval, e.g. every DS18B20 on the 1-Wire bus.
         *
         * @param list the sensors
         * @param interval the interval for each
         * @return this builder
         * @throws IllegalArgumentException as {@link #sensor(Sensor, Duration)}
         */
        public Builder sensors(List<? extends Sensor> list, Duration interval) {
            list.forEach(s -> sensor(s, interval));
            return this;
        }

        /**
         * Adds a digital input (a PIR, a button): each debounced change becomes an event message on
         * the input's topic ({@code sensor/<device_id>/<input>}), shaped as
         * {@code {"device_id":"RaspberryPi-001","input":"pir","pin":23,"active":true,"level":"high",
         * "timestamp":1767225600}}. Events are not superseded: they wait in order (see
         * {@link #maxEventsWaiting(int)}).
         *
         * @param input the input, opened or not yet opened (it must be open before changes arrive);
         *     its name must differ from every sensor's
         * @return this builder
         * @throws IllegalArgumentException if a sensor or input of that name was added already
         */
        public Builder input(DigitalInputWatcher input) {
            Objects.requireNonNull(input, "input");
            String inputName = SensorNames.check(input.name(), "input name");
            if (!sensorNames.add(inputName)) {
                throw new IllegalArgumentException("two sensors or inputs are named '" + inputName + "' in source of "
                        + deviceId + "; a name is a topic level, so give each its own name");
            }
            inputs.add(input);
            return this;
        }

        /**
         * Sets the topic of readings: {@code {device}} and {@code {sensor}} are replaced.
         *
         * @param pattern the pattern (default {@code sensor/{device}/{sensor}})
         * @return this builder
         * @throws IllegalArgumentException if it has no {@code {sensor}} (sensors would share a
         *     topic), or holds {@code +} or {@code #}
         */
        public Builder topic(String pattern) {
            this.topicPattern = pattern(pattern, "topic");
            return this;
        }

        /**
         * Sets the topic of error events: {@code {device}} and {@code {sensor}} are replaced.
         *
         * @param pattern the pattern (default {@code sensor/{device}/{sensor}/error})
         * @return this builder
         * @throws IllegalArgumentException as {@link #topic(String)}
         */
        public Builder errorTopic(String pattern) {
            this.errorTopicPattern = pattern(pattern, "errorTopic");
            return this;
        }

        private static String pattern(String pattern, String what) {
            Objects.requireNonNull(pattern, what);
            if (!pattern.contains("{sensor}") || pattern.contains("+") || pattern.contains("#")
                    || pattern.isBlank()) {
                throw new IllegalArgumentException(what + " pattern '" + pattern + "' must contain {sensor} and no "
                        + "wildcard (+ or #); e.g. sensor/{device}/{sensor}");
            }
            return pattern;
        }

        /**
         * Sets the wait before reading a failed sensor again: {@code min} after the first failure,
         * doubling with each failure in a row up to {@code max}; a failure that is not retryable
         * waits {@code max} at once.
         *
         * @param min the first wait (default 1 s), at least 1 ms
         * @param max the longest wait (default 1 min), at least {@code min}
         * @return this builder
         * @throws IllegalArgumentException if {@code min} is under 1 ms or {@code max < min}
         */
        public Builder retryBackoff(Duration min, Duration max) {
            if (min.compareTo(Duration.ofMillis(1)) < 0 || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("retryBackoff is " + min + " to " + max
                        + "; use a min of 1 ms or more and a max of at least min");
            }
            this.minBackoff = min;
            this.maxBackoff = max;
            return this;
        }

        /**
         * Sets how many input events may wait for demand; beyond that the oldest is dropped and
         * counted.
         *
         * @param max 1 or more (default 1000)
         * @return this builder
         * @throws IllegalArgumentException if under 1
         */
        public Builder maxEventsWaiting(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxEventsWaiting is " + max + "; use 1 or more");
            }
            this.maxEventsWaiting = max;
            return this;
        }

        /**
         * Sets how the payload's {@code timestamp} is written.
         *
         * @param format the format (default {@link TimestampFormat#EPOCH_SECONDS}, as the tutorial)
         * @return this builder
         */
        public Builder timestampFormat(TimestampFormat format) {
            this.timestampFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        /**
         * Sets the clock that timestamps error and input events (readings carry their own time).
         *
         * @param clock the clock (default the system's, UTC)
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets whether stopping the source closes the sensors.
         *
         * @param close true (default) to close them
         * @return this builder
         */
        public Builder closeSensors(boolean close) {
            this.closeSensors = close;
            return this;
        }

        /**
         * Sets the name in logs and stats.
         *
         * @param name the name (default {@code sensors:<device id>})
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Builds the source; polling starts when it is subscribed.
         *
         * @return the source
         * @throws IllegalStateException if no sensor was added
         */
        public SensorSource build() {
            if (sensors.isEmpty() && inputs.isEmpty()) {
                throw new IllegalStateException("the sensor source of " + deviceId + " has no sensor; add one with "
                        + "sensor(sensor, interval) or input(watcher)");
            }
            return new SensorSource(this);
        }
    }
}
