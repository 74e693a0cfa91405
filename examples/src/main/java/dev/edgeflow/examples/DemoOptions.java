package dev.edgeflow.examples;

import dev.edgeflow.mqtt.MqttConnection;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The demo's command line.
 *
 * @param ratePerDevice readings per second per device
 * @param devices how many devices to simulate
 * @param duration how long to run; zero runs until Ctrl-C
 * @param out the JSON lines file the readings go to
 * @param broker the MQTT broker the sensors publish to and the pipeline reads from, as
 *     {@code mqtt://host:port}; {@code null} starts an embedded broker
 * @param port the dashboard's HTTP port on localhost; 0 takes a free one
 * @param help whether only the usage was asked for
 */
record DemoOptions(double ratePerDevice, int devices, Duration duration, Path out, String broker, int port,
        boolean help) {

    /** The dashboard's port when {@code --port} is not given. */
    static final int DEFAULT_PORT = 8080;

    /** Where the readings go when {@code --out} is not given and no build tool says otherwise. */
    static final String DEFAULT_OUT = "target/demo/readings.jsonl";
    /**
     * A system property that moves the default output file; the Maven build sets it so that
     * {@code exec:java} from the repository root writes under {@code examples/target}.
     */
    static final String OUT_PROPERTY = "edgeflow.demo.out";

    /**
     * Runs the demo from a fresh clone. {@code -Dexec.mainClass} is there because Maven checks
     * that required parameter on every module of the reactor, before the plugin reads the
     * {@code skip} that the parent pom sets for the modules that are not programs.
     */
    static final String MAVEN_COMMAND =
            "./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.Demo";

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: Demo [--rate <readings/s per device>] [--devices <n>] [--duration <seconds>] [--out <file>]"
                    + " [--broker <mqtt-uri>] [--port <http port>]",
            "",
            "  --rate      readings per second per device (default 5)",
            "  --devices   simulated devices RaspberryPi-001.. (default 3)",
            "  --duration  seconds to run, 0 = until Ctrl-C (default 0)",
            "  --out       JSON lines file for the readings (default " + DEFAULT_OUT + ");",
            "              readings that are not valid go to <name>-dead-letters.jsonl beside it",
            "  --broker    MQTT broker for the sensors and the pipeline, as mqtt://host:1883",
            "              (default: an embedded broker on a free local port)",
            "  --port      the dashboard's port on localhost, 0 = any free one (default " + DEFAULT_PORT + ")",
            "",
            "The readings are also stored in an embedded database in <dir of --out>/store, and the",
            "dashboard shows them, their daily statistics and the anomaly alerts, live.",
            "",
            "from the repository root: " + DemoOptions.MAVEN_COMMAND + " -Dexec.args=\"--duration 10\"");

    /**
     * Parses the command line. Takes {@code --name value} and {@code --name=value}.
     *
     * @param args the arguments
     * @return the options
     * @throws IllegalArgumentException naming the bad argument and what is allowed
     */
    static DemoOptions parse(String... args) {
        double rate = 5.0;
        int devices = 3;
        long seconds = 0;
        String out = System.getProperty(OUT_PROPERTY, DEFAULT_OUT);
        String broker = null;
        int port = DEFAULT_PORT;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return new DemoOptions(rate, devices, Duration.ZERO, Path.of(DEFAULT_OUT), null, DEFAULT_PORT, true);
            }
            String name = arg;
            String value;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                value = null;
            }
            switch (name) {
                case "--rate":
                    rate = number(name, value, "readings per second per device, such as 5 or 0.5");
                    if (!(rate > 0) || Double.isInfinite(rate)) {
                        throw bad(name, value, "a rate above 0, such as 5 or 0.5");
                    }
                    break;
                case "--devices":
                    devices = wholeNumber(name, value, 1, 999);
                    break;
                case "--duration":
                    seconds = wholeNumber(name, value, 0, Integer.MAX_VALUE);
                    break;
                case "--out":
                    out = require(name, value, "a file path such as /tmp/readings.jsonl");
                    break;
                case "--broker":
                    broker = require(name, value, "an MQTT broker URI such as mqtt://localhost:1883");
                    try {
                        MqttConnection.of(broker);
                    } catch (IllegalArgumentException e) {
                        throw bad(name, value, "an MQTT broker URI such as mqtt://localhost:1883 (" + e.getMessage() + ")");
                    }
                    break;
                case "--port":
                    port = wholeNumber(name, value, 0, 65535);
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        Path path;
        try {
            path = Path.of(out);
        } catch (InvalidPathException e) {
            throw bad("--out", out, "a valid file path (" + e.getReason() + ")");
        }
        return new DemoOptions(rate, devices, Duration.ofSeconds(seconds), path, broker, port, false);
    }

    private static String require(String name, String value, String allowed) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(name + " needs a value: " + allowed);
        }
        return value;
    }

    private static double number(String name, String value, String allowed) {
        try {
            return Double.parseDouble(require(name, value, allowed));
        } catch (NumberFormatException e) {
            throw bad(name, value, allowed);
        }
    }

    private static int wholeNumber(String name, String value, int min, int max) {
        String allowed = "a whole number from " + min + " to " + max;
        try {
            int n = Integer.parseInt(require(name, value, allowed));
            if (n < min || n > max) {
                throw bad(name, value, allowed);
            }
            return n;
        } catch (NumberFormatException e) {
            throw bad(name, value, allowed);
        }
    }

    private static IllegalArgumentException bad(String name, String value, String allowed) {
        return new IllegalArgumentException(name + " is '" + value + "': use " + allowed);
    }

    /** Where readings that are not valid go: {@code readings.jsonl} gives {@code readings-dead-letters.jsonl}. */
    Path deadLetterFile() {
        String file = out.getFileName().toString();
        int dot = file.lastIndexOf('.');
        String base = dot > 0 ? file.substring(0, dot) : file;
        return out.resolveSibling(base + "-dead-letters.jsonl");
    }

    /** The embedded time-series database's folder: {@code store} beside the readings file. */
    Path storeDirectory() {
        return out.toAbsolutePath().resolveSibling("store");
    }
}
