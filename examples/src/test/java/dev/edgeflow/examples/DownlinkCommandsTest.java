package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.Qos;
import java.util.List;
import org.junit.jupiter.api.Test;

class DownlinkCommandsTest {
    private final DownlinkCommands commands = new DownlinkCommands(List.of("command", "device/+/command"));

    @Test
    void publishesTheCommandsPayloadOnItsTopicAtQosOne() {
        Message local = commands.toLocal(Message.builder("cloud/commands").header("origin", "console")
                .payload("{\"topic\": \"device/pi-1/command\", \"payload\": {\"action\": \"reboot\"}}").build());

        assertThat(local.topic()).isEqualTo("device/pi-1/command");
        assertThat(local.payloadAsString()).isEqualTo("{\"action\":\"reboot\"}");
        assertThat(local.qos()).isEqualTo(Qos.AT_LEAST_ONCE);
        assertThat(local.headers()).as("Pub/Sub attributes stay behind").isEmpty();
    }

    @Test
    void usesTheTutorialsDefaultTopicAndAnEmptyPayloadWhenTheyAreMissing() {
        Message local = commands.toLocal(Message.of("cloud/commands", "{}"));

        assertThat(local.topic()).isEqualTo("command");
        assertThat(local.payloadAsString()).isEqualTo("{}");
    }

    @Test
    void refusesATopicOffTheAllowListAndSaysWhich() {
        assertThatThrownBy(() -> commands.toLocal(Message.of("cloud/commands",
                "{\"topic\": \"sensor/pi-1/reading\", \"payload\": {\"temperature\": 99}}")))
                .isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("'sensor/pi-1/reading' is not on the allow-list [command, device/+/command]");
        assertThat(commands.rejected()).isEqualTo(1);
    }

    @Test
    void refusesWildcardsThatAMatchingFilterWouldOtherwiseLetThrough() {
        assertThatThrownBy(() -> commands.toLocal(Message.of("cloud/commands", "{\"topic\": \"device/+/command\"}")))
                .isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("cannot be published to");
    }

    @Test
    void refusesPayloadsThatAreNotACommandObject() {
        assertThatThrownBy(() -> commands.toLocal(Message.of("cloud/commands", "reboot")))
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> commands.toLocal(Message.of("cloud/commands", "[1, 2]")))
                .hasMessageContaining("not an object");
        assertThatThrownBy(() -> commands.toLocal(Message.of("cloud/commands", "{\"topic\": 7}")))
                .hasMessageContaining("'topic' is not a text");
        assertThat(commands.rejected()).isEqualTo(3);
    }

    @Test
    void refusesAnEmptyAllowList() {
        assertThatThrownBy(() -> new DownlinkCommands(List.of())).hasMessageContaining("allow-list is empty");
    }
}
