package dev.edgeflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a JVM in {@link GatewayRun}: the exit status is the stop's outcome, not the JVM's
 * 143. The gateway is {@link FakeGateway}, until {@code edgeflow run} drives the real one.
 */
class GatewayRunSignalIT {
    private static CliProcess startFake(String behaviour, long drainMillis) {
        return CliProcess.startCommand(List.of(CliProcess.java(), "-cp", System.getProperty("java.class.path"),
                FakeGateway.class.getName(), behaviour, Long.toString(drainMillis)), Map.of(), null);
    }

    @Test
    void sigtermDrainsAndExitsZero() {
        CliProcess p = startFake("drains", 5000).awaitOut("status route uplink", Duration.ofSeconds(30));

        int code = p.terminate().exitCode(Duration.ofSeconds(30));

        assertThat(code).as(p.describe()).isEqualTo(ExitCodes.OK);
        assertThat(p.out()).contains("stopping (signal), draining for up to 5 s").contains("stopped, drained");
    }

    @Test
    void sigtermWithMessagesHeldPastTheDeadlineExitsFour() {
        CliProcess p = startFake("holds", 300).awaitOut("started", Duration.ofSeconds(30));

        int code = p.terminate().exitCode(Duration.ofSeconds(30));

        assertThat(code).as(p.describe()).isEqualTo(ExitCodes.NOT_DRAINED);
        assertThat(p.out()).contains("stopped, not drained in 300ms: 3 left");
    }
}
