package dev.edgeflow.core.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolLockTest {
    @TempDir
    Path dir;

    @Test
    void refusesASecondSpoolOnTheSameDirectoryInThisProcess() {
        try (Spool first = Spool.builder(dir).open()) {
            long self = ProcessHandle.current().pid();

            assertThatThrownBy(() -> Spool.builder(dir).open())
                    .isInstanceOfSatisfying(SpoolLockedException.class, e -> {
                        assertThat(e.directory()).isEqualTo(dir.toAbsolutePath());
                        assertThat(e.holderPid()).hasValue(self);
                    })
                    .hasMessageContaining("spool directory " + dir.toAbsolutePath())
                    .hasMessageContaining("already open by another Spool in this process (pid " + self + ")");
            // the first is untouched by the refusal
            assertThat(SpoolFixtures.done(first.append(SpoolFixtures.reading(1)))).isZero();
        }
    }

    @Test
    void opensAgainOnceTheOtherSpoolIsClosed() {
        Spool first = Spool.builder(dir).open();
        first.close();
        try (Spool second = Spool.builder(dir).open()) {
            assertThat(second.directory()).isEqualTo(dir.toAbsolutePath());
        }
    }

    @Test
    void refusesADirectoryLockedByAnotherProcessNamingItsPid() throws Exception {
        Process holder = SpoolFixtures.startJvm(SpoolLockHolder.class, dir.toString());
        try {
            String line = SpoolFixtures.firstLine(holder);
            assertThat(line).isEqualTo("open " + dir.toAbsolutePath());

            assertThatThrownBy(() -> Spool.builder(dir).open())
                    .isInstanceOfSatisfying(SpoolLockedException.class,
                            e -> assertThat(e.holderPid()).hasValue(holder.pid()))
                    .hasMessageContaining("spool directory " + dir.toAbsolutePath())
                    .hasMessageContaining("in use by another process (pid " + holder.pid() + ")");
        } finally {
            holder.getOutputStream().close();
            if (!holder.waitFor(30, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        }
        assertThat(holder.exitValue()).isZero();
        try (Spool spool = Spool.builder(dir).open()) {
            assertThat(spool.poll(1)).isEmpty();
        }
    }

    @Test
    void failsClearlyWhenAParentOfTheDirectoryIsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Path wanted = file.resolve("spool");

        assertThatThrownBy(() -> Spool.builder(wanted).open())
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.directory()).isEqualTo(wanted))
                .hasMessageContaining("cannot create spool directory " + wanted)
                .hasMessageContaining(file + " is a file, not a directory");
    }

    @Test
    void failsClearlyWhenTheDirectoryIsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");

        assertThatThrownBy(() -> Spool.builder(file).open())
                .isInstanceOf(SpoolException.class)
                .hasMessageContaining("spool directory " + file + " is a file, not a directory");
    }

    @Test
    void createsAMissingDirectoryWithItsParents() {
        Path nested = dir.resolve("a/b/spool");
        try (Spool spool = Spool.builder(nested).open()) {
            assertThat(nested).isDirectory();
            assertThat(SpoolFixtures.done(spool.append(SpoolFixtures.reading(0)))).isZero();
        }
    }

    @Test
    void namesTheWriterThreadAfterTheDirectory() {
        Path named = dir.resolve("cloud-outbox");
        try (Spool spool = Spool.builder(named).open()) {
            assertThat(spool.directory().getFileName().toString()).isEqualTo("cloud-outbox");
            List<String> names = new ArrayList<>();
            Thread.getAllStackTraces().keySet().forEach(t -> {
                if (t.isDaemon()) {
                    names.add(t.getName());
                }
            });
            assertThat(names).contains("edgeflow-spool-writer-cloud-outbox");
        }
    }
}
