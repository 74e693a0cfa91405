package dev.edgeflow.examples;

import com.pi4j.context.Context;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.pi4j.Bme280;
import dev.edgeflow.pi4j.Ds18b20;
import dev.edgeflow.pi4j.Pi4jContexts;
import dev.edgeflow.pi4j.Sensor;
import dev.edgeflow.pi4j.SensorSource;
import dev.edgeflow.pi4j.SimulatedSensors;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Reads a BME280 (I2C) and the DS18B20s on the 1-Wire bus of a Raspberry Pi and publishes each
 * reading to an MQTT broker on {@code sensor/<device>/<sensor>}, the pattern of the course's GPIO
 * and MQTT lessons, with the readings in the tutorial's shape ({@code device_id},
 * {@code temperature}, {@code humidity}, {@code pressure}, {@code timestamp}).
 *
 * <p>The sensors are polled by a {@link SensorSource}: when the broker is slow or away, each
 * sensor keeps only its newest reading instead of queueing stale ones, and a sensor that fails
 * (a loose wire, a bad CRC) is reported on {@code sensor/<device>/<sensor>/error} and retried
 * with a growing pause while the others go on.
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.RaspberryPiSensors \
 *     -Dexec.args="--simulate"
 * java -cp ... dev.edgeflow.examples.RaspberryPiSensors --broker mqtt://localhost:1883 --device greenhouse-1
 * </pre>
 *
 * <p>With no {@code --broker} an embedded broker is started and what arrives there is printed, so
 * it runs on a machine with only a JDK; {@code --simulate} replaces the hardware with
 * {@link SimulatedSensors}. Wiring and setup: {@code docs/raspberry-pi.md}.
 */
public final class RaspberryPiSensors {
    static final String DEVICE = "pi-1";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Set<String> ARGS = Set.of("--broker", "--device", "--sensors", "--bme280-address",
            "--i2c-bus", "--w1-dir", "--interval", "--count");
    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: RaspberryPiSensors [--broker mqtt://localhost:1883] [--device pi-1] [--simulate]",
            "       [--sensors bme280,ds18b20] [--bme280-address 0x76] [--i2c-bus 1]",
            "       [--w1-dir /sys/bus/w1/devices] [--interval 5] [--count 0]",
            "  --broker <uri>          the MQTT broker; without it an embedded one is started and what",
            "                          arrives there is printed",
            "  --device <id>           the device id in topics and payloads, default pi-1",
            "  --simulate              simulated BME280 and DS18B20 readings instead of hardware",
            "  --sensors <list>        which hardware to read: bme280, ds18b20 or both (default)",
            "  --bme280-address <a>    0x76 (SDO to GND, default) or 0x77 (SDO to 3.3 V)",
            "  --i2c-bus <n>           default 1 (/dev/i2c-1, GPIO2/GPIO3)",
            "  --w1-dir <dir>          where the kernel lists 1-Wire devices, default /sys/bus/w1/devices",
            "  --interval <seconds>    between readings of each sensor, default 5 (decimals allowed)",
            "  --count <n>             stop after n readings have been acknowledged; 0 (default) runs until",
            "                          Ctrl-C");

    private RaspberryPiSensors() {
    }

    /**
     * What one run did, for tests.
     *
     * @param published the readings the broker acknowledged, as published
     * @param errors the error events published (a sensor that failed)
     * @param received what the embedded broker's subscriber received; empty with {@code --broker}
     */
    record Result(List<Message> published, List<Message> errors, List<Message> received) {
    }

    /**
     * Runs the program.
     *
     * @param args see the usage: {@code --help}
     */
    public static void main(String[] args) {
        ExampleArgs.runAndExitOnSignal("RaspberryPiSensors", USAGE, () -> {
            run(args, System.out);
            return 0;
        });
    }

