package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo as a newcomer runs it: sensors, the embedded broker, the pipeline, the file. */
class DemoIT {
    private static final Pattern MQTT_LINE = Pattern.compile(
            "mqtt\\s+mqtt://127\\.0\\.0\\.1:\\d+ \\(embedded\\): (\\d+) published by the devices, (\\d+) received by the pipeline");

    @Test
    void everyReadingTheDevicesPublishReachesTheFileThroughTheBroker(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("readings.jsonl");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Demo.main(new String[] {"--duration", "3", "--rate", "20", "--out", out.toString()});
        } finally {
            System.setOut(original);
        }
        String report = captured.toString(StandardCharsets.UTF_8);

        Matcher m = MQTT_LINE.matcher(report);
        assertThat(m.find()).as("the report's mqtt line in:%n%s", report).isTrue();
        long published = Long.parseLong(m.group(1));
        long received = Long.parseLong(m.group(2));
        assertThat(published).isPositive();
        assertThat(received).isEqualTo(published);
        assertThat(report).contains("every reading settled");

        List<String> lines = Files.readAllLines(out);
        Path deadLetters = dir.resolve("readings-dead-letters.jsonl");
        long invalid = Files.exists(deadLetters) ? Files.readAllLines(deadLetters).size() : 0;
        assertThat(lines.size() + invalid).isEqualTo(published);
        assertThat(lines).allSatisfy(line -> assertThat(line).contains("sensor/RaspberryPi-00"));
    }
}
