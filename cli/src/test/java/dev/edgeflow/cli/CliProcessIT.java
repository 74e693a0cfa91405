package dev.edgeflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The edgeflow command as a user starts it: the shaded jar, or the launcher from the unpacked tarball. */
class CliProcessIT {
    private static final Pattern DASHBOARD = Pattern.compile("the dashboard is at (http://localhost:(\\d+)/)");

    @TempDir
    Path dir;

    @Test
    void helpListsTheCommandsAndExitsZero() {
        CliProcess p = CliProcess.run("--help");
        assertThat(p.exitValue()).as(p.describe()).isZero();
        assertThat(p.out()).contains("Usage: edgeflow").contains("run").contains("check").contains("demo")
                .contains("aws").contains("pubsub").contains("Exit codes:");
    }

    @Test
    void aBadArgumentExitsTwoNamingIt() {
        CliProcess p = CliProcess.run("pubsub", "pull", "iot-sensor-sub", "--project", "p-1234", "--emulator",
                "localhost:1", "--max", "lots");
        assertThat(p.exitValue()).as(p.describe()).isEqualTo(ExitCodes.USAGE);
        assertThat(p.err()).contains("'--max'").contains("lots");
        assertThat(p.out()).isEmpty();
    }

    @Test
    void anUnknownCommandExitsTwoNamingIt() {
        CliProcess p = CliProcess.run("dmeo");
        assertThat(p.exitValue()).as(p.describe()).isEqualTo(ExitCodes.USAGE);
        assertThat(p.err()).contains("'dmeo'").contains("Try 'edgeflow --help'");
    }

    @Test
    void theDemoRunsForItsDurationPrintsTheDashboardAddressAndExitsZero() {
        CliProcess p = CliProcess.startCommand(List.of(CliProcess.java(), "-jar", CliProcess.jar().toString(), "demo",
                "--duration", "5", "--port", "0"), Map.of(), dir);
        int code = p.exitCode(Duration.ofSeconds(120));

        assertThat(code).as(p.describe()).isZero();
        Matcher m = DASHBOARD.matcher(p.out());
        assertThat(m.find()).as(p.describe()).isTrue();
        assertThat(Integer.parseInt(m.group(2))).isPositive().isNotEqualTo(8080);
        assertThat(p.out()).contains("edgeflow demo stopped after").contains("every reading settled");
        assertThat(dir.resolve("target/demo/readings.jsonl")).isNotEmptyFile();
    }

    @Test
    void sigtermStopsTheDemoAfterItsReportAsTheJvmDoes() {
        CliProcess p = CliProcess.startCommand(List.of(CliProcess.java(), "-jar", CliProcess.jar().toString(), "demo",
                "--port", "0"), Map.of(), dir).awaitOut("the dashboard is at", Duration.ofSeconds(90));

        int code = p.terminate().exitCode(Duration.ofSeconds(60));

        // The demo has no exit code of its own for a signal: 128 + 15, after its report.
        assertThat(code).as(p.describe()).isEqualTo(143);
        assertThat(p.out()).contains("edgeflow demo stopped after");
    }

    @Test
    void theTarballsLauncherRunsTheJarWithJavaOpts() throws Exception {
        Path home = unpackTarball();
        assertThat(home.resolve("bin/edgeflow")).isExecutable();
        assertThat(home.resolve("lib/edgeflow-cli.jar")).isRegularFile();
        assertThat(home.resolve("etc/edgeflow")).isDirectoryContaining("glob:**/mqtt-bridge.yaml");
        assertThat(home.resolve("docs/cli.md")).isRegularFile();
        assertThat(Files.readString(home.resolve("systemd/edgeflow.service")))
                .contains("ExecStart=/opt/edgeflow/bin/edgeflow run /etc/edgeflow/gateway.yaml")
                .contains("StateDirectory=edgeflow").contains("Restart=on-failure").contains("User=edgeflow");
        // Through a symbolic link, as /usr/local/bin/edgeflow would be.
        Path link = Files.createSymbolicLink(dir.resolve("edgeflow-link"), home.resolve("bin/edgeflow"));

        CliProcess p = CliProcess.startCommand(List.of(link.toString(), "--version"),
                Map.of("JAVA_HOME", System.getProperty("java.home"), "JAVA_OPTS", "-Dedgeflow.test=1 -Xmx64m"), null);

        assertThat(p.exitCode(Duration.ofSeconds(60))).as(p.describe()).isZero();
        assertThat(p.out()).startsWith("edgeflow 0.1.0");

        // The unit's own JAVA_OPTS and MALLOC_ARENA_MAX start this JVM.
        java.util.regex.Matcher opts = java.util.regex.Pattern.compile("Environment=\"JAVA_OPTS=([^\"]+)\"")
                .matcher(Files.readString(home.resolve("systemd/edgeflow.service")));
        assertThat(opts.find()).as("the unit sets JAVA_OPTS").isTrue();
        CliProcess unit = CliProcess.startCommand(List.of(link.toString(), "--version"), Map.of("JAVA_HOME",
                System.getProperty("java.home"), "JAVA_OPTS", opts.group(1), "MALLOC_ARENA_MAX", "2"), null);
        assertThat(unit.exitCode(Duration.ofSeconds(60))).as(unit.describe()).isZero();
        assertThat(unit.out()).startsWith("edgeflow 0.1.0");
    }

