package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.core.OverflowPolicy;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.memory.MemorySink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SimulatedSensorSourceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void waitsForRoomAndSkipsReadingsWhenThePipelineCannotKeepUp() {
        // Nobody takes from this sink: after 10 held and 2 waiting sends, the pipeline's buffer
        // fills, the pipeline stops asking, the source's queue fills and the producer must wait.
        MemorySink stuck = MemorySink.create("stuck", 10);
        SimulatedSensorSource sensors = SimulatedSensorSource.builder()
                .ratePerDevice(1000)
                .queueCapacity(8)
                .offerTimeout(Duration.ofMillis(20))
                .build();
        Pipeline pipeline = Pipeline.from(sensors)
                .to(stuck)
                .maxInFlight(stuck, 2)
                .buffer(16, OverflowPolicy.BACKPRESSURE)
                .start();
        CompletableFuture<?> done = pipeline.completion().toCompletableFuture();

        await().atMost(TIMEOUT).until(() -> sensors.skipped() > 0);

        PipelineStats stats = pipeline.stats();
        assertThat(stats.buffered()).isLessThanOrEqualTo(16);
        assertThat(stats.received()).as("held + waiting sends + one waiting for a send slot + buffered")
                .isLessThanOrEqualTo(10 + 2 + 1 + 16);
        assertThat(sensors.produced()).as("what the pipeline took + the source's own queue of 8")
                .isLessThanOrEqualTo(pipeline.stats().received() + 8);

        // Once the sink takes messages again, every reading that was read arrives: only the
        // skipped ones never entered.
        sensors.complete();
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(10)).until(() -> {
            stuck.drain();
            return done.isDone();
        });
        assertThat(stuck.accepted()).isEqualTo(sensors.produced());
        assertThat(pipeline.stats().failed()).isZero();
        stuck.close();
    }

    @Test
    void completesAfterItsLastReadingIsSettled() {
        MemorySink out = MemorySink.create("out", 100);
        SimulatedSensorSource sensors = SimulatedSensorSource.builder().devices(2).ratePerDevice(2000)
                .maxReadings(40).build();
        Pipeline pipeline = Pipeline.from(sensors).to(out).start();
        CompletableFuture<?> done = pipeline.completion().toCompletableFuture();

        await().atMost(TIMEOUT).until(done::isDone);

        assertThat(out.messages()).hasSize(40).extracting(m -> m.topic())
                .containsOnly("sensor/RaspberryPi-001/reading", "sensor/RaspberryPi-002/reading");
        assertThat(sensors.produced()).isEqualTo(40);
        assertThat(sensors.skipped()).isZero();
    }

    @Test
    void completeEndsTheInputButDeliversWhatWasAlreadyRead() {
        MemorySink out = MemorySink.create("out", 100_000);
        SimulatedSensorSource sensors = SimulatedSensorSource.builder().ratePerDevice(500).build();
        Pipeline pipeline = Pipeline.from(sensors).to(out).start();
        CompletableFuture<?> done = pipeline.completion().toCompletableFuture();
        await().atMost(TIMEOUT).until(() -> out.accepted() >= 10);

        sensors.complete();

        await().atMost(TIMEOUT).until(done::isDone);
        assertThat(out.accepted()).isEqualTo(sensors.produced());
    }

    @Test
    void namesDevicesAndTopicsLikeTheTutorial() {
        SimulatedSensorSource sensors = SimulatedSensorSource.builder().devices(3).build();

        assertThat(sensors.devices()).containsExactly("RaspberryPi-001", "RaspberryPi-002", "RaspberryPi-003");
        assertThat(SimulatedSensorSource.topicOf("RaspberryPi-002")).isEqualTo("sensor/RaspberryPi-002/reading");
        assertThat(sensors.name()).isEqualTo("simulated:RaspberryPi-001..RaspberryPi-003");
        sensors.close();
    }

    @Test
    void rejectsSettingsThatMakeNoSense() {
        assertThatThrownBy(() -> SimulatedSensorSource.builder().ratePerDevice(0))
                .hasMessageContaining("rate is 0.0");
        assertThatThrownBy(() -> SimulatedSensorSource.builder().devices(0))
                .hasMessageContaining("devices is 0");
        assertThatThrownBy(() -> SimulatedSensorSource.builder().spikeProbability(1.5))
                .hasMessageContaining("spikeProbability is 1.5");
    }
}
