package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.spi.ConnectorOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

    @Test
    void takesBothArgumentForms() {
        DemoOptions options = DemoOptions.parse(
                "--rate", "2.5", "--devices=4", "--duration", "10", "--out=/tmp/r.jsonl");

        assertThat(options.ratePerDevice()).isEqualTo(2.5);
        assertThat(options.devices()).isEqualTo(4);
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.out()).isEqualTo(Path.of("/tmp/r.jsonl"));
        assertThat(options.help()).isFalse();
    }

    @Test
    void runsUntilCtrlCByDefault() {
        DemoOptions options = DemoOptions.parse();

        assertThat(options.duration()).isZero();
        assertThat(options.devices()).isEqualTo(3);
        assertThat(options.ratePerDevice()).isEqualTo(5.0);
    }

    @Test
    void namesTheBadArgumentAndWhatIsAllowed() {
        assertThatThrownBy(() -> DemoOptions.parse("--rate", "fast"))
                .hasMessage("--rate is 'fast': use readings per second per device, such as 5 or 0.5");
        assertThatThrownBy(() -> DemoOptions.parse("--devices", "0"))
                .hasMessage("--devices is '0': use a whole number from 1 to 999");
        assertThatThrownBy(() -> DemoOptions.parse("--duration"))
                .hasMessage("--duration needs a value: a whole number from 0 to 2147483647");
        assertThatThrownBy(() -> DemoOptions.parse("--speed", "3"))
                .hasMessage("unknown argument '--speed'");
    }

    @Test
    void takesABrokerOrStartsAnEmbeddedOne() {
        assertThat(DemoOptions.parse().broker()).isNull();
        assertThat(DemoOptions.parse("--broker", "mqtt://pi.local:1883").broker()).isEqualTo("mqtt://pi.local:1883");
        assertThatThrownBy(() -> DemoOptions.parse("--broker", "http://pi.local"))
                .hasMessageStartingWith("--broker is 'http://pi.local': use an MQTT broker URI such as mqtt://localhost:1883");
    }

    @Test
    void servesTheDashboardOnPort8080UnlessToldOtherwise() {
        assertThat(DemoOptions.parse().port()).isEqualTo(8080);
        assertThat(DemoOptions.parse("--port", "0").port()).isZero();
        assertThatThrownBy(() -> DemoOptions.parse("--port", "70000"))
                .hasMessage("--port is '70000': use a whole number from 0 to 65535");
    }

    @Test
    void keepsTheStoreBesideTheReadings() {
        assertThat(DemoOptions.parse("--out", "/data/readings.jsonl").storeDirectory()).isEqualTo(Path.of("/data/store"));
    }

    @Test
    void putsDeadLettersBesideTheReadings() {
        assertThat(DemoOptions.parse("--out", "/data/readings.jsonl").deadLetterFile())
                .isEqualTo(Path.of("/data/readings-dead-letters.jsonl"));
    }

    @Test
    void makesAJsonlUriThatKeepsAPathWithSpaces() {
        Path file = Path.of("/tmp/edge flow/readings#1.jsonl");

        ConnectorOptions options = ConnectorOptions.fromUri(Demo.jsonlUri(file));

        assertThat(options.scheme()).isEqualTo("jsonl");
        assertThat(options.asMap()).containsEntry("path", file.toString()).containsEntry("maxBytes", "10MB")
                .doesNotContainKey("host");
    }
}
