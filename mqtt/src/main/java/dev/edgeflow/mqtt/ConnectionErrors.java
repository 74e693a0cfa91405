package dev.edgeflow.mqtt;

import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/** Turns the client library's connection failures into messages that say what to fix. */
final class ConnectionErrors {
    private ConnectionErrors() {
    }

    static MqttConnectionException describe(MqttConnection c, Throwable failure) {
        String broker = c.serverUri();
        String who = "MQTT broker " + broker + " (client id " + c.clientId() + ")";
        if (failure instanceof MqttConnectionException) {
            return (MqttConnectionException) failure;
        }
        if (failure instanceof Mqtt5ConnAckException) {
            Mqtt5ConnAckReasonCode code = ((Mqtt5ConnAckException) failure).getMqttMessage().getReasonCode();
            return refused(c, who, code.name(), code.getCode(), failure, permanent(code));
        }
        if (failure instanceof Mqtt3ConnAckException) {
            Mqtt3ConnAckReturnCode code = ((Mqtt3ConnAckException) failure).getMqttMessage().getReturnCode();
            return refused(c, who, code.name(), code.getCode(), failure, code != Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE);
        }
        if (failure instanceof Mqtt5DisconnectException) {
            var reason = ((Mqtt5DisconnectException) failure).getMqttMessage().getReasonCode();
            // Another live client with our id: reconnecting would only take the session back and
            // forth between the two, so this needs a fix, not a retry.
            boolean takenOver = reason.name().equals("SESSION_TAKEN_OVER");
            String hint = takenOver
                    ? ": another client connected with the same client id; give every client its own id" : "";
            return new MqttConnectionException(broker, who + " disconnected the client: " + reason
                    + String.format(Locale.ROOT, " (0x%02X)", reason.getCode()) + hint, takenOver, failure);
        }
        Throwable tls = find(failure, SSLException.class);
        if (tls != null) {
            return tlsFailure(c, who, tls, failure);
        }
        Throwable unknownHost = find(failure, UnknownHostException.class);
        if (unknownHost != null || find(failure, UnresolvedAddressException.class) != null) {
            return new MqttConnectionException(broker, "cannot reach " + who + ": host '" + c.host()
                    + "' is unknown (DNS lookup failed); check the host name", false, failure);
        }
        Throwable refused = find(failure, ConnectException.class);
        if (refused == null) {
            refused = find(failure, NoRouteToHostException.class);
        }
        if (refused != null) {
            return new MqttConnectionException(broker, "cannot reach " + who + " at " + c.host() + ":" + c.port()
                    + ": " + message(refused) + "; is the broker running and listening on that port?", false, failure);
        }
        if (failure instanceof ConnectionFailedException) {
            return new MqttConnectionException(broker, "cannot connect to " + who + " at " + c.host() + ":" + c.port()
                    + ": " + message(rootCause(failure)), false, failure);
        }
        if (failure instanceof ConnectionClosedException) {
            return new MqttConnectionException(broker, "connection to " + who + " was closed: "
                    + message(rootCause(failure)), false, failure);
        }
        return new MqttConnectionException(broker, "connection to " + who + " failed: " + message(rootCause(failure)),
                false, failure);
    }

    private static MqttConnectionException refused(MqttConnection c, String who, String reason, int code,
            Throwable failure, boolean permanent) {
        String hint;
        switch (reason) {
            case "BAD_USER_NAME_OR_PASSWORD":
                hint = c.username() == null
                        ? "; the broker wants credentials: set them with credentials(user, password) or in the URI"
                        : "; check the password of user '" + c.username() + "'";
                break;
            case "NOT_AUTHORIZED":
                hint = c.username() == null
                        ? "; the broker does not accept anonymous clients: set credentials or a client certificate"
                        : "; user '" + c.username() + "' may not connect: check the broker's access rules";
                break;
            case "CLIENT_IDENTIFIER_NOT_VALID":
            case "IDENTIFIER_REJECTED":
                hint = "; choose another client id";
                break;
            case "UNSUPPORTED_PROTOCOL_VERSION":
                hint = "; the broker does not speak " + c.version() + ": try version(MqttVersion."
                        + (c.version() == MqttVersion.MQTT_5 ? "MQTT_3_1_1" : "MQTT_5") + ")";
                break;
            default:
                hint = permanent ? "" : "; will retry";
        }
        return new MqttConnectionException(c.serverUri(), who + " refused the connection: " + reason
                + String.format(Locale.ROOT, " (0x%02X)", code) + hint, permanent, failure);
    }

    private static boolean permanent(Mqtt5ConnAckReasonCode code) {
        switch (code) {
            case SERVER_UNAVAILABLE:
            case SERVER_BUSY:
            case QUOTA_EXCEEDED:
            case CONNECTION_RATE_EXCEEDED:
            case UNSPECIFIED_ERROR:
            case IMPLEMENTATION_SPECIFIC_ERROR:
            case USE_ANOTHER_SERVER:
            case SERVER_MOVED:
                return false;
            default:
                return true;
        }
    }

    private static MqttConnectionException tlsFailure(MqttConnection c, String who, Throwable tls, Throwable failure) {
        MqttTls settings = c.tls();
        String trusted = settings == null || settings.caCertificate() == null
                ? "the JVM's default CAs" : "the CAs in " + settings.caCertificate();
        String text = describeChain(failure).toLowerCase(Locale.ROOT);
        String what;
        if (find(failure, CertificateExpiredException.class) != null || text.contains("validity check failed")
                || text.contains("certificate expired") || text.contains("notafter")) {
            what = "the broker's certificate has expired; the broker needs a renewed certificate";
        } else if (find(failure, CertificateNotYetValidException.class) != null) {
            what = "the broker's certificate is not valid yet; check the clocks of this machine and the broker";
        } else if (text.contains("no subject alternative") || text.contains("no name matching")
                || text.contains("hostname") && text.contains("verif")) {
            what = "the broker's certificate does not name host '" + c.host() + "' (hostname mismatch): connect by a "
                    + "name the certificate lists, or switch hostnameVerification off if you trust the network";
        } else if (find(failure, CertPathValidatorException.class) != null
                || text.contains("unable to find valid certification path") || text.contains("pkix path")) {
            what = "the broker's certificate is not signed by a trusted CA (unknown CA): this client trusts "
                    + trusted + "; give the broker's CA with caCertificate(...)";
        } else if (text.contains("certificate_required") || text.contains("bad_certificate")
                || text.contains("unknown_ca") || text.contains("certificate_unknown")) {
            what = settings != null && settings.clientCertificate() != null
                    ? "the broker refused the client certificate " + settings.clientCertificate()
                            + " (" + message(tls) + "): is it signed by a CA the broker trusts?"
                    : "the broker requires a client certificate (" + message(tls) + "): set one with "
                            + "clientCertificate(certificate, key)";
        } else {
            what = "TLS handshake failed: " + message(tls);
        }
        boolean permanent = tls instanceof SSLHandshakeException || find(failure, SSLHandshakeException.class) != null;
        return new MqttConnectionException(c.serverUri(), "cannot connect to " + who + " over TLS: " + what,
                permanent, failure);
    }

    static Throwable rootCause(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r;
    }

    private static String describeChain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static Throwable find(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return c;
            }
        }
        return null;
    }
}
