package dev.edgeflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.Source;
import dev.edgeflow.memory.MemorySource;
import java.util.List;
import java.util.OptionalLong;

/** The memory source keeps the source contract. It has no far side to break; that test is skipped. */
class MemorySourceContractTest extends SourceContract {
    private MemorySource source;

    @Override
    protected Source createSource() {
        source = MemorySource.create("contract", 1_000);
        return source;
    }

    @Override
    protected void publish(List<Message> messages) {
        for (Message m : messages) {
            assertThat(source.offer(m)).as("offer of %s to %s", m, source).isTrue();
        }
    }

    @Override
    protected OptionalLong acknowledgedCount(Source s) {
        return OptionalLong.of(((MemorySource) s).acked());
    }
}
