package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutput;
import dev.edgeflow.core.Message;
import dev.edgeflow.mqtt.MqttSink;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay example on Pi4J's mock platform: commands from MQTT reach the pins, refused ones do not. */
class RelayCommandsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final Context pi4j = RelayCommands.mockContext();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @AfterEach
    void shutDown() {
        pi4j.shutdown();
    }

    @Test
    void appliesCommandsFromTheEmbeddedBrokerInOrderAndRefusesAnUnknownPin() throws Exception {
        RelayCommands.Result result = RelayCommands.run(new String[] {"--fan", "18:2",
            "--command", "{\"pin\": 17, \"state\": \"on\"}",
            "--command", "{\"fan\": \"40\"}",
            "--command", "{\"pin\": 4, \"state\": \"on\"}",
            "--command", "{\"relay\": \"off\", \"fan\": \"65\"}"}, out, pi4j);

        assertThat(result.applied()).isEqualTo(3);
        assertThat(result.rejected()).isEqualTo(1);
        assertThat(result.states()).isEqualTo(Map.of("relay", "off", "fan", "65"));
        assertThat(printed()).contains("refused: ", "no output for pin 4", "configured outputs are",
                "command {\"fan\": \"40\"}");
    }

    @Test
    void followsAShadowDocumentOnAnExternalBrokerAndHonoursActiveLow() throws Exception {
        try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.builder().start()) {
            CompletableFuture<RelayCommands.Result> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return RelayCommands.run(new String[] {"--broker", broker.uri(), "--device", "greenhouse-1",
                        "--relay", "22", "--active-low", "--count", "2"}, out, pi4j);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Awaitility.await().atMost(WAIT).until(() -> printed().contains("take commands on"));
            assertThat(printed()).contains("device/greenhouse-1/command");
            MockDigitalOutput relay = output(22);
            assertThat(relay.state()).as("active low: off is high").isEqualTo(DigitalState.HIGH);
            try (MqttSink publisher = MqttSink.builder().serverUri(broker.uri()).build()) {
                publisher.send(Message.of("device/greenhouse-1/command",
                        "{\"state\": {\"desired\": {\"relay\": \"on\"}}}")).toCompletableFuture().get();
                Awaitility.await().atMost(WAIT).until(() -> relay.state() == DigitalState.LOW);
                publisher.send(Message.of("device/greenhouse-1/command", "switch it off"))
                        .toCompletableFuture().get();
            }
            RelayCommands.Result result = run.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(result.applied()).isEqualTo(1);
            assertThat(result.rejected()).isEqualTo(1);
            assertThat(result.states()).isEqualTo(Map.of("relay", "on"));
            assertThat(relay.state()).as("switched off when the program stopped").isEqualTo(DigitalState.HIGH);
        }
    }

    @Test
    void anInterruptStopsItAndSwitchesTheOutputsOff() throws Exception {
        try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.builder().start()) {
            Thread program = Thread.currentThread();
            CompletableFuture<RelayCommands.Result> run = new CompletableFuture<>();
            Thread runner = new Thread(() -> {
                try {
                    run.complete(RelayCommands.run(new String[] {"--broker", broker.uri()}, out, pi4j));
                } catch (Throwable t) {
                    run.completeExceptionally(t);
                }
            }, "relay-commands");
            runner.start();
            Awaitility.await().atMost(WAIT).until(() -> printed().contains("take commands on"));
            MockDigitalOutput relay = output(17);
            try (MqttSink publisher = MqttSink.builder().serverUri(broker.uri()).build()) {
                publisher.send(Message.of("device/pi-1/command", "{\"relay\": \"on\"}")).toCompletableFuture().get();
            }
            Awaitility.await().atMost(WAIT).until(() -> relay.state() == DigitalState.HIGH);

            runner.interrupt(); // what the shutdown hook does on Ctrl-C
            RelayCommands.Result result = run.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(result.applied()).isEqualTo(1);
            assertThat(relay.state()).isEqualTo(DigitalState.LOW);
            assertThat(program.isInterrupted()).isFalse();
        }
    }

    @Test
    void badArgumentsSayWhatTheyTake() {
        assertThatThrownBy(() -> RelayCommands.run(new String[] {"--fan", "eighteen"}, out, pi4j))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("18:2");
        assertThatThrownBy(() -> RelayCommands.run(new String[] {"--relay", "99"}, out, pi4j))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--relay");
        assertThatThrownBy(() -> RelayCommands.run(new String[] {"--broker", "mqtt://localhost:1", "--command", "{}"},
                out, pi4j)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mosquitto_pub");
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    private MockDigitalOutput output(int pin) {
        return io(pin, MockDigitalOutput.class);
    }

    private <T> T io(int address, Class<T> type) {
        return pi4j.registry().all().values().stream().filter(type::isInstance)
                .filter(io -> ((com.pi4j.config.AddressConfig<?>) io.config()).address() == address)
                .map(type::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " at " + address));
    }
}
