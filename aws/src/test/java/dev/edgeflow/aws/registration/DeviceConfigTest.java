package dev.edgeflow.aws.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgeflow.aws.DeviceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DeviceConfigTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String VALID_REST = "\"certificateFile\": \"device.cert.pem\","
            + " \"privateKeyFile\": \"device.private.key\"";

    @TempDir
    Path dir;

    private DeviceConfig fullConfig() {
        return DeviceConfig.builder()
                .endpoint("abc123-ats.iot.eu-west-1.amazonaws.com")
                .port(443)
                .thingName("rpi-sensor-01")
                .clientId("rpi-sensor-01-client")
                .certificateFile(dir.resolve("device.cert.pem"))
                .privateKeyFile(dir.resolve("keys/device.private.key"))
                .rootCaFile(dir.resolve("AmazonRootCA1.pem"))
                .region("eu-west-1")
                .certificateId("4f2a")
                .certificateArn("arn:aws:iot:eu-west-1:123456789012:cert/4f2a")
                .build();
    }

    @Test
    void roundTripKeepsEveryField() {
        DeviceConfig config = fullConfig();
        Path file = dir.resolve("edgeflow-aws.json");

        config.write(file);
        DeviceConfig loaded = DeviceConfig.load(file);

        assertThat(loaded).isEqualTo(config);
        assertThat(loaded.endpoint()).isEqualTo("abc123-ats.iot.eu-west-1.amazonaws.com");
        assertThat(loaded.port()).isEqualTo(443);
        assertThat(loaded.clientId()).isEqualTo("rpi-sensor-01-client");
        assertThat(loaded.privateKeyFile()).isEqualTo(dir.resolve("keys/device.private.key"));
        assertThat(loaded.rootCaFile()).contains(dir.resolve("AmazonRootCA1.pem"));
        assertThat(loaded.region()).contains("eu-west-1");
        assertThat(loaded.certificateId()).contains("4f2a");
        assertThat(loaded.certificateArn()).contains("arn:aws:iot:eu-west-1:123456789012:cert/4f2a");
    }

    @Test
    void roundTripKeepsAbsentOptionalsAbsent() {
        DeviceConfig config = DeviceConfig.builder().endpoint("e.example").thingName("t")
                .certificateFile(dir.resolve("c.pem")).privateKeyFile(dir.resolve("k.pem")).build();
        Path file = dir.resolve("c.json");

        config.write(file);
        DeviceConfig loaded = DeviceConfig.load(file);

        assertThat(loaded).isEqualTo(config);
        assertThat(loaded.rootCaFile()).isEmpty();
        assertThat(loaded.region()).isEmpty();
        assertThat(loaded.certificateId()).isEmpty();
        assertThat(loaded.certificateArn()).isEmpty();
    }

    @Test
    void defaultsToPort8883AndThingNameAsClientId() {
        DeviceConfig config = DeviceConfig.builder().endpoint("e.example").thingName("rpi-sensor-01")
                .certificateFile(Path.of("c.pem")).privateKeyFile(Path.of("k.pem")).build();

        assertThat(config.port()).isEqualTo(8883);
        assertThat(config.clientId()).isEqualTo("rpi-sensor-01");
    }

    @Test
    void writesPathsInsideTheDirectoryRelativeToItAndOthersAbsolute() throws IOException {
        Path outside = dir.resolve("elsewhere/AmazonRootCA1.pem");
        Path configDir = dir.resolve("device");
        DeviceConfig config = DeviceConfig.builder().endpoint("e.example").thingName("t")
                .certificateFile(configDir.resolve("device.cert.pem"))
                .privateKeyFile(configDir.resolve("keys/device.private.key"))
                .rootCaFile(outside)
                .build();
        Path file = configDir.resolve("edgeflow-aws.json");

        config.write(file);
        JsonNode json = MAPPER.readTree(Files.readString(file));

        assertThat(json.get("certificateFile").asText()).isEqualTo("device.cert.pem");
        assertThat(json.get("privateKeyFile").asText()).isEqualTo("keys/device.private.key");
        assertThat(json.get("rootCaFile").asText()).isEqualTo(outside.toAbsolutePath().toString());
    }

    @Test
    void resolvesRelativePathsAgainstTheFilesDirectoryNotTheWorkingDirectory() throws IOException {
        Path configDir = Files.createDirectories(dir.resolve("etc/edgeflow"));
        Path file = configDir.resolve("edgeflow-aws.json");
        Files.writeString(file, "{\"endpoint\": \"e.example\", \"thingName\": \"t\","
                + " \"certificateFile\": \"device.cert.pem\", \"privateKeyFile\": \"keys/../device.private.key\","
                + " \"rootCaFile\": \"ca/root.pem\"}");

        DeviceConfig loaded = DeviceConfig.load(file);

        assertThat(loaded.certificateFile()).isEqualTo(configDir.toAbsolutePath().resolve("device.cert.pem"));
        assertThat(loaded.privateKeyFile()).isEqualTo(configDir.toAbsolutePath().resolve("device.private.key"));
        assertThat(loaded.rootCaFile()).contains(configDir.toAbsolutePath().resolve("ca/root.pem"));
        assertThat(loaded.port()).isEqualTo(8883);
        assertThat(loaded.clientId()).isEqualTo("t");
    }

    @Test
    void rewritingReplacesTheFileAndLeavesNoTemporaryFileBehind() throws IOException {
        Path file = dir.resolve("edgeflow-aws.json");
        fullConfig().write(file);
        DeviceConfig changed = DeviceConfig.builder().endpoint("other-ats.iot.us-east-1.amazonaws.com")
                .thingName("rpi-sensor-01").certificateFile(dir.resolve("c.pem")).privateKeyFile(dir.resolve("k.pem"))
                .build();

        changed.write(file);

        assertThat(DeviceConfig.load(file)).isEqualTo(changed);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void ignoresFieldsItDoesNotKnow() throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"endpoint\": \"e.example\", \"thingName\": \"t\", " + VALID_REST
                + ", \"keepAlive\": 30}");

        assertThat(DeviceConfig.load(file).thingName()).isEqualTo("t");
    }

    @Test
    void toStringNamesTheThingEndpointAndFiles() {
        assertThat(fullConfig().toString())
                .contains("rpi-sensor-01", "abc123-ats.iot.eu-west-1.amazonaws.com:443", "device.cert.pem",
                        "device.private.key");
    }

    static Stream<Arguments> brokenFiles() {
        return Stream.of(
                Arguments.of("{\"endpoint\": \"e.example\"", "is not JSON"),
                Arguments.of("", "an empty file"),
                Arguments.of("[1, 2]", "must hold a JSON object"),
                Arguments.of("{\"thingName\": \"t\", " + VALID_REST + "}", "field 'endpoint' is missing"),
                Arguments.of("{\"endpoint\": \"e.example\", " + VALID_REST + "}", "field 'thingName' is missing"),
                Arguments.of("{\"endpoint\": \"e.example\", \"thingName\": \"t\","
                        + " \"privateKeyFile\": \"k.pem\"}", "field 'certificateFile' is missing"),
                Arguments.of("{\"endpoint\": \"e.example\", \"thingName\": \"t\","
                        + " \"certificateFile\": \"c.pem\"}", "field 'privateKeyFile' is missing"),
                Arguments.of("{\"endpoint\": \"e.example\", \"thingName\": \"t\", \"port\": \"8883\", "
                        + VALID_REST + "}", "field 'port' must be a whole number"),
                Arguments.of("{\"endpoint\": \"e.example\", \"thingName\": \"t\", \"port\": 88.83, "
                        + VALID_REST + "}", "field 'port' must be a whole number"),
                Arguments.of("{\"endpoint\": \"e.example\", \"thingName\": \"t\", \"port\": 70000, "
                        + VALID_REST + "}", "port 70000 is outside 1..65535"),
                Arguments.of("{\"endpoint\": 42, \"thingName\": \"t\", " + VALID_REST + "}",
                        "field 'endpoint' must be a string"),
                Arguments.of("{\"endpoint\": \" \", \"thingName\": \"t\", " + VALID_REST + "}",
                        "endpoint is blank"),
                Arguments.of("{\"endpoint\": \"e.example\", \"thingName\": \"t\", \"region\": [\"eu-west-1\"], "
                        + VALID_REST + "}", "field 'region' must be a string"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("brokenFiles")
    void rejectsABrokenFileNamingTheFileAndTheField(String content, String expected) throws IOException {
        Path file = dir.resolve("edgeflow-aws.json");
        Files.writeString(file, content);

        assertThatThrownBy(() -> DeviceConfig.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(expected);
    }

    @Test
    void rejectsAMissingFileNamingItAndHowToCreateIt() {
        Path file = dir.resolve("nowhere/edgeflow-aws.json");

        assertThatThrownBy(() -> DeviceConfig.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("does not exist")
                .hasMessageContaining("ThingRegistration");
    }

    @Test
    void builderRejectsABlankEndpointSayingWhereToFindIt() {
        DeviceConfig.Builder builder = DeviceConfig.builder().endpoint("").thingName("t")
                .certificateFile(Path.of("c.pem")).privateKeyFile(Path.of("k.pem"));

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("endpoint is blank")
                .hasMessageContaining("aws iot describe-endpoint --endpoint-type iot:Data-ATS");
    }

    @Test
    void builderRejectsAMissingThingName() {
        DeviceConfig.Builder builder = DeviceConfig.builder().endpoint("e.example")
                .certificateFile(Path.of("c.pem")).privateKeyFile(Path.of("k.pem"));

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("thingName is not set");
    }

    @Test
    void builderRejectsPortsOutsideTheTcpRange() {
        DeviceConfig.Builder builder = DeviceConfig.builder().endpoint("e.example").thingName("t")
                .certificateFile(Path.of("c.pem")).privateKeyFile(Path.of("k.pem"));

        assertThatThrownBy(() -> builder.port(0).build()).hasMessageContaining("port 0 is outside 1..65535");
        assertThatThrownBy(() -> builder.port(65536).build()).hasMessageContaining("port 65536 is outside 1..65535");
        assertThat(builder.port(65535).build().port()).isEqualTo(65535);
    }
}
