package dev.edgeflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Loads and checks every gateway file under docs/, so that an example cannot rot. Checking
 * creates no connector, so this needs no broker, no cloud and no file the examples name.
 */
class DocsExamplesTest {
    /** The variables the examples use, as an operator would set them. */
    private static final Map<String, String> ENVIRONMENT = Map.of(
            "CENTRAL_BROKER_HOST", "broker.example.com",
            "CENTRAL_BROKER_PASSWORD", "example-password",
            "GCP_PROJECT", "example-project",
            "INFLUX_PASSWORD", "example-password");

    private static List<Path> examples() throws IOException {
        Path docs = Path.of("..", "docs");
        try (Stream<Path> files = Files.walk(docs)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void everyExampleFileUnderDocsLoadsWithoutProblems() throws IOException {
        List<Path> files = examples();
        assertThat(files).extracting(f -> f.getFileName().toString())
                .contains("mqtt-bridge.yaml", "local-to-pubsub.yaml", "alerts-to-jsonl.yaml", "mqtt-to-influxdb.yaml");
        for (Path file : files) {
            GatewayConfig config = GatewayConfig.load(file, ENVIRONMENT);
            assertThat(config.routeNames()).as(file.toString()).isNotEmpty();
            assertThat(config.show()).as(file.toString()).doesNotContain("example-password");
        }
    }
}