    /**
     * Parses the command line, opens the sensors, publishes until {@code --count} readings are
     * acknowledged (or until interrupted), and closes everything.
     *
     * @param args the command line
     * @param out where the readings are printed
     * @return what happened, or {@code null} after {@code --help}
     * @throws IllegalArgumentException for a bad argument
     * @throws dev.edgeflow.pi4j.SensorException if a sensor cannot be opened, saying why and how to fix it
     * @throws InterruptedException if interrupted
     */
    static Result run(String[] args, PrintStream out) throws InterruptedException {
        ExampleArgs a = ExampleArgs.parse(args, ARGS, Set.of("--simulate"));
        if (a.help()) {
            out.println(USAGE);
            return null;
        }
        String device = a.get("--device", DEVICE);
        long count = a.wholeNumber("--count", 0, 0, Long.MAX_VALUE);
        Duration interval = seconds(a.get("--interval", "5"));
        Set<String> kinds = sensorKinds(a.get("--sensors", "bme280,ds18b20"));
        int address = address(a.get("--bme280-address", "0x76"));
        int bus = (int) a.wholeNumber("--i2c-bus", 1, 0, 255);
        Path w1 = a.path("--w1-dir");

        List<AutoCloseable> resources = new ArrayList<>();
        try {
            List<Sensor> sensors = new ArrayList<>();
            if (a.on("--simulate")) {
                sensors.add(SimulatedSensors.bme280("bme280").build());
                sensors.add(SimulatedSensors.ds18b20("ds18b20").build());
            } else {
                if (kinds.contains("bme280")) {
                    Context pi4j = Pi4jContexts.raspberryPi();
                    resources.add(pi4j::shutdown);
                    sensors.add(Bme280.builder().bus(bus).address(address).open(pi4j));
                }
                if (kinds.contains("ds18b20")) {
                    sensors.addAll(w1 == null ? Ds18b20.discover() : Ds18b20.discover(w1));
                }
            }
            SensorSource source = SensorSource.builder(device).sensors(sensors, interval).build();
            resources.add(source);

            String broker = a.get("--broker", null);
            List<Message> received = new CopyOnWriteArrayList<>();
            if (broker == null) {
                EmbeddedMqttBroker embedded = EmbeddedMqttBroker.builder().start();
                resources.add(embedded);
                broker = embedded.uri();
                out.println("embedded broker at " + broker + "; printing what arrives on sensor/" + device + "/#");
                MqttSource watch = MqttSource.builder().serverUri(broker).subscribe("sensor/" + device + "/#")
                        .build();
                resources.add(watch);
                resources.add(Pipeline.from(watch).tap(m -> {
                    received.add(m);
                    out.println("received " + m.topic() + " " + text(m));
                }).to(MemorySink.discarding("printed")).start()::close);
                watch.awaitReady(WAIT);
            }
            MqttSink sink = MqttSink.builder().serverUri(broker).name("sensors-to-mqtt").build();
            resources.add(sink);
            List<Message> published = new CopyOnWriteArrayList<>();
            List<Message> errors = new CopyOnWriteArrayList<>();
            Pipeline pipeline = Pipeline.from(source).tap(m -> {
                if (m.topic().endsWith("/error")) {
                    errors.add(m);
                    out.println("sensor error " + m.topic() + " " + text(m));
                } else {
                    published.add(m);
                }
            }).to(sink).start();
            out.println("reading " + sensors.size() + " sensor(s) every " + interval.toMillis() + " ms as " + device
                    + ": " + sensors.stream().map(Sensor::name).toList());

            long deadline = count == 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (count == 0 || source.acknowledgedCount() < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + source.acknowledgedCount() + " of " + count
                            + " readings were acknowledged by " + broker + " within 5 minutes");
                }
                if (ExampleArgs.waitUnlessStopped(50)) {
                    break; // Ctrl-C: drain what was read and stop
                }
            }
            source.complete();
            pipeline.stop(Duration.ofSeconds(10));
            out.printf(Locale.ROOT, "published %d readings (%d superseded while the broker was slow, %d failed "
                    + "reads)%n", source.acknowledgedCount(), source.supersededCount(), source.failedReadCount());
            List<Message> acknowledged = published.subList(0, (int) Math.min(published.size(),
                    source.acknowledgedCount()));
            return new Result(List.copyOf(acknowledged), List.copyOf(errors), List.copyOf(received));
        } finally {
            LocalBridge.closeAll(resources); // the last opened first
        }
    }

    private static String text(Message m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }

    private static Duration seconds(String value) {
        try {
            double s = Double.parseDouble(value);
            if (s >= 0.01 && s <= 86_400) {
                return Duration.ofMillis(Math.round(s * 1000));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--interval is '" + value + "': use seconds from 0.01 to 86400, such as 5 "
                + "or 0.5");
    }

    private static Set<String> sensorKinds(String value) {
        Set<String> kinds = new LinkedHashSet<>();
        for (String k : value.split(",")) {
            String kind = k.trim().toLowerCase(Locale.ROOT);
            if (!kind.equals("bme280") && !kind.equals("ds18b20")) {
                throw new IllegalArgumentException("--sensors has '" + k.trim() + "': use bme280, ds18b20 or both, "
                        + "comma-separated");
            }
            kinds.add(kind);
        }
        return kinds;
    }

    private static int address(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "0x76":
            case "118":
                return 0x76;
            case "0x77":
            case "119":
                return 0x77;
            default:
                throw new IllegalArgumentException("--bme280-address is '" + value + "': use 0x76 (SDO to GND) or "
                        + "0x77 (SDO to 3.3 V)");
        }
    }
}
