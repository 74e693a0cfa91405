package dev.edgeflow.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.testkit.Peers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class OrphanedBrokersIT {
    @TempDir
    Path parent;

    @Test
    void endsTheBrokerOfADeadJvmAndLeavesEverythingElseAlone() throws Exception {
        Path mosquitto = Peers.requireExecutable("mosquitto", "apt-get install -y mosquitto");
        long deadPid = deadProcessPid();
        Path config = Files.writeString(parent.resolve("orphan.conf"),
                "listener " + FreePorts.loopbackPort() + " 127.0.0.1\nallow_anonymous true\n");
        Process orphan = new ProcessBuilder(mosquitto.toString(), "-c", config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Process notABroker = new ProcessBuilder("sleep", "60").start();
        try {
            Path orphaned = folder("edgeflow-mosquitto-orphaned", deadPid, orphan.pid());
            Path pidReused = folder("edgeflow-mosquitto-pid-reused", deadPid, notABroker.pid());
            Path stillOwned = folder("edgeflow-mosquitto-owned", ProcessHandle.current().pid(), notABroker.pid());
            Path otherPrefix = folder("edgeflow-hivemq-orphaned", deadPid, notABroker.pid());

            OrphanedBrokers.endOrphans(parent, "edgeflow-mosquitto-", "mosquitto");

            assertThat(orphan.waitFor(10, TimeUnit.SECONDS)).as("the orphaned mosquitto has ended").isTrue();
            assertThat(orphaned).doesNotExist();
            assertThat(pidReused).as("folder of a dead JVM").doesNotExist();
            assertThat(notABroker.isAlive()).as("a pid that now runs another program is left alone").isTrue();
            assertThat(stillOwned).as("folder of a JVM that still runs").exists();
            assertThat(otherPrefix).exists();
        } finally {
            orphan.destroyForcibly();
            notABroker.destroyForcibly();
        }
    }

    private Path folder(String name, long owner, long broker) throws IOException {
        Path folder = Files.createDirectory(parent.resolve(name));
        Files.writeString(folder.resolve("owner.pid"), Long.toString(owner), StandardCharsets.US_ASCII);
        Files.writeString(folder.resolve("broker.pid"), Long.toString(broker), StandardCharsets.US_ASCII);
        return folder;
    }

    private static long deadProcessPid() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("true").start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return process.pid();
    }
}
