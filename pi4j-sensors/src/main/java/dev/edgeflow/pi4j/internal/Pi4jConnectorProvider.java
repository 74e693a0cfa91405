package dev.edgeflow.pi4j.internal;

import com.pi4j.context.Context;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Sink;
import dev.edgeflow.core.Source;
import dev.edgeflow.pi4j.Actuator;
import dev.edgeflow.pi4j.ActuatorSink;
import dev.edgeflow.pi4j.DigitalActuator;
import dev.edgeflow.pi4j.DigitalInputWatcher;
import dev.edgeflow.pi4j.Pi4jContexts;
import dev.edgeflow.pi4j.PwmActuator;
import dev.edgeflow.pi4j.Sensor;
import dev.edgeflow.pi4j.SensorSource;
import dev.edgeflow.pi4j.SimulatedSensors;
import dev.edgeflow.spi.ConnectorOptions;
import dev.edgeflow.spi.ConnectorProvider;
import dev.edgeflow.spi.InvalidOptionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Scheme {@code pi4j}: a {@link SensorSource} of a Raspberry Pi's sensors and inputs, or an
 * {@link ActuatorSink} driving its outputs.
 *
 * <p>Source, {@code pi4j://<device-id>?...}: the device id is the URI's host or option
 * {@code device}. Sensors: {@code simulate} (presets of {@link SimulatedSensors}, comma-separated:
 * {@code bme280}, {@code ds18b20}, {@code dht22}), {@code bme280} (I2C address {@code 0x76} or
 * {@code 0x77}) with {@code i2cBus} (1), {@code ds18b20} ({@code auto} or a 1-Wire devices
 * directory), {@code dht} ({@code auto} or an IIO device directory); {@code interval} (5 s) for all.
 * Inputs: {@code inputs} as {@code name:pin[:up|down][:activeLow]}, comma-separated, with
 * {@code debounce} (50 ms). Messages: {@code topic}, {@code errorTopic}, {@code timestampFormat}
 * ({@code epoch_seconds}, {@code epoch_millis}, {@code iso_8601}), {@code maxEventsWaiting},
 * {@code name}.
 *
 * <p>Sink, {@code pi4j://<anything>?outputs=...}: {@code outputs} as {@code name:pin[:activeLow]}
 * for a relay or LED and {@code name:pwm:pin[:channel]} for PWM, comma-separated;
 * {@code pwmFrequency} (1000 Hz), {@code offOnClose} (true), {@code name}.
 *
 * <p>A Pi4J context is created only when a sensor, input or output needs one (not for
 * {@code simulate} alone) and is shut down when the source or sink is closed.
 */
public final class Pi4jConnectorProvider implements ConnectorProvider {
    private static final Set<String> SOURCE = Set.of("host", "device", "simulate", "seed", "bme280", "i2cBus",
            "ds18b20", "dht", "interval", "inputs", "debounce", "topic", "errorTopic", "timestampFormat",
            "maxEventsWaiting", "name");
    private static final Set<String> SINK = Set.of("host", "outputs", "pwmFrequency", "offOnClose", "name");
    private static final Set<String> PRESETS = Set.of("bme280", "ds18b20", "dht22");

    private final Supplier<Context> contexts;
    private final HardwareSensors hardware;

    /** Creates the provider that {@link java.util.ServiceLoader} finds, on {@link Pi4jContexts#raspberryPi()}. */
    public Pi4jConnectorProvider() {
        this(Pi4jContexts::raspberryPi, HardwareSensors.SYSTEM);
    }

    Pi4jConnectorProvider(Supplier<Context> contexts, HardwareSensors hardware) {
        this.contexts = Objects.requireNonNull(contexts, "contexts");
        this.hardware = Objects.requireNonNull(hardware, "hardware");
    }

    @Override
    public Set<String> schemes() {
        return Set.of("pi4j");
    }

    @Override
    public Source createSource(ConnectorOptions options) {
        return source(options, true);
    }

    @Override
    public Sink createSink(ConnectorOptions options) {
        return sink(options, true);
    }

    // Checking stops before the Pi4J context: creating one probes the board and its drivers.
    @Override
    public void checkSource(ConnectorOptions options) {
        source(options, false);
    }

    @Override
    public void checkSink(ConnectorOptions options) {
        sink(options, false);
    }

    private Source source(ConnectorOptions options, boolean create) {
        options.requireOnly(SOURCE);
        String device = options.string("device").or(() -> options.string("host")).orElseThrow(() ->
                new InvalidOptionException("device", "connector 'pi4j' source needs a device id: write "
                        + "pi4j://greenhouse-1?simulate=bme280 or add ?device=greenhouse-1"));
        Duration interval = options.duration("interval", Duration.ofSeconds(5));
        List<String> presets = presets(options);
        long seed = options.string("seed").isPresent() ? options.integer("seed", 0, 0, Integer.MAX_VALUE) : -1;
        List<InputSpec> inputs = inputs(options);
        Duration debounce = options.duration("debounce", Duration.ofMillis(50));
        SensorSource.Builder b = SensorSource.builder(device);
        options.string("topic").ifPresent(t -> options.applying("topic", () -> b.topic(t)));
        options.string("errorTopic").ifPresent(t -> options.applying("errorTopic", () -> b.errorTopic(t)));
        if (options.string("timestampFormat").isPresent()) {
            b.timestampFormat(options.enumValue("timestampFormat", SensorSource.TimestampFormat.class,
                    SensorSource.TimestampFormat.EPOCH_SECONDS));
        }
        if (options.string("maxEventsWaiting").isPresent()) {
            b.maxEventsWaiting(options.integer("maxEventsWaiting", 1000, 1, Integer.MAX_VALUE));
        }
        options.string("name").ifPresent(b::name);

        for (String preset : presets) {
            var sensor = switch (preset) {
                case "bme280" -> SimulatedSensors.bme280(preset);
                case "ds18b20" -> SimulatedSensors.ds18b20(preset);
                default -> SimulatedSensors.dht22(preset);
            };
            if (seed >= 0) {
                sensor.seed(seed + presets.indexOf(preset));
            }
            b.sensor(sensor.build(), interval);
        }
        boolean needsContext = !inputs.isEmpty() || options.string("bme280").isPresent();
        boolean anySensor = !presets.isEmpty() || !inputs.isEmpty() || options.string("bme280").isPresent()
                || options.string("ds18b20").isPresent() || options.string("dht").isPresent();
        if (!anySensor) {
            throw new InvalidOptionException("simulate", "connector 'pi4j' source for device '" + device
                    + "' has no sensors or inputs: add ?bme280=0x76, ?ds18b20=auto, ?dht=auto, "
                    + "?inputs=pir:23 or, without hardware, ?simulate=bme280,ds18b20");
        }
        if (!create) {
            return null;
        }
        Context pi4j = needsContext ? contexts.get() : null;
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            for (Sensor s : hardware.open(options, pi4j)) {
                opened.add(s);
                b.sensor(s, interval);
            }
            for (InputSpec in : inputs) {
                DigitalInputWatcher w = DigitalInputWatcher.builder().name(in.name).pin(in.pin).pull(in.pull)
                        .activeLow(in.activeLow).debounce(debounce).build();
                opened.add(w);
                w.open(pi4j);
                b.input(w);
            }
            SensorSource source = b.build();
            return pi4j == null ? source : new ContextSource(source, pi4j);
        } catch (RuntimeException e) {
            opened.forEach(Pi4jConnectorProvider::closeQuietly);
            if (pi4j != null) {
                pi4j.shutdown();
            }
            throw e;
        }
    }

    private Sink sink(ConnectorOptions options, boolean create) {
        options.requireOnly(SINK);
        String spec = options.requireString("outputs", "pi4j://pi?outputs=relay:17,fan:pwm:18");
        int frequency = options.integer("pwmFrequency", 1000, 1, 100_000_000);
        List<Function<Context, Actuator>> outputs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String entry : spec.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.trim().split(":");
            String name = parts[0];
            if (!names.add(name)) {
                throw new InvalidOptionException("outputs", "option 'outputs' of connector 'pi4j' names output '"
                        + name + "' twice: give each output its own name");
            }
            if (parts.length >= 3 && parts[1].equalsIgnoreCase("pwm") && parts.length <= 4) {
                int pin = pin(parts[2], entry, "outputs");
                Integer channel = parts.length == 4 ? pin(parts[3], entry, "outputs") : null;
                outputs.add(pi4j -> {
                    PwmActuator.Builder pb = PwmActuator.builder().name(name).pin(pin).frequencyHz(frequency);
                    if (channel != null) {
                        pb.channel(channel);
                    }
                    return pb.open(pi4j);
                });
            } else if (parts.length == 2 || (parts.length == 3 && parts[2].equalsIgnoreCase("activeLow"))) {
                int pin = pin(parts[1], entry, "outputs");
                boolean activeLow = parts.length == 3;
                outputs.add(pi4j -> DigitalActuator.builder().name(name).pin(pin).activeLow(activeLow).open(pi4j));
            } else {
                throw new InvalidOptionException("outputs", "option 'outputs' of connector 'pi4j' has entry '"
                        + entry + "'; write name:pin or name:pin:activeLow for a relay or LED and name:pwm:pin or "
                        + "name:pwm:pin:channel for PWM, for example relay:17,fan:pwm:18");
            }
        }
        if (outputs.isEmpty()) {
            throw new InvalidOptionException("outputs", "option 'outputs' of connector 'pi4j' is empty: name the "
                    + "outputs the sink may drive, for example ?outputs=relay:17,fan:pwm:18");
        }
        ActuatorSink.Builder b = ActuatorSink.builder().offOnClose(options.bool("offOnClose", true));
        options.string("name").ifPresent(b::name);
        if (!create) {
            return null;
        }
        Context pi4j = contexts.get();
        List<Actuator> opened = new ArrayList<>();
        try {
            for (Function<Context, Actuator> output : outputs) {
                Actuator a = output.apply(pi4j);
                opened.add(a);
                b.actuator(a);
            }
            return new ContextSink(b.build(), pi4j);
        } catch (RuntimeException e) {
            opened.forEach(Pi4jConnectorProvider::closeQuietly);
            pi4j.shutdown();
            throw e;
        }
    }

    private static List<String> presets(ConnectorOptions options) {
        Set<String> presets = new LinkedHashSet<>();
        for (String p : options.string("simulate").orElse("").split(",")) {
            String preset = p.trim().toLowerCase(Locale.ROOT);
            if (preset.isEmpty()) {
                continue;
            }
            if (!PRESETS.contains(preset)) {
                throw options.bad("simulate", p.trim(), "a comma-separated list of bme280, ds18b20, dht22");
            }
            if (!presets.add(preset)) {
                throw new InvalidOptionException("simulate", "option 'simulate' of connector 'pi4j' names '"
                        + preset + "' twice: each preset is one sensor");
            }
        }
        return List.copyOf(presets);
    }

    private static List<InputSpec> inputs(ConnectorOptions options) {
        List<InputSpec> inputs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String entry : options.string("inputs").orElse("").split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.trim().split(":");
            if (parts.length < 2 || parts.length > 4) {
                throw badInput(entry);
            }
            DigitalInputWatcher.Pull pull = DigitalInputWatcher.Pull.OFF;
            boolean activeLow = false;
            for (int i = 2; i < parts.length; i++) {
                switch (parts[i].toLowerCase(Locale.ROOT)) {
                    case "up" -> pull = DigitalInputWatcher.Pull.UP;
                    case "down" -> pull = DigitalInputWatcher.Pull.DOWN;
                    case "activelow" -> activeLow = true;
                    default -> throw badInput(entry);
                }
            }
            if (!names.add(parts[0])) {
                throw new InvalidOptionException("inputs", "option 'inputs' of connector 'pi4j' names input '"
                        + parts[0] + "' twice: give each input its own name");
            }
            inputs.add(new InputSpec(parts[0], pin(parts[1], entry, "inputs"), pull, activeLow));
        }
        return inputs;
    }

    private static InvalidOptionException badInput(String entry) {
        return new InvalidOptionException("inputs", "option 'inputs' of connector 'pi4j' has entry '" + entry
                + "'; write name:pin, optionally followed by :up or :down (pull resistor) and :activeLow, for "
                + "example pir:23,button:24:up:activeLow");
    }

    private static int pin(String text, String entry, String option) {
        try {
            int pin = Integer.parseInt(text.trim());
            if (pin >= 0 && pin <= 53) {
                return pin;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidOptionException(option, "option '" + option + "' of connector 'pi4j' has entry '" + entry
                + "' whose pin '" + text + "' is not a BCM GPIO number (0 to 53, such as 17 for physical pin 11)");
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // the error that made us close is the one to report
        }
    }

    private record InputSpec(String name, int pin, DigitalInputWatcher.Pull pull, boolean activeLow) {
    }

    /** Opens the hardware sensors that options name; a seam so that tests need no sysfs or I2C. */
    interface HardwareSensors {
        /** Opens the sensors of the real machine. */
        HardwareSensors SYSTEM = new SystemSensors();

        /**
         * Opens the sensors named by options {@code bme280}, {@code ds18b20} and {@code dht}.
         *
         * @param options the source's options
         * @param pi4j the Pi4J context, or {@code null} when no option needs one
         * @return the open sensors, possibly none
         */
        List<Sensor> open(ConnectorOptions options, Context pi4j);
    }

    /** A sensor source that shuts its Pi4J context down after it closes. */
    static final class ContextSource implements Source {
        private final SensorSource source;
        private final Context pi4j;

        ContextSource(SensorSource source, Context pi4j) {
            this.source = source;
            this.pi4j = pi4j;
        }

        SensorSource sensorSource() {
            return source;
        }

        @Override
        public String name() {
            return source.name();
        }

        @Override
        public boolean redeliversOnNack() {
            return source.redeliversOnNack();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super Delivery> subscriber) {
            source.subscribe(subscriber);
        }

        @Override
        public void close() {
            try {
                source.close();
            } finally {
                pi4j.shutdown();
            }
        }

        @Override
        public String toString() {
            return source.toString();
        }
    }

    /** An actuator sink that shuts its Pi4J context down after it closes (and switched outputs off). */
    static final class ContextSink implements Sink {
        private final ActuatorSink sink;
        private final Context pi4j;

        ContextSink(ActuatorSink sink, Context pi4j) {
            this.sink = sink;
            this.pi4j = pi4j;
        }

        ActuatorSink actuatorSink() {
            return sink;
        }

        @Override
        public String name() {
            return sink.name();
        }

        @Override
        public CompletionStage<Void> send(Message message) {
            return sink.send(message);
        }

        @Override
        public List<CompletionStage<Void>> sendBatch(List<Message> messages) {
            return sink.sendBatch(messages);
        }

        @Override
        public CompletionStage<Void> flush() {
            return sink.flush();
        }

        @Override
        public void close() {
            try {
                sink.close();
            } finally {
                pi4j.shutdown();
            }
        }

        @Override
        public String toString() {
            return sink.toString();
        }
    }
}
