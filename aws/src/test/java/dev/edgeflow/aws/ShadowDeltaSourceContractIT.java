package dev.edgeflow.aws;

import dev.edgeflow.aws.emulator.EmulatedIotCore;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Source;
import dev.edgeflow.testkit.Peers;
import dev.edgeflow.testkit.SourceContract;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The source contract for the delta stream: the far side publishes by setting a shadow's desired
 * state to each reading in the emulated service, so that each becomes a delta (reported stays
 * empty, so the delta is the whole desired state, which the next reading replaces key by key).
 *
 * <p>Where the contract does not apply: acknowledgements have no effect at the service, so they
 * cannot be observed there (skipped by the contract); nacked deltas are not redelivered (skipped);
 * the far side cannot be broken for good, as the CRT reconnects forever (skipped); and a reading
 * published while there is no demand supersedes the one before it, so the demand test is replaced
 * by {@link ShadowDeltaSourceIT#keepsOnlyTheNewestDeltaWhileThePipelineHasNoDemandAndCountsTheOthers()}.
 */
class ShadowDeltaSourceContractIT extends SourceContract {
    @RegisterExtension
    static final EmulatedIotCore iot = new EmulatedIotCore();
    private ShadowDeltaSource source;
    private String thing = "contract-thing";

    @Override
    protected Source createSource() throws Exception {
        thing = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        source = ShadowDeltaSource.builder(iot.connect("delta-contract"), thing).ownsConnection(true).build();
        return source;
    }

    @Override
    protected String topic() {
        return "$aws/things/" + thing + "/shadow/update/delta";
    }

    @Override
    protected void publish(List<Message> messages) throws Exception {
        source.awaitReady(timeout());
        for (Message m : messages) {
            iot.services().setDesired(thing, null, m.payloadAsJson());
        }
    }

    /** Deltas carry the shadow's headers, not the readings' own. */
    @Override
    protected boolean preservesHeaders() {
        return false;
    }

    /** The service keeps desired state whatever the pipeline does: nothing to observe. */
    @Override
    protected OptionalLong acknowledgedCount(Source s) {
        return OptionalLong.empty();
    }

    @Override
    protected boolean isSourceThread(Thread thread) {
        return !thread.getName().startsWith("emulator") && super.isSourceThread(thread);
    }

    /** Skipped loudly: the contract expects every published message to wait for demand. */
    @Override
    @Test
    public void neverEmitsMoreThanRequested() {
        Peers.skip("ShadowDeltaSourceContractIT: 20 desired states published while 3 are requested leave 3 delivered "
                + "and only the newest of the other 17 waiting, by design (a desired state supersedes older ones), so "
                + "request(5) afterwards delivers 1, not 5; ShadowDeltaSourceIT checks the demand and the count of "
                + "superseded deltas instead");
    }
}
