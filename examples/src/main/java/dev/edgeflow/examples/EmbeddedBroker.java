package dev.edgeflow.examples;

import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the testkit's embedded MQTT broker (HiveMQ Community Edition) as a program of its own,
 * for trying a bridge by hand or for benchmarks that need a broker which keeps its in-flight
 * window. Prints {@code listening mqtt://127.0.0.1:PORT} once it accepts connections and runs
 * until it is stopped (Ctrl-C or SIGTERM).
 *
 * <pre>
 * ./mvnw -q -pl examples -am compile exec:java -Dexec.mainClass=dev.edgeflow.examples.EmbeddedBroker \
 *     -Dexec.args="--max-queued 2000000 --server-receive-maximum 1"
 * </pre>
 */
public final class EmbeddedBroker {
    private EmbeddedBroker() {
    }

    /**
     * Starts the broker.
     *
     * @param args {@code --max-queued N} (messages queued per client, default HiveMQ's 1000) and
     *     {@code --server-receive-maximum N} (unacknowledged publishes a client may send, default 10)
     * @throws InterruptedException if interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        EmbeddedMqttBroker.Builder builder = EmbeddedMqttBroker.builder();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--max-queued": builder.maxQueuedMessages(Long.parseLong(args[i + 1])); break;
                case "--server-receive-maximum": builder.serverReceiveMaximum(Integer.parseInt(args[i + 1])); break;
                default:
                    System.err.println("unknown argument " + args[i]
                            + "; usage: EmbeddedBroker [--max-queued N] [--server-receive-maximum N]");
                    System.exit(2);
            }
        }
        EmbeddedMqttBroker broker = builder.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "edgeflow-broker-shutdown"));
        System.out.println("listening " + broker.uri());
        System.out.flush();
        stopped.await();
    }
}
