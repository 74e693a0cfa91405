package dev.edgeflow.cli;

import dev.edgeflow.examples.Demo;
import dev.edgeflow.mqtt.MqttConnection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code edgeflow demo}: the examples' {@link Demo} on its embedded defaults. The options are
 * checked here, so that a bad one names this command; the demo keeps its own defaults, and only
 * the options given are passed on.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Simulated Raspberry Pi sensors -> an embedded MQTT broker -> a pipeline with alerts and anomaly",
            "detection -> a JSON lines file, an embedded time-series store and a live dashboard.",
            "Needs no broker, database or cloud account. Ctrl-C (or the end of --duration) stops it, lets",
            "what was read drain for up to 5 s, and prints what became of every reading."})
final class DemoCommand implements Callable<Integer>, Main.LongRunning {
    @Spec
    CommandSpec spec;

    @Option(names = "--rate", paramLabel = "<readings/s>", description = "Readings per second per device (default 5).")
    Double rate;

    @Option(names = "--devices", paramLabel = "<n>", description = "Simulated devices RaspberryPi-001.. (1 to 999, default 3).")
    Integer devices;

    @Option(names = "--duration", paramLabel = "<seconds>", description = "Seconds to run; 0 runs until Ctrl-C (default 0).")
    Integer duration;

    @Option(names = "--out", paramLabel = "<file>", description = {
        "JSON lines file for the readings (default target/demo/readings.jsonl);",
        "invalid readings go to <name>-dead-letters.jsonl beside it, the store to store/ beside it."})
    Path out;

    @Option(names = "--broker", paramLabel = "<mqtt-uri>", description = "Use this MQTT broker, as mqtt://host:1883, instead of an embedded one.")
    String broker;

    @Option(names = "--port", paramLabel = "<port>", description = "The dashboard's port on localhost; 0 takes a free one (default 8080).")
    Integer port;

    @Override
    public Integer call() {
        Demo.main(demoArguments().toArray(String[]::new));
        return ExitCodes.OK;
    }

    /**
     * Checks the options and turns them into the demo's command line.
     *
     * @return the arguments for {@link Demo#main(String[])}
     * @throws ParameterException naming the option and what it takes
     */
    List<String> demoArguments() {
        List<String> args = new ArrayList<>();
        if (rate != null) {
            if (!(rate > 0) || rate.isInfinite()) {
                throw bad("--rate", rate, "a rate above 0, such as 5 or 0.5");
            }
            args.add("--rate");
            args.add(rate.toString());
        }
        if (devices != null) {
            args.add("--devices");
            args.add(Integer.toString(range("--devices", devices, 1, 999)));
        }
        if (duration != null) {
            args.add("--duration");
            args.add(Integer.toString(range("--duration", duration, 0, Integer.MAX_VALUE)));
        }
        if (out != null) {
            args.add("--out");
            args.add(out.toString());
        }
        if (broker != null) {
            try {
                MqttConnection.of(broker);
            } catch (IllegalArgumentException e) {
                throw bad("--broker", broker, "an MQTT broker URI such as mqtt://localhost:1883 (" + e.getMessage() + ")");
            }
            args.add("--broker");
            args.add(broker);
        }
        if (port != null) {
            args.add("--port");
            args.add(Integer.toString(range("--port", port, 0, 65535)));
        }
        return args;
    }

    private int range(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw bad(option, value, "a whole number from " + min + " to " + max);
        }
        return value;
    }

    private ParameterException bad(String option, Object value, String allowed) {
        return new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': '" + value
                + "'; use " + allowed);
    }
}
