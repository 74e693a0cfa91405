package dev.edgeflow.aws;

import java.time.Duration;

/**
 * No answer to a Device Shadow request came within the shadow's timeout, neither on the
 * operation's {@code /accepted} topic nor on its {@code /rejected} topic.
 *
 * <p>Usually the connection is down (the message says so), or the device's policy allows the
 * request but not {@code iot:Subscribe} and {@code iot:Receive} on the answer topics, so that
 * the service's answers never reach the device. The request may still have been applied.
 *
 * @since 0.1.0
 */
public final class ShadowTimeoutException extends AwsIotException {
    private static final long serialVersionUID = 1L;

    /** The thing whose shadow it is. */
    private final String thingName;
    /** The named shadow, or {@code null} for the classic one. */
    private final String shadowName;
    /** The operation, such as {@code get} or {@code RegisterThing}. */
    private final String operation;
    /** How long the request waited. */
    private final transient Duration timeout;

    ShadowTimeoutException(String thingName, String shadowName, String operation, Duration timeout,
            boolean connected) {
        super(message(thingName, shadowName, operation, timeout, connected), null, false, null);
        this.thingName = thingName;
        this.shadowName = shadowName;
        this.operation = operation;
        this.timeout = timeout;
    }

    private static String message(String thingName, String shadowName, String operation, Duration timeout,
            boolean connected) {
        String topic = ShadowTopics.prefix(thingName, shadowName) + "/" + operation;
        return ShadowRejectedException.describe(thingName, shadowName) + ": no answer to " + operation + " within "
                + timeout + " on " + topic + "/accepted or " + topic + "/rejected" + (connected
                ? ": check that the policy allows iot:Subscribe on topicfilter/" + topic + "/* and iot:Receive on "
                + "topic/" + topic + "/*, and that the endpoint runs the Device Shadow service"
                : ": the connection is down, so the request waits to be sent; it fails like this until the "
                + "connection is back");
    }

    /**
     * Returns the thing whose shadow it is.
     *
     * @return the thing name
     */
    public String thingName() {
        return thingName;
    }

    /**
     * Returns the named shadow.
     *
     * @return the shadow's name, or {@code null} for the classic shadow
     */
    public String shadowName() {
        return shadowName;
    }

    /**
     * Returns the operation that got no answer.
     *
     * @return {@code get}, {@code update} or {@code delete}
     */
    public String operation() {
        return operation;
    }

    /**
     * Returns how long the request waited.
     *
     * @return the shadow's timeout
     */
    public Duration timeout() {
        return timeout;
    }
}
