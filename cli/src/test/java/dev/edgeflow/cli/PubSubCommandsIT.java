package dev.edgeflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.gcp.PubSubAdmin;
import dev.edgeflow.gcp.PubSubConnection;
import dev.edgeflow.gcp.PubSubPuller;
import dev.edgeflow.testkit.PubSubEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tutorial's 3.2 and 3.3 with the edgeflow command against the Pub/Sub emulator, which the
 * test starts ({@link PubSubEmulator#start()} skips the class loudly where it is not installed).
 * What arrived is checked through the emulator directly, not only through the command's output.
 */
class PubSubCommandsIT {
    private static final String PROJECT = "edgeflow-cli-it";
    private static PubSubEmulator emulator;

    @BeforeAll
    static void startEmulator() {
        emulator = PubSubEmulator.start();
    }

    @AfterAll
    static void stopEmulator() {
        if (emulator != null) {
            emulator.close();
        }
    }

    private static CliProcess pubsub(String... args) {
        List<String> all = new ArrayList<>(List.of("pubsub"));
        all.addAll(List.of(args));
        all.addAll(List.of("--project", PROJECT, "--emulator", emulator.hostPort()));
        return CliProcess.run(all.toArray(String[]::new));
    }

    private static PubSubConnection connection() {
        return PubSubConnection.builder(PROJECT).emulatorHost(emulator.hostPort()).build();
    }

    @Test
    void createsTheTopicAndSubscriptionOnceAndSaysSoTheSecondTime() {
        CliProcess first = pubsub("create-topic", "cli-topic-a");
        assertThat(first.exitValue()).as(first.describe()).isZero();
        assertThat(first.out()).contains("[created] TOPIC").contains("projects/" + PROJECT + "/topics/cli-topic-a");

        CliProcess again = pubsub("create-topic", "cli-topic-a");
        assertThat(again.exitValue()).as(again.describe()).isZero();
        assertThat(again.out()).contains("[exists]  TOPIC");

        CliProcess sub = pubsub("create-subscription", "cli-sub-a", "--topic", "cli-topic-a", "--ack-deadline", "30s");
        assertThat(sub.exitValue()).as(sub.describe()).isZero();
        assertThat(sub.out()).contains("[created] SUBSCRIPTION").contains("cli-sub-a on topic cli-topic-a");
        try (PubSubAdmin admin = PubSubAdmin.open(connection())) {
            assertThat(admin.topicExists("cli-topic-a")).isTrue();
            assertThat(admin.createSubscriptionIfMissing("cli-sub-a", "cli-topic-a", Duration.ofSeconds(30)))
                    .as("the command created it").isFalse();
        }
    }

    @Test
    void publishesWithAttributesAndPullsAndAcksThem() {
        assertThat(pubsub("create-topic", "cli-topic-b").exitValue()).isZero();
        assertThat(pubsub("create-subscription", "cli-sub-b", "--topic", "cli-topic-b").exitValue()).isZero();
        try (PubSubAdmin admin = PubSubAdmin.open(connection())) {
            admin.createSubscriptionIfMissing("cli-sub-b-audit", "cli-topic-b", Duration.ofSeconds(60));
        }

        CliProcess publish = pubsub("publish", "cli-topic-b", "{\"temperature\": 25.5}", "{\"temperature\": 26.0}",
                "--attribute", "device_type=raspberry_pi");
        assertThat(publish.exitValue()).as(publish.describe()).isZero();
        assertThat(publish.out()).containsPattern("Published: \\S+").contains("Published 2 message(s) to projects/"
                + PROJECT + "/topics/cli-topic-b");

        CliProcess pull = pubsub("pull", "cli-sub-b", "--max", "2", "--wait", "30s");
        assertThat(pull.exitValue()).as(pull.describe()).isZero();
        assertThat(pull.out()).contains("{\"temperature\": 25.5}").contains("{\"temperature\": 26.0}")
                .contains("device_type=raspberry_pi").contains("Pulled 2 message(s)").contains("acknowledged");

        // What the topic really holds, through a subscription of the test's own.
        try (PubSubPuller audit = PubSubPuller.open(connection(), "cli-sub-b-audit")) {
            List<PubSubPuller.Pulled> onTopic = audit.pullAtLeast(2, Duration.ofSeconds(30));
            audit.ack(onTopic);
            assertThat(onTopic).hasSize(2).allSatisfy(p ->
                    assertThat(p.message().header("device_type")).isEqualTo("raspberry_pi"));
        }
    }

    @Test
    void aSubscriptionOnAMissingTopicFailsWithExitOneNamingTheTopic() {
        CliProcess p = pubsub("create-subscription", "cli-sub-c", "--topic", "no-such-topic");
        assertThat(p.exitValue()).as(p.describe()).isEqualTo(ExitCodes.FAILURE);
        assertThat(p.err()).contains("no-such-topic");
    }
}
