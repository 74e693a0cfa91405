package dev.edgeflow.aws.internal;

import dev.edgeflow.core.internal.tls.PemFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Finds out why a TLS handshake failed. The CRT reports only "TLS negotiation failed"; this
 * repeats the handshake with the JDK and the same files, and turns the JDK's reason into a
 * sentence that names the file: the CA file does not verify the server, the server's certificate
 * expired or is for another host, the server refused the client certificate.
 */
public final class TlsDiagnosis {
    private static final int TIMEOUT_MILLIS = 5_000;

    private TlsDiagnosis() {
    }

    /**
     * Probes the server and explains the failure.
     *
     * @param host the server
     * @param port its port
     * @param alpn the ALPN protocol to offer, or {@code null}
     * @param caFile the CA file, or {@code null} for the JVM's trust store
     * @param certificateFile the client certificate, or {@code null}
     * @param keyFile the client key, or {@code null}
     * @return the reason, or {@code null} if the JDK's handshake succeeds too or the failure is
     *     not one of TLS or the failure is
     *     not one of TLS
     */
    public static String explain(String host, int port, String alpn, Path caFile, Path certificateFile,
            Path keyFile) {
        KeyManager[] keys = certificateFile == null ? null
                : PemFiles.keyManagers(certificateFile, keyFile).getKeyManagers();
        TrustManager[] trust = caFile == null ? null : PemFiles.trustManagers(caFile).getTrustManagers();
        String at = host + ":" + port;
        try {
            handshake(host, port, alpn, keys, trust);
            return null;
        } catch (SSLException e) {
            String text = String.valueOf(e.getMessage());
            if (find(e, CertificateExpiredException.class) != null) {
                return "the server's certificate at " + at + " has expired" + serverCertificate(host, port, alpn)
                        + ": the server must renew it (or this machine's clock is wrong)";
            }
            if (find(e, CertPathValidatorException.class) != null || text.contains("PKIX")
                    || text.contains("certification path")) {
                return "the CA file " + (caFile == null ? "(the JVM's default trust store)" : caFile)
                        + " does not verify the server's certificate at " + at + serverCertificate(host, port, alpn)
                        + ": give the CA that issued the server's certificate (for AWS IoT Core: AmazonRootCA1.pem)";
            }
            if (text.contains("No subject alternative") || text.contains("No name matching")) {
                return "the server's certificate at " + at + " is not issued for host '" + host + "'"
                        + serverCertificate(host, port, alpn) + ": connect with the host name in the certificate "
                        + "(for AWS IoT Core, the account's iot:Data-ATS endpoint)";
            }
            if (e instanceof ClosedAfterHandshake) {
                return "the server at " + at + " refused the TLS connection right after the handshake (it closed it: "
                        + text + ")" + (certificateFile == null ? "" : ": it did not accept client certificate "
                        + certificateFile + "; the certificate must be issued by a CA the server trusts and, for AWS "
                        + "IoT Core, be registered and ACTIVE");
            }
            if (text.contains("alert")) {
                return "the server at " + at + " refused the TLS handshake (" + text + ")"
                        + (certificateFile == null ? "" : ": it did not accept client certificate " + certificateFile
                        + "; the certificate must be issued by a CA the server trusts and, for AWS IoT Core, "
                        + "be registered and ACTIVE");
            }
            return "the TLS handshake with " + at + " failed: " + text;
        } catch (IOException e) {
            return null; // not a TLS problem (refused, unreachable): the CRT's own error says it
        }
    }

    private static void handshake(String host, int port, String alpn, KeyManager[] keys, TrustManager[] trust)
            throws IOException {
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up the JDK's TLS: " + e, e);
        }
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                if (!host.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == ':')) {
                    parameters.setServerNames(List.of(new SNIHostName(host)));
                }
                if (alpn != null) {
                    parameters.setApplicationProtocols(new String[] {alpn});
                }
                socket.setSSLParameters(parameters);
                socket.setSoTimeout(TIMEOUT_MILLIS);
                socket.startHandshake();
                // With TLS 1.3 the server checks the client certificate after the client thinks the
                // handshake is done; its verdict arrives as an alert on the first read. The wait is
                // the whole timeout: a busy server took over a second to send it, and a shorter wait
                // read its silence as acceptance and left the failure unexplained. A server that
                // accepts costs this wait once, on a thread of the probe's own.
                // A server that closes or resets the connection instead (seen with Mosquitto on a loaded
                // machine, the reset overtaking its alert) has refused us just the same.
                int first;
                try {
                    first = socket.getInputStream().read();
                } catch (SocketTimeoutException e) {
                    return; // silence: the server accepted us and waits for the MQTT CONNECT
                } catch (SSLException e) {
                    throw e;
                } catch (IOException e) {
                    throw new ClosedAfterHandshake(e.toString());
                }
                if (first < 0) {
                    throw new ClosedAfterHandshake("end of stream");
                }
            }
        }
    }

    /** The server closed or reset the connection after the handshake instead of waiting for MQTT. */
    private static final class ClosedAfterHandshake extends SSLException {
        private static final long serialVersionUID = 1L;

        ClosedAfterHandshake(String how) {
            super(how);
        }
    }

    private static String serverCertificate(String host, int port, String alpn) {
        X509Certificate[] seen = new X509Certificate[1];
        TrustManager[] trustAll = {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen[0] = chain[0];
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }};
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustAll, null);
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
                try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true)) {
                    if (alpn != null) {
                        SSLParameters parameters = socket.getSSLParameters();
                        parameters.setApplicationProtocols(new String[] {alpn});
                        socket.setSSLParameters(parameters);
                    }
                    socket.setSoTimeout(TIMEOUT_MILLIS);
                    socket.startHandshake();
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            // the server may refuse us for want of a client certificate after it showed its own
        }
        X509Certificate c = seen[0];
        return c == null ? "" : " (subject '" + c.getSubjectX500Principal().getName() + "', issuer '"
                + c.getIssuerX500Principal().getName() + "', valid until " + c.getNotAfter().toInstant() + ")";
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
