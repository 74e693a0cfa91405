package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The connection over mutual TLS to Mosquitto standing in for AWS IoT Core. */
class AwsIotConnectionIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    @RegisterExtension
    static final MutualTlsBroker TLS = new MutualTlsBroker();

    static AwsIotConnection.Builder connection(String clientId) {
        return TLS.connection(clientId);
    }

    @Test
    void publishesAndReceivesOverMutualTls() throws Exception {
        try (AwsIotConnection c = connection("thing-1").build()) {
            c.awaitReady(WAIT);
            List<Message> got = new CopyOnWriteArrayList<>();
            c.subscribe("sensor/#", Qos.AT_LEAST_ONCE, got::add).get(10, TimeUnit.SECONDS);
            c.publish("sensor/thing-1/bme280", "{\"temperature\":21.5}".getBytes(StandardCharsets.UTF_8),
                    Qos.AT_LEAST_ONCE).get(10, TimeUnit.SECONDS);
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> got.size() == 1);
            assertThat(got.get(0).payloadAsString()).isEqualTo("{\"temperature\":21.5}");
            assertThat(got.get(0).topic()).isEqualTo("sensor/thing-1/bme280");
        }
    }
}
