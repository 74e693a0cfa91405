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
    DROP_NEWEST
}
