package dev.edgeflow.aws;

/**
 * The Device Shadow service refused a request: it answered on the operation's {@code /rejected}
 * topic with an error {@code code} (an HTTP status) and a {@code message}.
 *
 * <p>The codes AWS IoT Core uses: 400 for a malformed request, 401 and 403 when the policy does
 * not allow the operation, 404 when the thing or the named shadow does not exist, 409 for a
 * version conflict ({@link ShadowVersionConflictException}), 413 for a document over 8 KB,
 * 429 for more than 10 requests in flight on one connection, 500 for a failure of the service.
 *
 * @since 0.1.0
 */
public class ShadowRejectedException extends AwsIotException {
    private static final long serialVersionUID = 1L;

    /** The thing whose shadow it is. */
    private final String thingName;
    /** The named shadow, or {@code null} for the classic one. */
    private final String shadowName;
    /** The operation, such as {@code get} or {@code RegisterThing}. */
    private final String operation;
    /** The service's error code. */
    private final int code;
    /** The service's message. */
    private final String serviceMessage;

    /**
     * Creates the exception.
     *
     * @param thingName the thing whose shadow it is
     * @param shadowName the named shadow, or {@code null} for the classic shadow
     * @param operation {@code get}, {@code update} or {@code delete}
     * @param code the service's error code, an HTTP status
     * @param serviceMessage the service's message, such as {@code Version conflict}
     */
    public ShadowRejectedException(String thingName, String shadowName, String operation, int code,
            String serviceMessage) {
        this(describe(thingName, shadowName) + ": " + operation + " was rejected with " + code + " '" + serviceMessage
                + "'" + hint(code, thingName, shadowName, operation), thingName, shadowName, operation, code,
                serviceMessage);
    }

    ShadowRejectedException(String text, String thingName, String shadowName, String operation, int code,
            String serviceMessage) {
        super(text, null, code != 409 && code != 429 && code < 500, null);
        this.thingName = thingName;
        this.shadowName = shadowName;
        this.operation = operation;
        this.code = code;
        this.serviceMessage = serviceMessage;
    }

    static String describe(String thingName, String shadowName) {
        return shadowName == null ? "classic shadow of thing '" + thingName + "'"
                : "shadow '" + shadowName + "' of thing '" + thingName + "'";
    }

    private static String hint(int code, String thingName, String shadowName, String operation) {
        String topic = ShadowTopics.prefix(thingName, shadowName) + "/" + operation;
        switch (code) {
            case 401:
            case 403:
                return ": the device's policy must allow iot:Publish on topic/" + topic;
            case 404:
                return ": the thing or shadow does not exist (an update creates a shadow)";
            case 413:
                return ": a shadow document may be at most 8 KB";
            case 429:
                return ": at most 10 shadow requests may be in flight on one connection; retry later";
            default:
                return "";
        }
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
     * Returns the operation that was refused.
     *
     * @return {@code get}, {@code update} or {@code delete}
     */
    public String operation() {
        return operation;
    }

    /**
     * Returns the service's error code.
     *
     * @return an HTTP status, such as 404 or 409
     */
    public int code() {
        return code;
    }

    /**
     * Returns the service's message.
     *
     * @return such as {@code No shadow exists with name: 'rpi-01'}; empty if it sent none
     */
    public String serviceMessage() {
        return serviceMessage;
    }
}
