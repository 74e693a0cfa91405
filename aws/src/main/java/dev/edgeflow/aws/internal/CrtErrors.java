package dev.edgeflow.aws.internal;

import dev.edgeflow.aws.AwsIotException;
import dev.edgeflow.core.MessageRejectedException;
import software.amazon.awssdk.crt.CRT;
import software.amazon.awssdk.crt.mqtt5.packets.ConnAckPacket;
import software.amazon.awssdk.crt.mqtt5.packets.DisconnectPacket;
import software.amazon.awssdk.crt.mqtt5.packets.PubAckPacket;

/** Turns the CRT's error codes and MQTT reason codes into sentences that say what to fix. */
public final class CrtErrors {
    private CrtErrors() {
    }

    /**
     * Returns the CRT's name for an error code.
     *
     * @param code the code
     * @return e.g. {@code AWS_IO_SOCKET_CONNECTION_REFUSED}
     */
    public static String name(int code) {
        try {
            String name = CRT.awsErrorName(code);
            return name == null ? "error " + code : name;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return "error " + code;
        }
    }

    /**
     * Returns whether the code means the TLS handshake failed.
     *
     * @param code the CRT's error code
     * @return true for the TLS negotiation and alert errors
     */
    public static boolean isTlsFailure(int code) {
        String name = name(code);
        return name.startsWith("AWS_IO_TLS") || name.contains("TLS_ERROR") || name.contains("_TLS_");
    }

    /**
     * Describes a CRT error.
     *
     * @param code the CRT's error code
     * @param target the endpoint and client id, for the message
     * @param cause the exception that carried it, or {@code null}
     * @return the exception to report
     */
    public static AwsIotException describe(int code, String target, Throwable cause) {
        String name = name(code);
        String text;
        boolean permanent = false;
        switch (name) {
            case "AWS_IO_SOCKET_CONNECTION_REFUSED":
                text = "nothing accepts connections at " + target + ": is the endpoint and port right (8883, or 443 "
                        + "with ALPN), and is a broker running there?";
                break;
            case "AWS_IO_SOCKET_TIMEOUT":
                text = "connecting to " + target + " timed out: a firewall may drop port 8883 (try 443), or the "
                        + "network is down";
                break;
            case "AWS_IO_DNS_INVALID_NAME":
            case "AWS_IO_DNS_QUERY_FAILED":
            case "AWS_IO_DNS_NO_ADDRESS_FOR_HOST":
            case "AWS_IO_DNS_HOST_REMOVED_FROM_CACHE":
                text = "the endpoint of " + target + " cannot be resolved (DNS): check the name (aws iot "
                        + "describe-endpoint --endpoint-type iot:Data-ATS) and this machine's DNS";
                break;
            case "AWS_IO_SOCKET_NETWORK_DOWN":
            case "AWS_IO_SOCKET_NO_ROUTE_TO_HOST":
                text = "no network route to " + target + ": the network is down or unreachable";
                break;
            case "AWS_IO_SOCKET_CLOSED":
            case "AWS_ERROR_MQTT5_DECODE_PROTOCOL_ERROR":
                text = "the connection to " + target + " was closed by the other side (for AWS IoT Core often: "
                        + "the policy does not allow this client id, or another client connected with the same id)";
                break;
            case "AWS_ERROR_MQTT5_CONNACK_TIMEOUT":
                text = target + " accepted the TCP/TLS connection but sent no CONNACK in time";
                break;
            case "AWS_ERROR_MQTT5_PING_RESPONSE_TIMEOUT":
                text = target + " stopped answering keep-alive pings; the connection is rebuilt";
                break;
            case "AWS_ERROR_MQTT5_USER_REQUESTED_STOP":
                text = "the connection to " + target + " was stopped by this application";
                permanent = true;
                break;
            case "AWS_ERROR_MQTT5_OPERATION_FAILED_DUE_TO_OFFLINE_QUEUE_POLICY":
                text = "the connection to " + target + " dropped before the operation completed; it is retried by "
                        + "the pipeline, not queued without bound in the CRT";
                break;
            case "AWS_ERROR_MQTT_TIMEOUT":
            case "AWS_ERROR_MQTT5_OPERATION_PROCESSING_FAILURE":
                text = "no acknowledgement from " + target + " in time";
                break;
            case "AWS_IO_FILE_VALIDATION_FAILURE":
            case "AWS_ERROR_FILE_INVALID_PATH":
            case "AWS_ERROR_NO_PERMISSION":
                text = "a certificate, key or CA file for " + target + " cannot be read (" + name + ")";
                permanent = true;
                break;
            default:
                if (isTlsFailure(code)) {
                    text = "the TLS handshake with " + target + " failed (" + name + "): either the CA file does not "
                            + "verify the server's certificate or the server refused the client certificate";
                    permanent = true;
                } else {
                    text = "the connection to " + target + " failed: " + sentence(code);
                }
        }
        return new AwsIotException(text + " [" + name + "]", name, permanent, cause);
    }

