package dev.edgeflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayHttpConfigTest {
    private static final String ROUTES = """
            sources:
              in: {type: memory, options: {name: cfg-http-in}}
            sinks:
              out: {type: memory, options: {name: cfg-http-out}}
            routes:
              - source: in
                sink: out
            """;

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private List<String> problems(String yaml) throws IOException {
        try {
            GatewayConfig.load(write(yaml), Map.of());
        } catch (ConfigException e) {
            return e.problems().stream().map(p -> p.line() + ":" + p.column() + ": " + p.message()).toList();
        }
        throw new AssertionError("expected problems in\n" + yaml);
    }

    @Test
    void fillsInTheHttpDefaults() throws IOException {
        GatewayConfig config = GatewayConfig.load(write(ROUTES + "http: {}\n"), Map.of());
        assertThat(config.show()).contains("""
                http:
                  host: 127.0.0.1
                  port: 9464
                  metrics: true
                  health: true
                  sinkFailureThreshold: PT1M
                """);
        // and what show() prints loads again
        assertThat(GatewayConfig.load(write(config.show()), Map.of()).show()).isEqualTo(config.show());
    }

    @Test
    void withoutHttpThereIsNoEndpointInTheEffectiveConfiguration() throws IOException {
        assertThat(GatewayConfig.load(write(ROUTES), Map.of()).show()).doesNotContain("http:");
    }

    @Test
    void reportsEveryBadHttpKeyWithLineAndColumn() throws IOException {
        assertThat(problems(ROUTES + """
                http:
                  port: 70000
                  metrics: maybe
                  sinkFailureThreshold: soon
                  prot: 1
                """)).containsExactly(
                        "9:9: http.port is 70000: use a whole number from 0 to 65535",
                        "10:12: http.metrics is 'maybe': use true or false",
                        "11:25: http.sinkFailureThreshold is 'soon': use a positive duration such as 250ms, 30s, 5m, 1h "
                                + "or PT30S",
                        "12:3: unknown key 'prot' in http; did you mean 'port'? Allowed keys: health, host, metrics, "
                                + "port, sinkFailureThreshold");
    }

    @Test
    void refusesAnEndpointThatServesNothingAndAHostThatIsNotOne() throws IOException {
        assertThat(problems(ROUTES + """
                http:
                  host: http://0.0.0.0
                  metrics: false
                  health: false
                """)).containsExactly(
                        "8:1: http has metrics: false and health: false, so it would serve nothing: enable one, or "
                                + "remove http:",
                        "9:9: http.host is 'http://0.0.0.0': use an address or host name to listen on, such as 127.0.0.1 "
                                + "(the default, this machine only) or 0.0.0.0 (every interface)");
    }

    @Test
    void httpMustBeAMapping() throws IOException {
        assertThat(problems(ROUTES + "http: 9464\n")).singleElement().asString()
                .startsWith("8:7: http is a number: use a mapping with keys host, port, metrics, health, "
                        + "sinkFailureThreshold");
    }
}
