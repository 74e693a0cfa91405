package dev.edgeflow.core;

/**
 * The delivery guarantee a message asks for, with the MQTT meaning of each level.
 *
 * <p>Providers that have no such notion (Pub/Sub, files) treat every level as
 * {@link #AT_LEAST_ONCE}.
 *
 * @since 0.1.0
 */
public enum Qos {
    /** QoS 0: sent once, never acknowledged by the far side. */
    AT_MOST_ONCE(0),
    /** QoS 1: acknowledged by the far side; may arrive more than once. */
    AT_LEAST_ONCE(1),
    /** QoS 2: acknowledged with a two-step handshake so it arrives once. */
    EXACTLY_ONCE(2);

    private final int level;

    Qos(int level) {
        this.level = level;
    }

    /**
     * Returns the MQTT level of this QoS.
     *
     * @return 0, 1 or 2
     */
    public int level() {
        return level;
    }

    /**
     * Returns the QoS for an MQTT level.
     *
     * @param level 0, 1 or 2
     * @return the matching QoS
     * @throws IllegalArgumentException if {@code level} is not 0, 1 or 2
     */
    public static Qos ofLevel(int level) {
        switch (level) {
            case 0: return AT_MOST_ONCE;
            case 1: return AT_LEAST_ONCE;
            case 2: return EXACTLY_ONCE;
            default:
                throw new IllegalArgumentException(
                        "QoS level " + level + " is not valid: use 0 (at most once), 1 (at least once) or 2 (exactly once)");
        }
    }
}
