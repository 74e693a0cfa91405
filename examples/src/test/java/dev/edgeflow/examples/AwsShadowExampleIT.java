package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.aws.ShadowDocument;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The Device Shadow example with its one command: the local stand-in's emulated shadow service,
 * acting as the cloud, sets the desired relay state twice; each change reaches the actuator
 * through the delta source and is reported back until nothing is left to do.
 */
class AwsShadowExampleIT {

    private static String run(ByteArrayOutputStream printed, String... args) throws InterruptedException {
        AwsShadowExample.run(args, new PrintStream(printed, true, StandardCharsets.UTF_8));
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theCloudsDesiredRelayStatesReachTheActuatorAndTheReportedStateEndsEqualToTheDesired() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        AwsShadowExample.Result r = AwsShadowExample.run(new String[0],
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(r.relaySettings()).containsExactly("on", "off");
        assertThat(r.deltasDelivered()).isEqualTo(2);
        ShadowDocument last = r.finalShadow().orElseThrow();
        assertThat(last.hasDelta()).as("no desired state left to act on").isFalse();
        assertThat(last.desired().path("relay").asText()).isEqualTo("off");
        assertThat(last.reported().path("relay")).isEqualTo(last.desired().path("relay"));
        assertThat(last.reported().path("temperature").asDouble()).isEqualTo(25.5);
        String out = printed.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("Connected successfully!").contains("Device Shadow: classic shadow of RaspberryPi-001")
                .contains("[cloud] desired {\"relay\":\"on\"}").contains("Relay set to on")
                .contains("[cloud] desired {\"relay\":\"off\"}").contains("Relay set to off")
                .contains("no delta").contains("Disconnected");
        assertThat(out.indexOf("Relay set to on")).isLessThan(out.indexOf("Relay set to off"));
        assertThat(out).as("the cloud prints readings, not the shadow service's traffic")
                .doesNotContain("[cloud] received $aws");
    }

    @Test
    void theBootCountIsWrittenAgainstTheVersionItWasReadFromAndRetriedAfterAnotherClientsUpdate()
            throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        AwsShadowExample.Result r = AwsShadowExample.run(new String[0],
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(r.bootCountAttempts()).as("one version conflict, then success").isEqualTo(2);
        ShadowDocument last = r.finalShadow().orElseThrow();
        assertThat(last.reported().path("boot_count").asInt()).isEqualTo(1);
        assertThat(last.reported().path("firmware").asText()).as("the other client's report is kept")
                .isEqualTo("1.4.3");
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("Boot count, attempt 1: read version 1, boot_count 0 -> 1")
                .contains("Boot count, attempt 2: read version 2, boot_count 0 -> 1")
                .contains("Boot count written at version 3 after 2 attempts");
    }

    @Test
    void aNamedShadowIsFollowedOnItsOwnTopics() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        AwsShadowExample.Result r = AwsShadowExample.run(new String[] {"--shadow", "relay-board", "--thing",
            "RaspberryPi-007"}, new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(r.relaySettings()).containsExactly("on", "off");
        assertThat(r.finalShadow().orElseThrow().hasDelta()).isFalse();
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("Device Shadow: shadow 'relay-board' of RaspberryPi-007")
                .contains("Following desired state on "
                        + "$aws/things/RaspberryPi-007/shadow/name/relay-board/update/delta");
    }

    @Test
    void aShadowNameAwsIotDoesNotAllowIsABadArgumentNamingIt() {
        assertThatThrownBy(() -> run(new ByteArrayOutputStream(), "--shadow", "relay/board"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relay/board");
    }
}
