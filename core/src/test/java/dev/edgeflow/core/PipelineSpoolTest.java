package dev.edgeflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.spool.Spool;
import dev.edgeflow.core.spool.SpoolStats;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OverflowPolicy#SPOOL}: a spool in front of each sink, acks at disk speed. */
class PipelineSpoolTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private static List<Message> readings(int count) {
        List<Message> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(Message.of("sensor/pi-" + (i % 3), "{\"seq\":" + i + "}"));
        }
        return list;
    }

    @Test
    void acksTheSourceOnceDurableAndForwardsWhenTheSinkConfirms() {
        MemorySource source = MemorySource.of("src", readings(300));
        ControlledSink cloud = new ControlledSink("cloud");
        Pipeline pipeline = Pipeline.from(source).to(cloud)
                .buffer(64, OverflowPolicy.SPOOL).spool(dir)
                .maxInFlight(cloud, 8)
                .start();
        try {
            // The cloud confirmed nothing, yet every delivery is acked: it is on disk.
            Awaitility.await().atMost(WAIT).until(() -> source.acked() == 300);
            assertThat(cloud.inFlight()).isLessThanOrEqualTo(8);
            Map<String, SpoolStats> spools = pipeline.spoolStats();

            assertThat(spools).containsOnlyKeys("controlled:cloud");
            assertThat(spools.get("controlled:cloud").records()).isEqualTo(300);

            Awaitility.await().atMost(WAIT).until(() -> {
                cloud.confirmAll();
                return cloud.sent.size() == 300 && pipeline.spoolStats().get("controlled:cloud").records() == 0;
            });
            assertThat(cloud.sent).extracting(Message::payloadAsString)
                    .containsExactlyElementsOf(readings(300).stream().map(Message::payloadAsString).toList());
            assertThat(cloud.maxConcurrent.get()).isLessThanOrEqualTo(8);
        } finally {
            pipeline.stop(Duration.ofSeconds(2));
        }
    }

    @Test
    void aStalledSinkNoLongerHoldsBackTheOthers() {
        MemorySource source = MemorySource.of("src", readings(2000));
        ControlledSink stalled = new ControlledSink("stalled");
        MemorySink archive = MemorySink.named("archive");
        Pipeline pipeline = Pipeline.from(source).to(stalled).to(archive)
                .buffer(16, OverflowPolicy.SPOOL).spool(dir)
                .maxInFlight(4)
                .start();
        try {
            Awaitility.await().atMost(WAIT).until(() -> archive.accepted() == 2000 && source.acked() == 2000);
            assertThat(stalled.sent).hasSize(4);
            assertThat(pipeline.spoolStats().get("controlled:stalled").records()).isEqualTo(2000);
        } finally {
            pipeline.stop(Duration.ofMillis(200));
        }
    }

    @Test
    void stopClosesTheSpoolsAndTheNextPipelineForwardsWhatWasLeft() {
        ControlledSink stalled = new ControlledSink("cloud");
        MemorySource first = MemorySource.of("src", readings(100));
        Pipeline before = Pipeline.from(first).to(stalled).buffer(64, OverflowPolicy.SPOOL).spool(dir).start();
        Awaitility.await().atMost(WAIT).until(() -> first.acked() == 100);
        StopReport report = before.stop(Duration.ofMillis(200));
        assertThat(report.nackedUnsent()).isZero();

        // The spool's directory was released: the next pipeline opens it and sends the rest.
        MemorySink cloud = MemorySink.builder("cloud").build();
        MemorySource second = MemorySource.create("src", 10);
        Pipeline after = Pipeline.from(second).to(new Renamed(cloud, "controlled:cloud"))
                .buffer(64, OverflowPolicy.SPOOL).spool(dir).start();
        try {
            Awaitility.await().atMost(WAIT).until(() -> cloud.accepted() == 100);
            assertThat(cloud.messages()).extracting(Message::payloadAsString)
                    .containsExactlyElementsOf(readings(100).stream().map(Message::payloadAsString).toList());
        } finally {
            after.stop(Duration.ofSeconds(2));
        }
        try (Spool reopened = Spool.builder(dir.resolve("controlled_cloud")).open()) {
            assertThat(reopened.stats().records()).isZero();
        }
    }

    @Test
    void spoolWithoutADirectoryOrADirectoryWithoutSpoolIsRefused() {
        MemorySource source = MemorySource.of("src", readings(1));
        assertThatThrownBy(() -> Pipeline.from(source).name("p1").to(MemorySink.named("s"))
                .buffer(10, OverflowPolicy.SPOOL).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pipeline 'p1'").hasMessageContaining("spool(Path)");
        assertThatThrownBy(() -> Pipeline.from(source).name("p2").to(MemorySink.named("s")).spool(dir).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pipeline 'p2'").hasMessageContaining("BACKPRESSURE")
                .hasMessageContaining(dir.toString());
    }

    @Test
    void twoSinksWithOneNameGetTwoSpools() {
        MemorySource source = MemorySource.of("src", readings(10));
        MemorySink a = MemorySink.builder("same").build();
        MemorySink b = MemorySink.builder("same").build();
        Pipeline pipeline = Pipeline.from(source).to(a).to(b).buffer(16, OverflowPolicy.SPOOL).spool(dir).start();
        try {
            Awaitility.await().atMost(WAIT).until(() -> a.accepted() == 10 && b.accepted() == 10);
            assertThat(dir.resolve("memory_same")).isDirectory();
            assertThat(dir.resolve("memory_same-2")).isDirectory();
        } finally {
            pipeline.stop(Duration.ofSeconds(2));
        }
    }

    /**
     * The disk fills up (a real 1 MiB tmpfs): the spool's appends fail, the pipeline retries
     * them and acknowledges nothing it could not store, and once space returns every message
     * is stored, acknowledged and forwarded. Needs root and mount rights; skipped elsewhere.
     */
    @Test
    void aFullDiskHoldsTheSourceBackAndLosesNothing() throws Exception {
        Path mount = dir.resolve("small-disk");
        java.nio.file.Files.createDirectories(mount);
        org.junit.jupiter.api.Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                mount.toString()), "cannot mount a 1 MiB tmpfs here (needs root and mount rights): "
                + "the pipeline's disk-full test is skipped");
        try {
            java.nio.file.Files.write(mount.resolve("filler"), new byte[600 * 1024]);
            int count = 5_000; // about 500 KB of records: more than the 400 KB left
            MemorySource source = MemorySource.of("src", readings(count));
            ControlledSink cloud = new ControlledSink("cloud");
            Pipeline pipeline = Pipeline.from(source).to(cloud)
                    .buffer(256, OverflowPolicy.SPOOL)
                    .spool(mount.resolve("spool"), s -> s.maxInFlight(1).spool(b -> b.segmentBytes(64 * 1024)))
                    .retry(RetryPolicy.builder().maxAttempts(10_000).baseDelay(Duration.ofMillis(5))
                            .maxDelay(Duration.ofMillis(50)).build())
                    .start();
            try {
                Awaitility.await().atMost(WAIT).until(() -> pipeline.stats().retried() > 0);
                long acked = source.acked();
                assertThat(acked).isLessThan(count);
                assertThat(source.nacked()).isZero();
                // Nothing acknowledged is missing from the spool.
                assertThat(pipeline.spoolStats().get("controlled:cloud").records()).isGreaterThanOrEqualTo(acked);

                java.nio.file.Files.delete(mount.resolve("filler"));
                Awaitility.await().atMost(WAIT).until(() -> {
                    cloud.confirmAll();
                    return source.acked() == count && cloud.sent.size() >= count
                            && pipeline.spoolStats().get("controlled:cloud").records() == 0;
                });
                assertThat(cloud.sent.stream().map(Message::payloadAsString).distinct().count()).isEqualTo(count);
                assertThat(source.nacked()).isZero();
            } finally {
                pipeline.stop(Duration.ofSeconds(2));
            }
        } finally {
            run("umount", mount.toString());
        }
    }

    private static boolean run(String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (java.io.IOException e) {
            return false;
        }
        return p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    /** A sink under another name, so that a second pipeline finds the first one's spool directory. */
    private record Renamed(Sink sink, String name) implements Sink {
        @Override
        public java.util.concurrent.CompletionStage<Void> send(Message message) {
            return sink.send(message);
        }

        @Override
        public void close() {
            sink.close();
        }
    }
}
