package dev.edgeflow.core;

/**
 * What a pipeline's buffer does when it is full.
 *
 * @since 0.1.0
 */
public enum OverflowPolicy {
    /**
     * Never drop: the pipeline asks its source only for what the buffer can hold, so a slow
     * sink slows the source. The default.
     */
    BACKPRESSURE,
    /**
     * Take everything the source emits; when full, drop the oldest buffered message to make
     * room. For sources that cannot slow down and where the newest reading matters most.
     * Each drop is acknowledged to the source, counted in {@link PipelineStats#dropped()} and
     * logged at a limited rate.
     */
    DROP_OLDEST,
    /**
     * Take everything the source emits; when full, drop the incoming message. Each drop is
     * acknowledged to the source, counted in {@link PipelineStats#dropped()} and logged at a
     * limited rate.
     */
    DROP_NEWEST,
    /**
     * Store and forward: every sink of the pipeline gets a spool on disk in front of it (a
     * {@link dev.edgeflow.core.spool.SpoolingSink} in its own directory under the one given to
     * {@link Pipeline.Builder#spool(java.nio.file.Path)}), and a delivery is acked to its
     * source as soon as it is durable in the spool of every sink it is routed to. The spools
     * replay to their sinks in order as those sinks confirm, so a slow or unreachable sink no
     * longer holds back the others or the source, until its spool is full (then the spool's
     * full policy applies; by default the source is slowed). The in-memory buffer behaves as
     * with {@link #BACKPRESSURE}.
     */
    SPOOL
}
