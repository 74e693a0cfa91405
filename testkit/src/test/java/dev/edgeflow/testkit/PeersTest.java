package dev.edgeflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class PeersTest {

    @Test
    void findsAnExecutableOnThePath() {
        assertThat(Peers.findExecutable("sh")).hasValueSatisfying(p -> assertThat(p).isExecutable());
    }

    @Test
    void skipsLoudlyWithTheInstallHintWhenAPeerIsMissing() {
        PrintStream err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            assertThatThrownBy(() -> Peers.requireExecutable("edgeflow-no-such-peer", "apt-get install -y nothing"))
                    .isInstanceOf(TestAbortedException.class)
                    .hasMessageContaining("edgeflow-no-such-peer is not installed (apt-get install -y nothing)");
        } finally {
            System.setErr(err);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("SKIPPED: edgeflow-no-such-peer is not installed (apt-get install -y nothing)");
    }
}
