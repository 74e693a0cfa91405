package dev.edgeflow.aws;

import static dev.edgeflow.aws.emulator.EmulatedIotCore.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.aws.emulator.EmulatedIotCore;
import dev.edgeflow.testkit.aws.IotServicesEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Device Shadow requests over mutual TLS to Mosquitto, answered by the emulated shadow service. */
class DeviceShadowIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final EmulatedIotCore iot = new EmulatedIotCore();
    private AwsIotConnection connection;
    private String thing;

    @BeforeEach
    void connect() throws InterruptedException {
        if (iot.services() == null) {
            iot.startServices();
        }
        connection = iot.connect("shadow-device");
        thing = "rpi-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void disconnect() {
        connection.close();
    }

    private static IotServicesEmulator cloud() {
        return iot.services();
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static Throwable failureOf(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("the stage did not fail but " + e, e);
        }
        throw new AssertionError("the stage completed normally; a failure was expected");
    }

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text);
    }

    @Test
    void reportedStateIsStoredInTheClassicShadowAndReadBack() throws Exception {
        DeviceShadow shadow = DeviceShadow.classic(connection, thing);

        ShadowDocument accepted = await(shadow.updateReported(Map.of("temperature", 21.5, "status", "online")));
        Optional<ShadowDocument> read = await(shadow.get());

        assertThat(accepted.version()).isEqualTo(1);
        assertThat(accepted.reported().get("temperature").asDouble()).isEqualTo(21.5);
        assertThat(read).isPresent();
        assertThat(read.get().reported()).isEqualTo(json("{\"temperature\":21.5,\"status\":\"online\"}"));
        assertThat(read.get().version()).isEqualTo(1);
        assertThat(read.get().hasDelta()).isFalse();
        assertThat(cloud().document(thing, null)).get().extracting(d -> d.path("state").path("reported")
                .path("status").asText()).isEqualTo("online");
    }

    @Test
    void aNamedShadowIsKeptApartFromTheClassicOne() throws Exception {
        DeviceShadow gateway = DeviceShadow.named(connection, thing, "gateway-status");
        DeviceShadow classic = DeviceShadow.classic(connection, thing);

        await(gateway.updateReported(Map.of("uplink", "lte")));

        assertThat(await(gateway.get())).get().extracting(d -> d.reported().get("uplink").asText()).isEqualTo("lte");
        assertThat(await(classic.get())).isEmpty();
        assertThat(cloud().requestsOn("/things/" + thing + "/shadow/name/gateway-status/update")).isEqualTo(1);
        assertThat(cloud().document(thing, "gateway-status")).isPresent();
    }

    @Test
    void getOfAShadowThatDoesNotExistCompletesEmpty() throws Exception {
        assertThat(await(DeviceShadow.classic(connection, thing).get())).isEmpty();
    }

    @Test
    void desiredStateSetByTheDeviceShowsAsDeltaUntilReported() throws Exception {
        DeviceShadow shadow = DeviceShadow.classic(connection, thing);
        await(shadow.updateDesired(Map.of("fan", "on", "setpoint", 21)));
        await(shadow.updateReported(Map.of("setpoint", 21)));

        ShadowDocument document = await(shadow.get()).orElseThrow();

        assertThat(document.delta()).isEqualTo(json("{\"fan\":\"on\"}"));
        assertThat(document.desiredAs(Map.class)).containsEntry("fan", "on");
        assertThat(document.version()).isEqualTo(2);
    }

    @Test
    void deleteRemovesTheShadowAndTellsWhetherOneExisted() throws Exception {
        DeviceShadow shadow = DeviceShadow.named(connection, thing, "config");
        await(shadow.updateReported(Map.of("mode", "eco")));

        assertThat(await(shadow.delete())).isTrue();
        assertThat(await(shadow.get())).isEmpty();
        assertThat(await(shadow.delete())).isFalse();
        assertThat(cloud().document(thing, "config")).isEmpty();
    }

    @Test
    void concurrentRequestsEachGetTheirOwnAnswerWhenAnswersComeBackInReverse() throws Exception {
        DeviceShadow shadow = DeviceShadow.classic(connection, thing);
        await(shadow.get()); // subscribes to get's topics; the updates below subscribe to update's once
        int count = 10;
        cloud().answerNextInReverse(count);

        List<CompletableFuture<ShadowDocument>> updates = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            updates.add(shadow.updateReported(Map.of("reading", i)).toCompletableFuture());
        }

        List<Long> versions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ShadowDocument accepted = await(updates.get(i));
            assertThat(accepted.reported().get("reading").asInt()).as("the answer to update %d", i).isEqualTo(i);
            versions.add(accepted.version());
        }
        assertThat(versions).doesNotHaveDuplicates().allMatch(v -> v >= 1 && v <= count);
    }

    @Test
    void anUpdateBasedOnAStaleVersionFailsWithTheVersionTheShadowIsAt() throws Exception {
        DeviceShadow shadow = DeviceShadow.classic(connection, thing);
        long read = await(shadow.updateReported(Map.of("count", 1))).version();
        cloud().setReported(thing, null, json("{\"count\":5}")); // another client wins the race

        Throwable failure = failureOf(shadow.update(json("{\"reported\":{\"count\":2}}"), OptionalLong.of(read)));

        assertThat(failure).isInstanceOf(ShadowVersionConflictException.class)
                .hasMessageContaining(thing).hasMessageContaining("expected version 1")
                .hasMessageContaining("at version 2");
        ShadowVersionConflictException conflict = (ShadowVersionConflictException) failure;
        assertThat(conflict.code()).isEqualTo(409);
        assertThat(conflict.expectedVersion()).isEqualTo(1);
        assertThat(conflict.currentVersion()).hasValue(2);
        assertThat(cloud().document(thing, null).orElseThrow().path("state").path("reported").path("count").asInt())
                .as("the refused update changed nothing").isEqualTo(5);
    }

    @Test
    void anUpdateWithoutExpectedVersionNeverConflicts() throws Exception {
        DeviceShadow shadow = DeviceShadow.classic(connection, thing);
        await(shadow.updateReported(Map.of("count", 1)));
        cloud().setReported(thing, null, json("{\"count\":5}"));

        ShadowDocument accepted = await(shadow.updateReported(Map.of("count", 2)));

        assertThat(accepted.version()).isEqualTo(3);
        assertThat(await(shadow.get()).orElseThrow().reported().get("count").asInt()).isEqualTo(2);
    }

    @Test
    void updateWithRetryAppliesTheChangeAgainToTheStateThatWonTheRace() throws Exception {
        DeviceShadow shadow = DeviceShadow.classic(connection, thing);
        await(shadow.updateReported(Map.of("count", 0)));
        AtomicInteger calls = new AtomicInteger();

        ShadowDocument accepted = await(shadow.updateWithRetry(current -> {
            if (calls.incrementAndGet() == 1) {
                cloud().setReported(thing, null, JSON.valueToTree(Map.of("count", 10))); // lost race
            }
            return JSON.valueToTree(Map.of("reported", Map.of("count", current.reported().get("count").asInt() + 1)));
        }));

        assertThat(calls).hasValue(2);
        assertThat(accepted.version()).isEqualTo(3);
        assertThat(await(shadow.get()).orElseThrow().reported().get("count").asInt()).isEqualTo(11);
    }

    @Test
    void updateWithRetryGivesUpWithTheConflictAfterItsRetries() throws Exception {
        DeviceShadow shadow = DeviceShadow.builder(connection, thing).maxConflictRetries(2).build();
        await(shadow.updateReported(Map.of("count", 0)));
        AtomicInteger calls = new AtomicInteger();

        Throwable failure = failureOf(shadow.updateWithRetry(current -> {
            cloud().setReported(thing, null, JSON.valueToTree(Map.of("count", 100 + calls.incrementAndGet())));
            return JSON.valueToTree(Map.of("reported", Map.of("count", -1)));
        }));

        assertThat(failure).isInstanceOf(ShadowVersionConflictException.class);
        assertThat(calls).as("the first attempt and two retries").hasValue(3);
        assertThat(cloud().document(thing, null).orElseThrow().path("state").path("reported").path("count").asInt())
                .isEqualTo(103);
    }

    @Test
    void updateWithRetryLeavesTheShadowAloneWhenTheChangeIsNull() throws Exception {
        DeviceShadow shadow = DeviceShadow.classic(connection, thing);
        await(shadow.updateReported(Map.of("count", 0)));

        ShadowDocument result = await(shadow.updateWithRetry(current -> null));

        assertThat(result.version()).isEqualTo(1);
        assertThat(cloud().requestsOn("/things/" + thing + "/shadow/update")).isEqualTo(1);
    }

    @Test
    void aRejectionCarriesTheServiceCodeAndMessageAndAHint() throws Exception {
        DeviceShadow shadow = DeviceShadow.named(connection, thing, "locked");
        cloud().rejectNextShadowRequest(403, "Forbidden");

        Throwable failure = failureOf(shadow.updateReported(Map.of("mode", "eco")));

        assertThat(failure).isExactlyInstanceOf(ShadowRejectedException.class)
                .hasMessageContaining("shadow 'locked' of thing '" + thing + "'").hasMessageContaining("403")
                .hasMessageContaining("Forbidden")
                .hasMessageContaining("iot:Publish on topic/$aws/things/" + thing + "/shadow/name/locked/update");
        ShadowRejectedException rejected = (ShadowRejectedException) failure;
        assertThat(rejected.code()).isEqualTo(403);
        assertThat(rejected.operation()).isEqualTo("update");
        assertThat(rejected.shadowName()).isEqualTo("locked");
        assertThat(rejected.isPermanent()).isTrue();
    }

    @Test
    void timesOutNamingTheShadowAndTheAnswerTopicsWhenNoServiceAnswers() throws Exception {
        iot.stopServices();
        DeviceShadow shadow = DeviceShadow.builder(connection, thing).timeout(Duration.ofMillis(500)).build();

        Throwable failure = failureOf(shadow.get());

        assertThat(failure).isInstanceOf(ShadowTimeoutException.class)
                .hasMessageContaining("classic shadow of thing '" + thing + "'")
                .hasMessageContaining("$aws/things/" + thing + "/shadow/get/accepted")
                .hasMessageContaining("/get/rejected").hasMessageContaining("iot:Subscribe");
        assertThat(((ShadowTimeoutException) failure).operation()).isEqualTo("get");
    }

    @Test
    void aStateThatIsNotAnObjectIsRefusedBeforeAnythingIsSent() {
        DeviceShadow shadow = DeviceShadow.classic(connection, thing);

        assertThatThrownBy(() -> shadow.updateReported(List.of(1, 2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reported state must be a JSON object");
        assertThatThrownBy(() -> DeviceShadow.classic(connection, "room 1")).isInstanceOf(
                IllegalArgumentException.class).hasMessageContaining("' ' at index 4");
    }

    @Test
    void stagesCompleteOffTheConnectionThreadSoCallersMayBlockInThem() throws Exception {
        DeviceShadow shadow = DeviceShadow.classic(connection, thing);

        // A dependent stage that blocks on a second request: on the connection's thread this would deadlock.
        JsonNode second = await(shadow.updateReported(Map.of("a", 1)).thenApply(first -> {
            try {
                return shadow.get().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS).orElseThrow()
                        .reported();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));

        assertThat(second.get("a").asInt()).isEqualTo(1);
    }
}
