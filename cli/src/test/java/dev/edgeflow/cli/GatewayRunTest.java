package dev.edgeflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The run's life in this JVM: the shutdown hook is left out, {@link GatewayRun#requestStop} stands in for it. */
class GatewayRunTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private GatewayRun run(Duration status, Duration drain) {
        return new GatewayRun(status, drain, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private synchronized String out() {
        return out.toString();
    }

    @Test
    void printsTheStatusLineEveryIntervalUntilStoppedThenExitsCleanOnceDrained() throws Exception {
        FakeGateway gateway = new FakeGateway(true);
        GatewayRun run = run(Duration.ofMillis(50), Duration.ofSeconds(7));
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> run.run(() -> gateway, false));

        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.statusReads.get() >= 3);
        assertThat(code).isNotDone();
        run.requestStop("test");

        assertThat(code.get(10, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);
        assertThat(gateway.stoppedWith.get()).isEqualTo(Duration.ofSeconds(7));
        assertThat(out()).contains("status every 50 ms, drain deadline 7 s")
                .contains("status route uplink: received=1 ").contains("status route uplink: received=3 ")
                .contains("stopping (test), draining for up to 7 s")
                .contains("stopped, drained in 1ms, 0 left");
    }

    @Test
    void aStopWithMessagesLeftAtTheDeadlineExitsWithNotDrained() throws Exception {
        GatewayRun run = run(Duration.ZERO, Duration.ofMillis(100));
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> run.run(() -> new FakeGateway(false),
                false));
        await().atMost(Duration.ofSeconds(10)).until(() -> out().contains("started"));
        run.requestStop("test");

        assertThat(code.get(10, TimeUnit.SECONDS)).isEqualTo(ExitCodes.NOT_DRAINED);
        assertThat(out()).contains("no status lines").contains("stopped, not drained in 100ms: 3 left")
                .doesNotContain("status route");
    }

    @Test
    void aGatewayThatDoesNotStartIsAFailureWithItsReason() {
        int code = run(Duration.ofSeconds(1), Duration.ofSeconds(1)).run(() -> {
            throw new IllegalStateException("mqtt://broker:1883 refused the connection");
        }, false);

        assertThat(code).isEqualTo(ExitCodes.FAILURE);
        assertThat(err.toString()).contains("the gateway did not start: mqtt://broker:1883 refused the connection");
    }

    @Test
    void aStopThatThrowsIsAFailure() throws Exception {
        GatewayRun run = run(Duration.ZERO, Duration.ofSeconds(1));
        GatewayRun.Running broken = new GatewayRun.Running() {
            @Override
            public String statusLine() {
                return "";
            }

            @Override
            public GatewayRun.Stopped stop(Duration drain) {
                throw new IllegalStateException("spool /var/lib/edgeflow/spool is not writable");
            }
        };
        run.requestStop("before it started");
        assertThat(run.run(() -> broken, false)).isEqualTo(ExitCodes.FAILURE);
        assertThat(err.toString()).contains("the stop failed: spool /var/lib/edgeflow/spool is not writable");
    }
}
