package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo as a newcomer runs it: sensors, the embedded broker, the pipeline with its anomaly
 * stage, the file, the embedded store and the dashboard.
 */
class DemoIT {
    private static final Pattern MQTT_LINE = Pattern.compile(
            "mqtt\\s+mqtt://127\\.0\\.0\\.1:\\d+ \\(embedded\\): (\\d+) published by the devices, (\\d+) received by the pipeline");
    private static final Pattern STORE_LINE = Pattern.compile("store\\s+\\S+: (\\d+) reading\\(s\\) written in \\d+ batch");
    private static final Pattern DASHBOARD_LINE = Pattern.compile("the dashboard is at (http://localhost:\\d+/)");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs the demo's main with standard output captured; the output so far is readable while it runs. */
    private static final class Run {
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final CompletableFuture<Void> done;

        Run(String... args) {
            PrintStream original = System.out;
            PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
            System.setOut(capture);
            done = CompletableFuture.runAsync(() -> Demo.main(args));
            done.whenComplete((v, e) -> System.setOut(original));
        }

        String output() {
            synchronized (captured) {
                return captured.toString(StandardCharsets.UTF_8);
            }
        }

        String finish() throws Exception {
            done.get(60, TimeUnit.SECONDS);
            return output();
        }
    }

    @Test
    void everyReadingTheDevicesPublishReachesTheFileAndTheStoreThroughTheBroker(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("readings.jsonl");
        String report = new Run("--duration", "3", "--rate", "20", "--out", out.toString(), "--port", "0").finish();

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

        Matcher stored = STORE_LINE.matcher(report);
        assertThat(stored.find()).as("the report's store line in:%n%s", report).isTrue();
        assertThat(Long.parseLong(stored.group(1))).as("readings in the store").isEqualTo(lines.size());
        assertThat(dir.resolve("store")).isDirectoryContaining(p -> p.getFileName().toString().endsWith(".db"));
    }

    @Test
    void theDashboardShowsTheSimulatedDevicesWhileTheDemoRuns(@TempDir Path dir) throws Exception {
        Run run = new Run("--duration", "8", "--rate", "20", "--out", dir.resolve("readings.jsonl").toString(),
                "--port", "0");
        String url = await().atMost(Duration.ofSeconds(30)).until(() -> {
            Matcher m = DASHBOARD_LINE.matcher(run.output());
            return m.find() ? m.group(1) : null;
        }, u -> u != null);
        HttpClient http = HttpClient.newHttpClient();
        JsonNode devices = await().atMost(Duration.ofSeconds(20)).until(() -> {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "api/devices")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        }, d -> d != null && d.path("count").asInt() == 3);
        List<String> ids = new java.util.ArrayList<>();
        devices.path("devices").forEach(d -> ids.add(d.path("device_id").asText()));
        assertThat(ids).containsExactly("RaspberryPi-001", "RaspberryPi-002", "RaspberryPi-003");
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<html");
        assertThat(run.finish()).contains("every reading settled");
    }
}
