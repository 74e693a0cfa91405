package dev.edgeflow.core.spool;

import static dev.edgeflow.core.spool.SpoolFixtures.appendAll;
import static dev.edgeflow.core.spool.SpoolFixtures.drain;
import static dev.edgeflow.core.spool.SpoolFixtures.messages;
import static dev.edgeflow.core.spool.SpoolFixtures.readings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolConfirmTest {
    @TempDir
    Path dir;

    @Test
    void cursorAdvancesOnlyOverTheContiguousConfirmedPrefix() {
        List<Message> input = readings(0, 5);
        try (Spool spool = Spool.builder(dir).open()) {
            appendAll(spool, input);
            List<SpoolRecord> records = spool.poll(5);
            spool.confirm(records.get(3).sequence());
            spool.confirm(records.get(1).sequence());
            spool.confirm(records.get(2).sequence());

            assertThat(spool.stats().confirmed()).isZero();
            assertThat(spool.stats().records()).isEqualTo(5);
        }
        try (Spool spool = Spool.builder(dir).open()) {
            List<SpoolRecord> records = drain(spool);
            // record 0 was never confirmed, so everything after it comes again: at least once
            assertThat(messages(records)).containsExactlyElementsOf(input);

            spool.confirm(records.get(3).sequence());
            spool.confirm(records.get(1).sequence());
            spool.confirm(records.get(2).sequence());
            spool.confirm(records.get(0).sequence());

            assertThat(spool.stats().confirmed()).isEqualTo(4);
            assertThat(spool.stats().records()).isEqualTo(1);
        }
        try (Spool spool = Spool.builder(dir).open()) {
            assertThat(messages(drain(spool))).containsExactly(input.get(4));
        }
    }

    @Test
    void rewindHandsOutTheUnconfirmedRecordsAgainInOrder() {
        List<Message> input = readings(0, 6);
        try (Spool spool = Spool.builder(dir).open()) {
            appendAll(spool, input);
            List<SpoolRecord> first = spool.poll(4);
            spool.confirm(first.get(0).sequence());
            spool.confirm(first.get(2).sequence());

            spool.rewind();

            assertThat(messages(drain(spool)))
                    .containsExactly(input.get(1), input.get(3), input.get(4), input.get(5));
        }
    }

    @Test
    void confirmsArrivingDuringARewindAreHonoured() {
        List<Message> input = readings(0, 4);
        try (Spool spool = Spool.builder(dir).open()) {
            appendAll(spool, input);
            List<SpoolRecord> first = spool.poll(4);
            spool.rewind();
            // the old sends complete after all
            spool.confirm(first.get(0).sequence());
            spool.confirm(first.get(1).sequence());

            assertThat(messages(drain(spool))).containsExactly(input.get(2), input.get(3));
        }
    }

    @Test
    void confirmingTwiceChangesNothing() {
        try (Spool spool = Spool.builder(dir).open()) {
            appendAll(spool, readings(0, 2));
            List<SpoolRecord> records = spool.poll(2);
            spool.confirm(records.get(0).sequence());
            spool.confirm(records.get(0).sequence());

            assertThat(spool.stats().confirmed()).isEqualTo(1);
            assertThat(spool.stats().records()).isEqualTo(1);
        }
    }

    @Test
    void rejectsConfirmOfARecordNeverHandedOut() {
        try (Spool spool = Spool.builder(dir).open()) {
            List<Long> sequences = appendAll(spool, readings(0, 2));
            spool.poll(1);

            assertThatThrownBy(() -> spool.confirm(sequences.get(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sequence " + sequences.get(1) + " was not handed out by poll()")
                    .hasMessageContaining(dir.toString());
        }
    }

    @Test
    void confirmAfterCloseIsIgnoredAndTheRecordComesAgain() {
        Spool spool = Spool.builder(dir).open();
        appendAll(spool, readings(0, 1));
        SpoolRecord record = spool.poll(1).get(0);
        spool.close();

        spool.confirm(record.sequence());

        try (Spool again = Spool.builder(dir).open()) {
            assertThat(messages(drain(again))).containsExactly(record.message());
        }
    }
}
