package dev.edgeflow.mqtt;

import dev.edgeflow.core.OverflowPolicy;
import dev.edgeflow.core.Pipeline;
import dev.edgeflow.core.spool.Spool;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The MQTT-to-MQTT bridge with a spool, as its own program, so that {@link StoreAndForwardIT}
 * can kill it with SIGKILL and start it again on the same spool.
 *
 * <p>Arguments: source URI, target URI, spool directory. Prints {@code spooled N} (what the spool
 * held from an earlier run) and {@code ready} on standard output, then {@code holding N
 * acknowledged M} (what the spool holds now, and how many deliveries the source has acknowledged
 * to its broker) every 100 ms until killed.
 */
public final class SpoolBridgeMain {
    private SpoolBridgeMain() {
    }

    public static void main(String[] args) throws Exception {
        String sourceUri = args[0];
        String targetUri = args[1];
        Path spoolDir = Path.of(args[2]);
        MqttSink sink = MqttSink.builder()
                .connection(StoreAndForwardIT.bridgeConnection(targetUri, "crash-bridge-out"))
                .name("target")
                .build();
        // What an earlier run left, in the spool the pipeline keeps for the sink named "target".
        Path sinkSpool = spoolDir.resolve("target");
        long held = 0;
        if (sinkSpool.toFile().isDirectory()) {
            try (Spool spool = Spool.builder(sinkSpool).open()) {
                held = spool.stats().records();
            }
        }
        System.out.println("spooled " + held);
        MqttSource source = StoreAndForwardIT.bridgeSource(sourceUri, "crash-bridge-in");
        Pipeline pipeline = Pipeline.from(source).name("crash-bridge").to(sink)
                .buffer(256, OverflowPolicy.SPOOL).spool(spoolDir)
                .start();
        source.awaitReady(Duration.ofSeconds(30));
        System.out.println("ready");
        System.out.flush();
        while (true) {
            Thread.sleep(100);
            System.out.println("holding " + pipeline.spoolStats().get(sink.name()).records()
                    + " acknowledged " + source.acknowledgedCount());
            System.out.flush();
        }
    }
}
