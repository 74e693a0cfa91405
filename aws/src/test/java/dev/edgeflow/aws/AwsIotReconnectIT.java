package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.PipelineStats;
import dev.edgeflow.memory.MemorySink;
import dev.edgeflow.memory.MemorySource;
import dev.edgeflow.testkit.mqtt.MosquittoBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker standing in for IoT Core restarts mid-stream: the sink reconnects and nothing is lost. */
class AwsIotReconnectIT {
    @TempDir
    Path dir;

    @Test
    void deliversEveryReadingAcrossABrokerRestart() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir.resolve("certs"));
        // the cloud side's queue unbounded: Mosquitto's default drops beyond 1000 for a slow subscriber
        try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs).requireCertificate(true).persistence(true)
                .maxQueuedMessages(0).start()) {
            FarSideClient cloud = FarSideClient.resume(broker.host(), broker.port(), "cloud-" + System.nanoTime());
            cloud.subscribe("restart/#");
            AwsIotConnection connection = AwsIotConnection.builder().endpoint("localhost").port(broker.tlsPort())
                    .clientId("restart-" + System.nanoTime()).limits(AwsIotLimits.NONE)
                    .reconnectDelay(Duration.ofMillis(100), Duration.ofSeconds(1))
                    .certificate(certs.clientCertificate(), certs.clientKey()).caCertificate(certs.caCertificate())
                    .build();
            connection.awaitReady(Duration.ofSeconds(15));
            List<Message> readings = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                readings.add(Message.ofJson("restart/rpi-01", Map.of("seq", i, "temperature", 21.5)));
            }
            MemorySource source = MemorySource.create("readings", 3000);
            MemorySink dead = MemorySink.create("dead", 3000);
            try (AwsIotSink sink = AwsIotSink.builder().ownConnection(connection).build()) {
                Pipeline p = Pipeline.from(source).to(sink).deadLetter(dead).start();
                for (int i = 0; i < 1000; i++) {
                    source.offer(readings.get(i), Duration.ofSeconds(10));
                }
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> cloud.received().size() >= 1000);
                broker.restart();
                for (int i = 1000; i < 3000; i++) {
                    source.offer(readings.get(i), Duration.ofSeconds(10));
                }
                source.complete();
                PipelineStats stats = p.completion().toCompletableFuture().get(90, TimeUnit.SECONDS);
                assertThat(dead.messages()).isEmpty();
                assertThat(stats.failed()).isZero();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> seqs(cloud).size() == 3000);
            } finally {
                cloud.close();
            }
        }
    }

    private static Set<Integer> seqs(FarSideClient cloud) {
        return cloud.received().stream().map(m -> m.payloadAsJson().get("seq").asInt()).collect(Collectors.toSet());
    }
}
