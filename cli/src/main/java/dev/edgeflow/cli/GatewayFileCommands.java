package dev.edgeflow.cli;

import dev.edgeflow.gateway.ConfigException;
import dev.edgeflow.gateway.ConfigProblem;
import dev.edgeflow.gateway.Gateway;
import dev.edgeflow.gateway.GatewayConfig;
import dev.edgeflow.gateway.GatewayStopReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The commands on a gateway file: {@code run}, {@code check} and {@code config show}. */
final class GatewayFileCommands {
    private GatewayFileCommands() {
    }

    /**
     * Loads a gateway file, printing every problem as {@code file:line:column: message}.
     *
     * @return the config, or {@code null} after printing the problems
     */
    static GatewayConfig load(Path file, PrintWriter err) {
        try {
            return GatewayConfig.load(file);
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err.println(p);
            }
            err.println(e.problems().size() + " problem(s) in " + file);
            err.flush();
            return null;
        }
    }

    /** {@code edgeflow run <file>}. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run the gateway a YAML file declares, until SIGTERM or Ctrl-C; then drain within",
                "--drain and exit 0 (every message settled) or 4 (messages left, nacked to their sources).",
                "The file is checked first: every problem is printed and the exit code is 3."})
    static final class Run implements Callable<Integer>, Main.LongRunning {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "<file>", description = "The gateway file, e.g. /etc/edgeflow/gateway.yaml.")
        Path file;

        @Option(names = "--status-interval", paramLabel = "<duration>", defaultValue = "60s",
                converter = DurationConverter.class,
                description = "How often to print the status line (received/forwarded/buffered/dropped per route); 0 for never (default ${DEFAULT-VALUE}).")
        Duration statusInterval;

        @Option(names = "--drain", paramLabel = "<duration>", defaultValue = "30s", converter = DurationConverter.class,
                description = "On SIGTERM, how long what is in flight may take to reach its sinks (default ${DEFAULT-VALUE}); keep systemd's TimeoutStopSec above it plus 5 s.")
        Duration drain;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            GatewayConfig config = load(file, err);
            if (config == null) {
                return ExitCodes.INVALID_CONFIG;
            }
            out.println("edgeflow run: " + config.file() + ", gateway " + config.name() + ", routes "
                    + config.routeNames());
            out.flush();
            return new GatewayRun(statusInterval, drain, out, err).run(() -> running(Gateway.start(config), out),
                    true);
        }

        private static GatewayRun.Running running(Gateway gateway, PrintWriter out) {
            gateway.httpAddress().ifPresent(a -> out.println("edgeflow run: metrics and health on http://"
                    + a.getAddress().getHostAddress() + ":" + a.getPort()
                    + " (/metrics, /health/live, /health/ready, as http: in the file enables them)"));
            return new GatewayRun.Running() {
                @Override
                public String statusLine() {
                    return gateway.statusLine();
                }

                @Override
                public GatewayRun.Stopped stop(Duration deadline) {
                    GatewayStopReport report = gateway.stop(deadline);
                    return new GatewayRun.Stopped(report.drained(), report.toString());
                }
            };
        }
    }

    /** {@code edgeflow check <file>}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Check a gateway file without starting anything: every problem is printed as",
                "file:line:column: message and the exit code is 3; a good file prints its routes and exits 0."})
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "<file>", description = "The gateway file.")
        Path file;

        @Override
        public Integer call() {
            GatewayConfig config = load(file, spec.commandLine().getErr());
            if (config == null) {
                return ExitCodes.INVALID_CONFIG;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(config.file() + ": OK, gateway " + config.name() + ", " + config.routeNames().size()
                    + " route(s) " + config.routeNames());
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code edgeflow config show <file>}. */
    @Command(name = "config", mixinStandardHelpOptions = true,
            description = "Show what a gateway file means.",
            subcommands = Show.class)
    static final class Config implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw new ParameterException(spec.commandLine(), "Missing command: give show");
        }
    }

    /** {@code edgeflow config show <file>}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Print the gateway file as the gateway reads it, with every default filled in",
                "and secrets redacted; an invalid file prints its problems and exits 3."})
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "<file>", description = "The gateway file.")
        Path file;

        @Override
        public Integer call() {
            GatewayConfig config = load(file, spec.commandLine().getErr());
            if (config == null) {
                return ExitCodes.INVALID_CONFIG;
            }
            spec.commandLine().getOut().print(config.show());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}
