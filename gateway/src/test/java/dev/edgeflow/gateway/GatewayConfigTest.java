package dev.edgeflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {
    private static final String GOOD = """
            name: test-gateway
            sources:
              sensors:
                type: memory
                options: {name: cfg-sensors}
            sinks:
              out:
                type: memory
                options: {name: cfg-out}
              archive:
                type: jsonl
                options:
                  path: /var/lib/edgeflow/readings.jsonl
                  maxBytes: 10MB
            routes:
              - name: up
                source: sensors
                topic: sensor/#
                sink: out
                targetTopicPrefix: site1/
                stages:
                  - filter: {hasField: temperature}
                  - alerts:
                      sink: archive
                      detectors:
                        - {type: above, field: temperature, max: 35}
                  - batch: {size: 10, linger: 200ms}
                buffer: {size: 64, overflow: drop-oldest}
                maxInFlight: 32
            """;

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private List<String> problems(String yaml) throws IOException {
        return problems(yaml, Map.of());
    }

    private List<String> problems(String yaml, Map<String, String> env) throws IOException {
        Path file = write(yaml);
        try {
            GatewayConfig.load(file, env);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).contains(e.problems().get(0).toString());
            return e.problems().stream().map(p -> p.line() + ":" + p.column() + ": " + p.message()).toList();
        }
        throw new AssertionError("expected problems in\n" + yaml);
    }

    @Test
    void bindsAGoodFileWithDefaultsFilledIn() throws IOException {
        GatewayConfig config = GatewayConfig.load(write(GOOD), Map.of());

        assertThat(config.name()).isEqualTo("test-gateway");
        assertThat(config.routeNames()).containsExactly("up");
        assertThat(config.show())
                .contains("targetTopicPrefix: site1/")
                .contains("overflow: drop-oldest")
                .contains("size: 64")
                .contains("maxInFlight: 32")
                .contains("linger: PT0.2S")
                .contains("type: jsonl");
        assertThat(config.toString()).contains("routes=[up]");
    }

    @Test
    void fillsDefaultsForAMinimalRoute() throws IOException {
        GatewayConfig config = GatewayConfig.load(write("""
                sources:
                  in: {type: memory, options: {name: a}}
                sinks:
                  out: {type: memory, options: {name: b}}
                routes:
                  - {source: in, sink: out}
                """), Map.of());

        assertThat(config.name()).isEqualTo("gateway");
        assertThat(config.routeNames()).containsExactly("in-to-out");
        assertThat(config.show()).contains("topic: \"#\"").contains("type: memory").contains("size: 1024")
                .contains("overflow: backpressure").contains("maxInFlight: 256");
    }

    @Test
    void reportsAnUnknownKeyAtTheKeyWithTheAllowedKeys() throws IOException {
        assertThat(problems(GOOD.replace("    topic: sensor/#", "    topik: sensor/#")))
                .containsExactly("18:5: unknown key 'topik' in routes[0]; did you mean 'topic'? Allowed keys: "
                        + "buffer, deadLetter, maxInFlight, name, rewrite, sink, source, stages, targetTopicPrefix, topic");
    }

    @Test
    void reportsAValueOfTheWrongTypeAtTheValue() throws IOException {
        assertThat(problems(GOOD.replace("maxInFlight: 32", "maxInFlight: lots")))
                .containsExactly("29:18: routes[0].maxInFlight is 'lots': use a whole number");
    }

    @Test
    void collectsEveryProblemNotOnlyTheFirst() throws IOException {
        String bad = GOOD.replace("    topic: sensor/#", "    topik: sensor/#")
                .replace("maxInFlight: 32", "maxInFlight: lots")
                .replace("overflow: drop-oldest", "overflow: spill");
        assertThat(problems(bad)).containsExactly(
                "18:5: unknown key 'topik' in routes[0]; did you mean 'topic'? Allowed keys: "
                        + "buffer, deadLetter, maxInFlight, name, rewrite, sink, source, stages, targetTopicPrefix, topic",
                "28:34: routes[0].buffer.overflow is 'spill'; a memory buffer takes one of backpressure, drop-oldest, "
                        + "drop-newest (or type: spool to keep every message on disk)",
                "29:18: routes[0].maxInFlight is 'lots': use a whole number");
    }

    @Test
    void listsTheAvailableTypesForAnUnknownOne() throws IOException {
        assertThat(problems(GOOD.replace("type: jsonl", "type: jsnol")))
                .singleElement().asString()
                .isEqualTo("11:11: unknown sink type 'jsnol' for sink 'archive': no edgeflow connector for scheme 'jsnol'; "
                        + "available: h2, influxdb, jsonl, log, memory, mqtt, mqtts, postgres, pubsub, switch. Did you mean 'jsonl'?");
    }

    @Test
    void namesTheArtifactForAKnownTypeThatIsNotOnTheClassPath() throws IOException {
        assertThat(problems(GOOD.replace("type: jsonl", "type: awsiot")))
                .singleElement().asString()
                .startsWith("11:11: unknown sink type 'awsiot'")
                .endsWith(". Add dev.edgeflow:edgeflow-aws to your dependencies to get it.");
    }

    @Test
    void aSharedSubscriptionAsARouteFilterIsRefusedWithTheFilterToGive() throws IOException {
        assertThat(problems(GOOD.replace("topic: sensor/#", "topic: $share/gateways/sensor/#")))
                .containsExactly("18:12: routes[0].topic '$share/gateways/sensor/#' is a shared subscription, which "
                        + "belongs in the source's topics option; messages reach the route with their own topics, so "
                        + "give the filter without $share/<group>/, such as 'sensor/#'");
    }

    @Test
    void reportsRoutesNamingUndeclaredConnectors() throws IOException {
        assertThat(problems(GOOD.replace("source: sensors", "source: sensor").replace("sink: out", "sink: cloud")))
                .containsExactly(
                        "17:13: routes[0].source names source 'sensor', which is not declared under sources; "
                                + "did you mean 'sensors'? Declared: sensors",
                        "19:11: routes[0].sink names sink 'cloud', which is not declared under sinks. "
                                + "Declared: out, archive");
    }

    @Test
    void reportsProviderOptionsBeforeAnythingStarts() throws IOException {
        String bad = GOOD.replace("maxBytes: 10MB", "maxBytes: 1.5MB").replace("options: {name: cfg-out}",
                "options: {nmae: cfg-out}");
        assertThat(problems(bad)).containsExactly(
                "9:15: sink 'out': connector 'memory' has no option 'nmae'; did you mean 'name'? It takes: name",
                "14:17: sink 'archive': connector 'jsonl' option 'maxBytes' is '1.5MB': use a positive size such as "
                        + "1048576, 512KB, 10MB or 1GB");
    }

    @Test
    void reportsAMissingRequiredOptionAtTheOptions() throws IOException {
        assertThat(problems(GOOD.replace("options: {name: cfg-sensors}", "options: {}")))
                .containsExactly("5:5: source 'sensors': connector 'memory' needs option 'name', for example name=sensors");
    }

    @Test
    void checkingCreatesNoFile() throws IOException {
        Path target = dir.resolve("not-created/readings.jsonl");
        GatewayConfig.load(write(GOOD.replace("/var/lib/edgeflow/readings.jsonl", target.toString())), Map.of());
        assertThat(target.getParent()).doesNotExist();
    }

    @Test
    void reportsAKeyGivenTwice() throws IOException {
        String twice = GOOD.replace("  archive:\n    type: jsonl",
                "  out:\n    type: log\n  archive:\n    type: jsonl");
        assertThat(problems(twice)).containsExactly(
                "10:3: key 'out' is given twice in sinks (first at line 7): keep one");
    }

    @Test
    void reportsDuplicateRouteNames() throws IOException {
        String twice = GOOD + """
                  - name: up
                    source: sensors
                    sink: archive
                """;
        assertThat(problems(twice)).containsExactly(
                "30:11: route name 'up' is used twice (routes[0] and routes[1]): give each route its own name:");
    }

    @Test
    void reportsAnUnsetVariableAndAMissingSecretFile() throws IOException {
        String yaml = GOOD.replace("options: {name: cfg-out}", "options: {name: \"${OUT_NAME}\"}")
                .replace("maxBytes: 10MB", "maxBytes: ${file:/no/such/secret}");
        assertThat(problems(yaml)).containsExactly(
                "9:21: sinks.out.options.name: environment variable OUT_NAME is not set: set it, or give a default "
                        + "as ${OUT_NAME:-value}",
                "14:17: sinks.archive.options.maxBytes: file /no/such/secret of ${file:/no/such/secret} does not "
                        + "exist: create it, or correct the path");
    }

    @Test
    void substitutesVariablesDefaultsAndFiles() throws IOException {
        Files.writeString(dir.resolve("size.txt"), "20MB\n");
        GatewayConfig config = GatewayConfig.load(write(GOOD
                .replace("options: {name: cfg-out}", "options: {name: \"${OUT_NAME}\"}")
                .replace("name: test-gateway", "name: ${GATEWAY_NAME:-fallback}")
                .replace("maxBytes: 10MB", "maxBytes: ${file:size.txt}")), Map.of("OUT_NAME", "from-env"));

        assertThat(config.name()).isEqualTo("fallback");
        assertThat(config.show()).contains("name: from-env");
        // a value read from a file is treated as a secret wherever it is used
        assertThat(config.show()).doesNotContain("20MB").contains("maxBytes: '****'");
    }

    @Test
    void neverShowsASecret() throws IOException {
        Files.writeString(dir.resolve("token"), "s3cr3t-from-file");
        String yaml = GOOD.replace("options: {name: cfg-out}",
                "options: {name: cfg-out, password: \"${OUT_PASSWORD}\"}")
                .replace("options: {name: cfg-sensors}", "options: {name: cfg-sensors, apiToken: \"${file:token}\"}");
        Path file = write(yaml);
        Map<String, String> env = Map.of("OUT_PASSWORD", "hunter2-secret");

        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> GatewayConfig.load(file, env));

        // memory takes neither option: the messages name them, never their values
        assertThat(e.getMessage()).contains("has no option 'password'").contains("has no option 'apiToken'")
                .doesNotContain("hunter2-secret").doesNotContain("s3cr3t-from-file");
    }

    @Test
    void masksSecretsInShow() throws IOException {
        String yaml = GOOD.replace("  archive:\n    type: jsonl",
                "  audit:\n    type: log\n    options: {name: \"edgeflow.${AUDIT_PASSWORD}\"}\n"
                        + "  archive:\n    type: jsonl");
        GatewayConfig config = GatewayConfig.load(write(yaml), Map.of("AUDIT_PASSWORD", "not-really"));
        // a value is a secret only by its key's name or its ${file:} origin: this one is neither
        assertThat(config.show()).contains("edgeflow.not-really");

        Files.writeString(dir.resolve("pw"), "file-secret-42");
        GatewayConfig secret = GatewayConfig.load(write(yaml.replace("${AUDIT_PASSWORD}", "${file:pw}")), Map.of());
        assertThat(secret.show()).doesNotContain("file-secret-42").contains("edgeflow.****");
        assertThat(secret.toString()).doesNotContain("file-secret-42");
    }

    @Test
    void reportsYamlSyntaxErrorsWithTheirPlace() throws IOException {
        assertThat(problems("sources:\n  a: [unclosed\nsinks: {}\n")).singleElement().asString()
                .isEqualTo("3:6: not valid YAML: while parsing a flow sequence: expected ',' or ']', but got :");
    }

    @Test
    void reportsAMissingFileWithoutAPlace() {
        assertThatThrownBy(() -> GatewayConfig.load(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("nope.yaml:0:0: gateway file ")
                .hasMessageContaining("does not exist");
    }

    @Test
    void reportsStageProblems() throws IOException {
        String bad = GOOD.replace("{type: above, field: temperature, max: 35}", "{type: abvoe, field: temperature}")
                .replace("- batch: {size: 10, linger: 200ms}", "- batch: {size: 100, linger: soon}");
        assertThat(problems(bad)).containsExactly(
                "26:22: routes[0].stages[1].alerts.detectors[0].type is 'abvoe'; did you mean 'above'? Use one of "
                        + "above, outside, rateOfChange, zScore, ewma",
                "27:23: routes[0].stages[2].batch.size is 100, more than the route's maxInFlight 32, so a batch "
                        + "could never fill: lower size or raise maxInFlight",
                "27:36: routes[0].stages[2].batch.linger is 'soon': use a positive duration such as 250ms, 30s, 5m, "
                        + "1h or PT30S");
    }

    @Test
    void requiresADirectoryForASpoolBuffer() throws IOException {
        assertThat(problems(GOOD.replace("buffer: {size: 64, overflow: drop-oldest}", "buffer: {type: spool}")))
                .containsExactly("28:5: routes[0].buffer of type spool needs directory:, such as directory: "
                        + "/var/lib/edgeflow/spool (each route keeps its spool in a folder of its name there)");
    }

    @Test
    void reportsAnEmptyFile() throws IOException {
        assertThat(problems("")).contains(
                "0:0: no sources: add sources: with at least one, such as\n    sources:\n      local:\n"
                        + "        type: mqtt\n        options: {host: localhost, topics: sensor/#}");
    }
}
