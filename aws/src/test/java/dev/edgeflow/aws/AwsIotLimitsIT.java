package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Headers;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * AWS IoT Core's limits, enforced before sending, against Mosquitto standing in for IoT Core: a
 * message that can never pass reaches the dead letter with the reason, the rate limiter keeps
 * every second under 100 publishes as the broker sees them, and batching packs many readings into
 * few publishes.
 */
class AwsIotLimitsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @RegisterExtension
    static final MutualTlsBroker TLS = new MutualTlsBroker();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private AwsIotConnection connection() throws InterruptedException {
        AwsIotConnection c = TLS.connection("limits-" + System.nanoTime()).limits(AwsIotLimits.IOT_CORE)
                .build();
        open.add(c);
        c.awaitReady(WAIT);
        return c;
    }

    private FarSideClient cloud(String filter) {
        FarSideClient c = TLS.cloud().subscribe(filter);
        open.add(c);
        return c;
    }

    private static Message reading(String topic, int i) {
        return Message.ofJson(topic, Map.of("device_id", "rpi-01", "temperature", 20 + i % 10, "humidity", 45,
                "seq", i));
    }

    @Test
    void rejectsPayloadOverAwsLimitToDeadLetter() throws Exception {
        FarSideClient cloud = cloud("limits/#");
        AwsIotSink sink = AwsIotSink.builder().connection(connection()).build();
        open.add(sink);
        MemorySink dead = MemorySink.create("dead", 10);
        byte[] big = new byte[129 * 1024];
        java.util.Arrays.fill(big, (byte) 'x');
        MemorySource source = MemorySource.of(Message.of("limits/big", big), Message.of("limits/small", "ok"));
        Pipeline p = Pipeline.from(source).to(sink).deadLetter(dead).start();
        p.completion().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(dead.messages()).hasSize(1);
        assertThat(dead.messages().get(0).topic()).isEqualTo("limits/big");
        assertThat(dead.messages().get(0).header(Headers.DEAD_LETTER_REASON)).contains("132096-byte payload")
                .contains("128 KB");
        assertThat(cloud.awaitReceived(1, WAIT)).extracting(Message::topic).containsExactly("limits/small");
    }

    @Test
    void rejectsTopicWithEightSlashesToDeadLetter() throws Exception {
        FarSideClient cloud = cloud("#");
        AwsIotSink sink = AwsIotSink.builder().connection(connection()).build();
        open.add(sink);
        MemorySink dead = MemorySink.create("dead", 10);
        String eightSlashes = "a/b/c/d/e/f/g/h/i";
        String ruleTopic = "$aws/rules/ingest/a/b/c/d/e/f/g/h"; // 7 slashes after the rule prefix: allowed
        MemorySource source = MemorySource.of(Message.of(eightSlashes, "{}"), Message.of("a/b/c/d/e/f/g/h", "{}"));
        Pipeline p = Pipeline.from(source).to(sink).deadLetter(dead).start();
        p.completion().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(dead.messages()).extracting(Message::topic).containsExactly(eightSlashes);
        assertThat(dead.messages()).filteredOn(m -> m.topic().equals(eightSlashes)).singleElement()
                .satisfies(m -> assertThat(m.header(Headers.DEAD_LETTER_REASON)).contains("8 slashes")
                        .contains("limit of 7"));
        assertThat(cloud.awaitReceived(1, WAIT)).extracting(Message::topic).containsExactly("a/b/c/d/e/f/g/h");
        assertThat(AwsIotLimits.slashesCounted(ruleTopic)).isEqualTo(7);
    }

    @Test
    void neverMoreThan100PublishesInAnySecondAndAllDelivered() throws Exception {
        FarSideClient cloud = cloud("rate/#");
        AwsIotSink sink = AwsIotSink.builder().connection(connection()).build();
        open.add(sink);
        List<Message> readings = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            readings.add(reading("rate/rpi-01", i));
        }
        Pipeline p = Pipeline.from(MemorySource.of("readings", readings)).to(sink).maxInFlight(1000).start();
        p.completion().toCompletableFuture().get(60, TimeUnit.SECONDS);
        List<Message> got = cloud.awaitReceived(1000, WAIT);
        assertThat(got).hasSize(1000);
        assertThat(got.stream().map(m -> m.payloadAsJson().get("seq").asInt()).distinct().count()).isEqualTo(1000);
        // The limiter starts at most 100 publishes in any second; the subscriber sees them after the
        // CRT's event loop, the broker and its own client, whose delays vary by tens of milliseconds
        // on a loaded machine (101 in one second was seen). A window 100 ms short of a second
        // tolerates that much jitter and still counts every publish of an unlimited sink.
        List<Long> arrivals = cloud.arrivals();
        assertThat(maxInAnyWindow(arrivals, TimeUnit.MILLISECONDS.toNanos(900))).isLessThanOrEqualTo(100);
        assertThat(arrivals.get(arrivals.size() - 1) - arrivals.get(0))
                .as("1000 publishes at 100 a second take 9 s at least, less the jitter")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(8_900));
    }

    @Test
    void batchingPacksReadingsInto128KbPublishesUnderTheCap() throws Exception {
        FarSideClient cloud = cloud("batch/#");
        AwsIotSink sink = AwsIotSink.builder().connection(connection()).batching(128 * 1024, Duration.ofMillis(300))
                .build();
        open.add(sink);
        List<Message> readings = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            readings.add(reading("batch/rpi-01", i));
        }
        Pipeline p = Pipeline.from(MemorySource.of("readings", readings)).to(sink).maxInFlight(20_000).start();
        p.completion().toCompletableFuture().get(60, TimeUnit.SECONDS);
        Awaitility.await().atMost(WAIT).until(() -> sink.publishedCount() == 20_000);
        List<Message> publishes = cloud.awaitReceived((int) sink.publishCount(), WAIT);
        List<Integer> seqs = new ArrayList<>();
        for (Message m : publishes) {
            assertThat(m.payloadSize()).isLessThanOrEqualTo(128 * 1024);
            JsonNode array = m.payloadAsJson();
            assertThat(array.isArray()).isTrue();
            array.forEach(r -> seqs.add(r.get("seq").asInt()));
        }
        assertThat(seqs).hasSize(20_000).doesNotHaveDuplicates();
        assertThat(publishes.size()).as("publishes for 20 000 readings").isLessThan(40);
        assertThat(maxInAnySecond(cloud.arrivals())).isLessThanOrEqualTo(100);
    }

    /** The most arrivals in any window of one second. */
    static int maxInAnySecond(List<Long> arrivals) {
        return maxInAnyWindow(arrivals, TimeUnit.SECONDS.toNanos(1));
    }

    /** The most arrivals in any window of the given length. */
    static int maxInAnyWindow(List<Long> arrivals, long windowNanos) {
        int max = 0;
        int start = 0;
        for (int end = 0; end < arrivals.size(); end++) {
            while (arrivals.get(end) - arrivals.get(start) >= windowNanos) {
                start++;
            }
            max = Math.max(max, end - start + 1);
        }
        return max;
    }
}