    /**
     * Describes a refused CONNACK.
     *
     * @param ack the CONNACK
     * @param target the endpoint and client id
     * @param clientId the client id
     * @return the exception to report
     */
    public static AwsIotException connAckFailure(ConnAckPacket ack, String target, String clientId) {
        String reason = String.valueOf(ack.getReasonCode());
        String hint;
        switch (reason) {
            case "NOT_AUTHORIZED":
            case "BAD_USERNAME_OR_PASSWORD":
                hint = ": the certificate's policy must allow iot:Connect for client id '" + clientId
                        + "' (arn:aws:iot:<region>:<account>:client/" + clientId + "), and the certificate must be "
                        + "ACTIVE";
                break;
            case "CLIENT_IDENTIFIER_NOT_VALID":
                hint = ": the client id '" + clientId + "' is not accepted; use the thing name";
                break;
            case "QUOTA_EXCEEDED":
            case "CONNECTION_RATE_EXCEEDED":
            case "SERVER_BUSY":
                hint = ": the broker is throttling connections; the CRT retries with backoff";
                break;
            default:
                hint = "";
        }
        String text = target + " refused the connection: " + reason
                + (ack.getReasonString() != null ? " (" + ack.getReasonString() + ")" : "") + hint;
        return new AwsIotException(text, "CONNACK_" + reason, !hint.contains("retries"), null);
    }

    /**
     * Describes a DISCONNECT from the server.
     *
     * @param disconnect the packet
     * @param target the endpoint and client id
     * @return the exception to report
     */
    public static AwsIotException disconnectReceived(DisconnectPacket disconnect, String target) {
        String reason = String.valueOf(disconnect.getReasonCode());
        String hint = reason.equals("SESSION_TAKEN_OVER")
                ? ": another client connected with the same client id; give every device its own thing name" : "";
        return new AwsIotException(target + " disconnected the client: " + reason
                + (disconnect.getReasonString() != null ? " (" + disconnect.getReasonString() + ")" : "") + hint,
                "DISCONNECT_" + reason, !hint.isEmpty(), null);
    }

    /**
     * Describes a PUBACK that is not a success.
     *
     * @param ack the PUBACK
     * @param topic the topic published to
     * @param target the endpoint and client id
     * @return a {@link MessageRejectedException} when resending cannot help, otherwise an {@link AwsIotException}
     */
    public static RuntimeException pubAckFailure(PubAckPacket ack, String topic, String target) {
        String reason = String.valueOf(ack.getReasonCode());
        String text = target + " refused a publish to '" + topic + "': " + reason
                + (ack.getReasonString() != null ? " (" + ack.getReasonString() + ")" : "");
        switch (reason) {
            case "NOT_AUTHORIZED":
                return new MessageRejectedException(text + ": the policy must allow iot:Publish on topic/" + topic);
            case "TOPIC_NAME_INVALID":
            case "PAYLOAD_FORMAT_INVALID":
            case "PACKET_TOO_LARGE":
                return new MessageRejectedException(text);
            default:
                return new AwsIotException(text, "PUBACK_" + reason, false, null);
        }
    }

    private static String sentence(int code) {
        try {
            String s = CRT.awsErrorString(code);
            return s == null ? name(code) : s + " (" + name(code) + ")";
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return name(code);
        }
    }
}
