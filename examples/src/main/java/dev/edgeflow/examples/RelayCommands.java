package dev.edgeflow.examples;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.plugin.mock.platform.MockPlatform;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;
import com.pi4j.plugin.mock.provider.pwm.MockPwmProvider;
import dev.edgeflow.core.Headers;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.mqtt.MqttSource;
import dev.edgeflow.pi4j.ActuatorSink;
import dev.edgeflow.pi4j.DigitalActuator;
import dev.edgeflow.pi4j.Pi4jContexts;
import dev.edgeflow.pi4j.PwmActuator;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Drives a relay (and optionally a PWM fan) on a Raspberry Pi from commands on an MQTT topic, the
 * course's GPIO lesson joined to its MQTT lesson: {@code {"pin": 17, "state": "on"}},
 * {@code {"relay": "off"}}, {@code {"fan": "40"}} (percent duty cycle), or a device shadow's
 * {@code {"state": {"desired": {...}}}}.
 *
 * <p>Only the outputs named here can be switched: a command for another pin or name is refused
 * with the reason (printed) and nothing is set; a command with one bad entry sets none of its
 * entries. When the program stops, the outputs are switched off, since a stopped program can no
 * longer switch a heater off.
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.RelayCommands \
 *     -Dexec.args="--simulate"
 * java -cp ... dev.edgeflow.examples.RelayCommands --broker mqtt://localhost:1883 --relay 17 --fan 18:2
 * mosquitto_pub -t device/pi-1/command -m '{"pin": 17, "state": "on"}'
 * </pre>
 *
 * <p>With no {@code --broker} an embedded broker is started and the {@code --command}s given (or
 * a short demonstration: on, off, a refused pin) are published to it. {@code --simulate} runs on
 * Pi4J's mock platform instead of the Pi's GPIO. Wiring and setup: {@code docs/raspberry-pi.md}.
 */
public final class RelayCommands {
    static final List<String> DEMO_COMMANDS = List.of("{\"pin\": 17, \"state\": \"on\"}",
            "{\"relay\": \"off\"}", "{\"pin\": 4, \"state\": \"on\"}");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Set<String> ARGS = Set.of("--broker", "--device", "--topic", "--relay", "--fan", "--command",
            "--count");
    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: RelayCommands [--broker mqtt://localhost:1883] [--device pi-1] [--topic device/pi-1/command]",
            "       [--relay 17] [--active-low] [--fan 18[:channel]] [--simulate] [--command JSON ...] [--count n]",
            "  --broker <uri>      the MQTT broker; without it an embedded one is started and the commands",
            "                      are published to it",
            "  --topic <topic>     where commands arrive, default device/<device>/command",
            "  --relay <pin>       the relay's BCM GPIO pin, default 17 (physical pin 11)",
            "  --active-low        the relay board switches on when its input is low (most opto-isolated boards)",
            "  --fan <pin[:ch]>    a PWM fan, such as 18 or 18:2 (the PWM chip's channel, see docs/raspberry-pi.md)",
            "  --simulate          Pi4J's mock platform instead of the GPIO",
            "  --command <json>    a command to publish to the embedded broker (repeatable); without any, a",
            "                      demonstration is published: relay on, relay off, a refused pin",
            "  --count <n>         stop after n commands were applied or refused; 0 runs until Ctrl-C; default",
            "                      the number of --commands with the embedded broker, else 0");

    private RelayCommands() {
    }

    /**
     * What one run did, for tests.
     *
     * @param applied the commands applied
     * @param rejected the commands refused (for an output not configured, a bad state, not JSON)
     * @param states each output's state when the last command had been handled, before the
     *     outputs were switched off
     */
    record Result(long applied, long rejected, Map<String, String> states) {
    }

    /**
     * Runs the program.
     *
     * @param args see the usage: {@code --help}
     */
    public static void main(String[] args) {
        ExampleArgs.runAndExitOnSignal("RelayCommands", USAGE, () -> {
            run(args, System.out, null);
            return 0;
        });
    }

