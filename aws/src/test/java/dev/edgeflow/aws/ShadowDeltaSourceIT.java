package dev.edgeflow.aws;

import static dev.edgeflow.aws.emulator.EmulatedIotCore.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.aws.emulator.EmulatedIotCore;
import dev.edgeflow.testkit.aws.IotServicesEmulator;
import dev.edgeflow.core.Delivery;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.testkit.RecordingSubscriber;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The delta stream of a shadow as a source, with desired state set by the emulated cloud. */
class ShadowDeltaSourceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration QUIET = Duration.ofMillis(500);
    @RegisterExtension
    static final EmulatedIotCore iot = new EmulatedIotCore();
    private AwsIotConnection connection;
    private ShadowDeltaSource source;
    private String thing;

    @BeforeEach
    void connect() throws InterruptedException {
        connection = iot.connect("delta-device");
        thing = "actuator-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void disconnect() {
        if (source != null) {
            source.close();
        }
        connection.close();
    }

    private static IotServicesEmulator cloud() {
        return iot.services();
    }

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text);
    }

    private RecordingSubscriber<Delivery> subscribe(ShadowDeltaSource s) throws InterruptedException {
        source = s;
        RecordingSubscriber<Delivery> subscriber = RecordingSubscriber.acking();
        s.subscribe(subscriber);
        s.awaitReady(WAIT);
        return subscriber;
    }

    @Test
    void emitsEachDesiredChangeAsAMessageWithTheDeltaItsVersionAndTheThing() throws Exception {
        RecordingSubscriber<Delivery> subscriber = subscribe(ShadowDeltaSource.builder(connection, thing).build());
        subscriber.request(10);

        cloud().setReported(thing, null, json("{\"fan\":\"off\",\"setpoint\":20}"));
        cloud().setDesired(thing, null, json("{\"fan\":\"on\",\"setpoint\":20}"));
        cloud().setDesired(thing, null, json("{\"setpoint\":22}"));

        await().atMost(WAIT).until(() -> subscriber.count() == 2);
        Message first = subscriber.items().get(0).message();
        Message second = subscriber.items().get(1).message();
        assertThat(first.topic()).isEqualTo("$aws/things/" + thing + "/shadow/update/delta");
        assertThat(first.payloadAsJson()).isEqualTo(json("{\"fan\":\"on\"}"));
        assertThat(first.headers()).containsEntry("shadow-version", "2").containsEntry("thing-name", thing)
                .doesNotContainKey("shadow-name");
        assertThat(second.payloadAsJson()).as("every desired key that still differs from reported")
                .isEqualTo(json("{\"fan\":\"on\",\"setpoint\":22}"));
        assertThat(second.header("shadow-version")).isEqualTo("3");
        assertThat(source.supersededCount()).isZero();
        assertThat(subscriber.violations()).isEmpty();
    }

    @Test
    void keepsOnlyTheNewestDeltaWhileThePipelineHasNoDemandAndCountsTheOthers() throws Exception {
        RecordingSubscriber<Delivery> subscriber = subscribe(ShadowDeltaSource.builder(connection, thing)
                .shadowName("valve").build());

        for (int position = 1; position <= 5; position++) {
            cloud().setDesired(thing, "valve", json("{\"position\":" + position + "}"));
        }
        await().atMost(WAIT).until(() -> source.supersededCount() == 4);
        subscriber.request(5);

        await().atMost(WAIT).until(() -> subscriber.count() == 1);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> subscriber.count() == 1);
        Message only = subscriber.items().get(0).message();
        assertThat(only.payloadAsJson()).isEqualTo(json("{\"position\":5}"));
        assertThat(only.headers()).containsEntry("shadow-name", "valve").containsEntry("shadow-version", "5");
        assertThat(source.deliveredCount()).isEqualTo(1);
    }

    @Test
    void catchesUpOnDesiredStateSetWhileTheDeviceWasOffline() throws Exception {
        cloud().setReported(thing, null, json("{\"light\":\"off\",\"brightness\":40}"));
        cloud().setDesired(thing, null, json("{\"light\":\"on\",\"brightness\":40}"));

        RecordingSubscriber<Delivery> subscriber = subscribe(ShadowDeltaSource.builder(connection, thing).build());
        subscriber.request(10);

        await().atMost(WAIT).until(() -> subscriber.count() == 1);
        Message caughtUp = subscriber.items().get(0).message();
        assertThat(caughtUp.payloadAsJson()).isEqualTo(json("{\"light\":\"on\"}"));
        assertThat(caughtUp.header("shadow-version")).isEqualTo("2");
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> subscriber.count() == 1);
    }

    @Test
    void withoutInitialGetEmitsOnlyDeltasThatArriveWhileSubscribed() throws Exception {
        cloud().setDesired(thing, null, json("{\"light\":\"on\"}"));

        RecordingSubscriber<Delivery> subscriber = subscribe(ShadowDeltaSource.builder(connection, thing)
                .initialGet(false).build());
        subscriber.request(10);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> subscriber.count() == 0);
        cloud().setDesired(thing, null, json("{\"light\":\"dim\"}"));

        await().atMost(WAIT).until(() -> subscriber.count() == 1);
        assertThat(subscriber.items().get(0).message().payloadAsJson()).isEqualTo(json("{\"light\":\"dim\"}"));
        assertThat(cloud().requestsOn("/things/" + thing + "/shadow/get")).isZero();
    }

    @Test
    void drivesAnActuatorThroughAPipelineUntilTheReportedStateMatches() throws Exception {
        source = ShadowDeltaSource.builder(connection, thing).build();
        DeviceShadow shadow = DeviceShadow.classic(connection, thing);
        MemorySink actuator = MemorySink.create("relay", 10);
        Pipeline pipeline = Pipeline.from(source).name("relay").to(actuator).start();
        try {
            source.awaitReady(WAIT);
            cloud().setDesired(thing, null, json("{\"relay\":\"closed\"}"));

            Message command = actuator.take(WAIT);
            assertThat(command).isNotNull();
            // The device switches the relay and reports it; the shadow then has nothing left to do.
            shadow.updateReported(command.payloadAsJson()).toCompletableFuture().get(WAIT.toSeconds(),
                    TimeUnit.SECONDS);

            ObjectNode document = cloud().document(thing, null).orElseThrow();
            assertThat(document.path("state").has("delta")).isFalse();
            assertThat(document.path("state").path("reported")).isEqualTo(json("{\"relay\":\"closed\"}"));
            assertThat(pipeline.stats().forwarded()).isEqualTo(1);
        } finally {
            pipeline.stop(Duration.ofSeconds(2));
            actuator.close();
        }
    }

    @Test
    void emitsDesiredStateSetWhileTheBrokerForgotItsSubscriptionsAndAsksTheServiceAgain() throws Exception {
        RecordingSubscriber<Delivery> subscriber = subscribe(ShadowDeltaSource.builder(connection, thing).build());
        subscriber.request(10);

        // Sessions are not persisted: the broker forgets the source's subscription. The desired
        // state set now reaches the device either as a delta once it has subscribed again, or
        // through the read that follows every reconnect; one way or the other, once.
        IotServicesEmulator restarted = iot.restartBroker();
        restarted.setDesired(thing, null, json("{\"mode\":\"away\"}"));

        await().atMost(WAIT).until(() -> subscriber.count() == 1);
        assertThat(subscriber.items().get(0).message().payloadAsJson()).isEqualTo(json("{\"mode\":\"away\"}"));
        await().atMost(WAIT).until(() -> restarted.requestsOn("/things/" + thing + "/shadow/get") == 1);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> subscriber.count() == 1);
        assertThat(connection.isConnected()).isTrue();
        assertThat(subscriber.error()).isEmpty();
    }

    @Test
    void aNackedDeltaIsNotRedeliveredButComesBackAtTheNextCatchUpRead() throws Exception {
        RecordingSubscriber<Delivery> jammed = new RecordingSubscriber<>(d -> d.nack(
                new IllegalStateException("the actuator is jammed")));
        ShadowDeltaSource first = ShadowDeltaSource.builder(connection, thing).build();
        source = first;
        first.subscribe(jammed);
        first.awaitReady(WAIT);
        jammed.request(10);
        cloud().setDesired(thing, null, json("{\"door\":\"open\"}"));
        await().atMost(WAIT).until(() -> jammed.count() == 1);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> jammed.count() == 1);
        first.close();

        RecordingSubscriber<Delivery> restarted = subscribe(ShadowDeltaSource.builder(connection, thing).build());
        restarted.request(10);

        await().atMost(WAIT).until(() -> restarted.count() == 1);
        assertThat(first.redeliversOnNack()).isFalse();
        assertThat(restarted.items().get(0).message().payloadAsJson()).isEqualTo(json("{\"door\":\"open\"}"));
    }
}