    @Test
    void theLauncherSaysWhatIsWrongWithJavaHome() throws Exception {
        Path tarball = Path.of(System.getProperty("edgeflow.cli.tarball"));
        CliProcess untar = CliProcess.startCommand(List.of("tar", "-xzf", tarball.toString(), "-C", dir.toString(),
                "--wildcards", "*/bin/edgeflow"), Map.of(), null);
        assertThat(untar.exitCode(Duration.ofSeconds(60))).as(untar.describe()).isZero();
        Path launcher;
        try (var children = Files.list(dir)) {
            launcher = children.findFirst().orElseThrow().resolve("bin/edgeflow");
        }

        CliProcess p = CliProcess.startCommand(List.of(launcher.toString(), "--help"),
                Map.of("JAVA_HOME", dir.resolve("no-jdk").toString()), null);

        assertThat(p.exitCode(Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(p.err()).contains("JAVA_HOME is " + dir.resolve("no-jdk")).contains("not an executable");
    }

    private Path gatewayFile(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    private String idleGateway() {
        return "name: cli-it\n"
                + "sources:\n"
                + "  sensors: {type: memory, options: {name: cli-it-sensors}}\n"
                + "sinks:\n"
                + "  archive: {type: jsonl, options: {path: " + dir.resolve("out.jsonl") + "}}\n"
                + "routes:\n"
                + "  - {name: up, source: sensors, sink: archive}\n";
    }

    @Test
    void checkAcceptsAGoodFileAndNamesItsRoutes() throws IOException {
        CliProcess p = CliProcess.run("check", gatewayFile("gateway.yaml", idleGateway()).toString());
        assertThat(p.exitValue()).as(p.describe()).isZero();
        assertThat(p.out()).contains(": OK, gateway cli-it, 1 route(s) [up]");
    }

    @Test
    void checkPrintsEveryProblemWithItsLineAndExitsThree() throws IOException {
        Path file = gatewayFile("bad.yaml", idleGateway().replace("source: sensors", "sourse: sensors")
                .replace("type: jsonl", "type: jsnol"));
        CliProcess p = CliProcess.run("check", file.toString());
        assertThat(p.exitValue()).as(p.describe()).isEqualTo(ExitCodes.INVALID_CONFIG);
        assertThat(p.err()).contains(file + ":5:").contains("unknown sink type 'jsnol'")
                .contains(file + ":7:").contains("'sourse'").contains("problem(s) in " + file);
    }

    @Test
    void configShowPrintsTheFileWithItsDefaults() throws IOException {
        CliProcess p = CliProcess.run("config", "show", gatewayFile("gateway.yaml", idleGateway()).toString());
        assertThat(p.exitValue()).as(p.describe()).isZero();
        assertThat(p.out()).contains("type: jsonl").contains("maxInFlight: 256");
    }

    @Test
    void runWithAnInvalidFileExitsThreeBeforeStartingAnything() throws IOException {
        CliProcess p = CliProcess.run("run", gatewayFile("bad.yaml", "routes: nope\n").toString());
        assertThat(p.exitValue()).as(p.describe()).isEqualTo(ExitCodes.INVALID_CONFIG);
        assertThat(p.err()).contains(dir.resolve("bad.yaml") + ":1:");
        assertThat(p.out()).doesNotContain("started");
    }

    @Test
    void runPrintsStatusLinesAndOnSigtermDrainsAndExitsZero() throws IOException {
        Path file = gatewayFile("gateway.yaml", idleGateway());
        CliProcess p = CliProcess.start("run", "--status-interval", "200ms", "--drain", "5s", file.toString())
                .awaitOut("edgeflow run: started", Duration.ofSeconds(60))
                .awaitOut("status gateway cli-it", Duration.ofSeconds(30));

        int code = p.terminate().exitCode(Duration.ofSeconds(60));

        assertThat(code).as(p.describe()).isEqualTo(ExitCodes.OK);
        assertThat(p.out()).contains("routes [up]").contains("stopping (signal), draining for up to 5 s")
                .contains("edgeflow run: stopped, drained");
    }

    @Test
    void theLauncherKeepsAClassDataArchiveInTheStateDirectoryThatTheNextRunMaps() throws Exception {
        Path launcher = unpackTarball().resolve("bin/edgeflow");
        Path state = Files.createDirectory(dir.resolve("state"));
        Path file = gatewayFile("gateway.yaml", idleGateway());
        Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"),
                "EDGEFLOW_STATE_DIR", state.toString());

        // One-shot commands leave nothing behind.
        CliProcess check = CliProcess.startCommand(List.of(launcher.toString(), "check", file.toString()), env, null);
        assertThat(check.exitCode(Duration.ofSeconds(60))).as(check.describe()).isZero();
        assertThat(state).isEmptyDirectory();

        // A run that never starts its gateway writes an archive as the JVM exits, but leaves no
        // mark: the next start throws it away.
        CliProcess bad = CliProcess.startCommand(List.of(launcher.toString(), "run",
                gatewayFile("bad.yaml", "routes: nope\n").toString()), env, null);
        assertThat(bad.exitCode(Duration.ofSeconds(60))).as(bad.describe()).isEqualTo(ExitCodes.INVALID_CONFIG);
        assertThat(unmarked(state)).as("the failed run's archive").hasSize(1);

        // The first run writes the archive as it exits, under a temporary name with its pid, and a
        // mark that its gateway started.
        CliProcess first = CliProcess.startCommand(List.of(launcher.toString(), "run", "--drain", "5s", file.toString()),
                env, null).awaitOut("edgeflow run: started", Duration.ofSeconds(60));
        assertThat(first.terminate().exitCode(Duration.ofSeconds(60))).as(first.describe()).isEqualTo(ExitCodes.OK);
        List<Path> written = unmarked(state);
        assertThat(written).as("the failed run's archive went, the first run's came").hasSize(1)
                .allMatch(f -> f.getFileName().toString().matches("edgeflow-cds-[0-9]+-[0-9]+-[0-9]+\\.jsa\\.tmp-[0-9]+"));
        assertThat(Path.of(written.get(0) + ".started")).exists();

        // The next run takes it and maps it: with -Xshare:on a JVM that cannot map it does not start.
        Map<String, String> shareOn = new HashMap<>(env);
        shareOn.put("JAVA_OPTS", "-Xshare:on -Xlog:cds=info:stderr");
        CliProcess second = CliProcess.startCommand(List.of(launcher.toString(), "run", "--drain", "5s",
                file.toString()), shareOn, null).awaitOut("edgeflow run: started", Duration.ofSeconds(60));
        assertThat(second.terminate().exitCode(Duration.ofSeconds(60))).as(second.describe()).isEqualTo(ExitCodes.OK);
        List<Path> kept;
        try (var files = Files.list(state)) {
            kept = files.collect(Collectors.toList());
        }
        assertThat(kept).as("the archive, under its own name now").hasSize(1)
                .allMatch(f -> f.getFileName().toString().endsWith(".jsa"));
        assertThat(second.err()).as(second.describe()).contains(kept.get(0).toString());
    }

    @Test
    void withEdgeflowCdsOffTheLauncherWritesNoArchive() throws Exception {
        Path launcher = unpackTarball().resolve("bin/edgeflow");
        Path state = Files.createDirectory(dir.resolve("state"));
        Path file = gatewayFile("gateway.yaml", idleGateway());
        CliProcess p = CliProcess.startCommand(List.of(launcher.toString(), "run", "--drain", "5s", file.toString()),
                Map.of("JAVA_HOME", System.getProperty("java.home"), "EDGEFLOW_STATE_DIR", state.toString(),
                        "EDGEFLOW_CDS", "off"), null).awaitOut("edgeflow run: started", Duration.ofSeconds(60));

        assertThat(p.terminate().exitCode(Duration.ofSeconds(60))).as(p.describe()).isEqualTo(ExitCodes.OK);
        assertThat(state).isEmptyDirectory();
    }

    /** The archives in a state folder, without the marks beside them. */
    private static List<Path> unmarked(Path state) throws IOException {
        try (var files = Files.list(state)) {
            return files.filter(f -> !f.getFileName().toString().endsWith(".started")).collect(Collectors.toList());
        }
    }

    /** Unpacks the tarball into this test's folder; returns the installation's folder. */
    private Path unpackTarball() throws IOException {
        Path tarball = Path.of(System.getProperty("edgeflow.cli.tarball"));
        assertThat(tarball).isRegularFile();
        CliProcess untar = CliProcess.startCommand(List.of("tar", "-xzf", tarball.toString(), "-C", dir.toString()),
                Map.of(), null);
        assertThat(untar.exitCode(Duration.ofSeconds(60))).as(untar.describe()).isZero();
        try (var children = Files.list(dir)) {
            return children.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }
}