    /**
     * Parses the command line, opens the outputs and applies commands until {@code --count} are
     * handled (or until interrupted).
     *
     * @param args the command line
     * @param out where applied and refused commands are printed
     * @param context a Pi4J context to use (tests), or {@code null} to create one and shut it down
     * @return what happened, or {@code null} after {@code --help}
     * @throws IllegalArgumentException for a bad argument
     * @throws dev.edgeflow.pi4j.ActuatorException if an output cannot be opened, saying why
     * @throws InterruptedException if interrupted
     */
    static Result run(String[] args, PrintStream out, Context context) throws InterruptedException {
        ExampleArgs a = ExampleArgs.parse(args, ARGS, Set.of("--simulate", "--active-low"));
        if (a.help()) {
            out.println(USAGE);
            return null;
        }
        String device = a.get("--device", RaspberryPiSensors.DEVICE);
        String topic = a.get("--topic", "device/" + device + "/command");
        int relayPin = (int) a.wholeNumber("--relay", 17, 0, 53);
        String broker = a.get("--broker", null);
        List<String> commands = a.all("--command", broker == null ? DEMO_COMMANDS : List.of());
        if (broker != null && a.on("--command")) {
            throw new IllegalArgumentException("--command publishes to the embedded broker; with --broker, publish "
                    + "commands with any MQTT client, such as mosquitto_pub -t " + topic + " -m '{\"relay\":\"on\"}'");
        }
        long count = a.wholeNumber("--count", broker == null ? commands.size() : 0, 0, Long.MAX_VALUE);

        List<AutoCloseable> resources = new ArrayList<>();
        try {
            Context pi4j = context;
            if (pi4j == null) {
                pi4j = a.on("--simulate") ? mockContext() : Pi4jContexts.raspberryPi();
                resources.add(pi4j::shutdown);
            }
            ActuatorSink.Builder outputs = ActuatorSink.builder().name("outputs")
                    .actuator(DigitalActuator.builder().name("relay").pin(relayPin).activeLow(a.on("--active-low"))
                            .open(pi4j));
            String fan = a.get("--fan", null);
            if (fan != null) {
                outputs.actuator(fan(fan).open(pi4j));
            }
            ActuatorSink sink = outputs.build();
            resources.add(sink);

            if (broker == null) {
                EmbeddedMqttBroker embedded = EmbeddedMqttBroker.builder().start();
                resources.add(embedded);
                broker = embedded.uri();
                out.println("embedded broker at " + broker);
            }
            MqttSource source = MqttSource.builder().serverUri(broker).name("commands")
                    .subscribe(topic).build();
            resources.add(source);
            MemorySink refused = MemorySink.create("refused-commands", 1000);
            Pipeline pipeline = Pipeline.from(source)
                    .tap(m -> out.println("command " + text(m)))
                    .to(sink).deadLetter(refused).start();
            resources.add(pipeline::close);
            source.awaitReady(WAIT);
            out.println("outputs " + sink.actuators().keySet() + " take commands on " + topic);

            if (!commands.isEmpty()) {
                try (MqttSink publisher = MqttSink.builder().serverUri(broker).build()) {
                    for (String command : commands) {
                        publisher.send(Message.of(topic, command)).toCompletableFuture().join();
                    }
                }
            }
            long deadline = count == 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            long handled = 0;
            while (count == 0 || handled < count) {
                Message r = refused.poll();
                if (r != null) {
                    out.println("refused: " + r.headers().getOrDefault(Headers.DEAD_LETTER_REASON, "(no reason)"));
                }
                long now = sink.appliedCount() + sink.rejectedCount() + sink.failedCount();
                if (now > handled) {
                    handled = now;
                    out.println("outputs " + states(sink));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + handled + " of " + count + " commands arrived on "
                            + topic + " within a minute");
                }
                if (r == null && ExampleArgs.waitUnlessStopped(20)) {
                    break; // Ctrl-C: switch the outputs off and stop
                }
            }
            for (Message r; (r = refused.poll()) != null; ) {
                out.println("refused: " + r.headers().getOrDefault(Headers.DEAD_LETTER_REASON, "(no reason)"));
            }
            return new Result(sink.appliedCount(), sink.rejectedCount(), states(sink));
        } finally {
            LocalBridge.closeAll(resources); // the last opened first
        }
    }

    private static Map<String, String> states(ActuatorSink sink) {
        Map<String, String> states = new TreeMap<>();
        sink.actuators().forEach((name, actuator) -> states.put(name, actuator.state()));
        return states;
    }

    private static PwmActuator.Builder fan(String value) {
        String[] parts = value.split(":");
        try {
            PwmActuator.Builder b = PwmActuator.builder().name("fan").pin(Integer.parseInt(parts[0]))
                    .frequencyHz(25_000);
            if (parts.length == 2) {
                b.channel(Integer.parseInt(parts[1]));
            }
            if (parts.length <= 2) {
                return b;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--fan is '" + value + "': use the BCM pin, optionally with the PWM "
                + "channel, such as 18 or 18:2");
    }

    /** Pi4J's mock platform: outputs that only remember their state, for running without a Pi. */
    static Context mockContext() {
        return Pi4J.newContextBuilder().add(new MockPlatform())
                .add(MockDigitalInputProvider.newInstance(), MockDigitalOutputProvider.newInstance(),
                        MockPwmProvider.newInstance())
                .build();
    }

    private static String text(Message m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }
}
