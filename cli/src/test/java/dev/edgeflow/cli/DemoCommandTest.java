package dev.edgeflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Only the options given reach the demo, so that its own defaults stay the defaults. */
class DemoCommandTest {
    private static DemoCommand parse(String... args) {
        CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        CommandLine.ParseResult r = cl.parseArgs(args);
        return (DemoCommand) r.subcommand().commandSpec().userObject();
    }

    @Test
    void passesOnlyTheOptionsGiven() {
        assertThat(parse("demo").demoArguments()).isEmpty();
        assertThat(parse("demo", "--duration", "5", "--port", "0").demoArguments())
                .containsExactly("--duration", "5", "--port", "0");
    }

    @Test
    void passesEveryOptionInTheDemosSpelling() {
        assertThat(parse("demo", "--rate", "0.5", "--devices", "2", "--out", "/tmp/r.jsonl", "--broker",
                "mqtt://localhost:1883").demoArguments())
                .containsExactly("--rate", "0.5", "--devices", "2", "--out", "/tmp/r.jsonl", "--broker",
                        "mqtt://localhost:1883");
    }
}
