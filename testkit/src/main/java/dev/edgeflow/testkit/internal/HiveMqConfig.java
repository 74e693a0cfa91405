package dev.edgeflow.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the {@code config.xml} of an embedded HiveMQ Community Edition broker for tests. */
public final class HiveMqConfig {
    private HiveMqConfig() {
    }

    /**
     * Queue and receive limits; zero keeps HiveMQ's default (1000 queued messages a client,
     * receive maximum 10).
     */
    public static final class Limits {
        /** No limits of our own: HiveMQ's defaults. */
        public static final Limits DEFAULTS = new Limits(0, 0);
        private final long maxQueuedMessages;
        private final int serverReceiveMaximum;

        /**
         * Describes the limits.
         *
         * @param maxQueuedMessages messages queued per client before HiveMQ discards, or 0
         * @param serverReceiveMaximum unacknowledged QoS 1/2 publishes a client may send, or 0
         */
        public Limits(long maxQueuedMessages, int serverReceiveMaximum) {
            this.maxQueuedMessages = maxQueuedMessages;
            this.serverReceiveMaximum = serverReceiveMaximum;
        }
    }

    /** The key store, trust store and client authentication of a TLS listener. */
    public static final class Tls {
        private final int port;
        private final Path keyStore;
        private final Path trustStore;
        private final String password;
        private final boolean requireClientCertificate;

        /**
         * Describes a TLS listener.
         *
         * @param port the port
         * @param keyStore the PKCS12 key store with the server key and chain
         * @param trustStore the PKCS12 trust store with the CA that signs client certificates
         * @param password the password of both stores and of the key
         * @param requireClientCertificate whether clients must present a certificate the trust store trusts
         */
        public Tls(int port, Path keyStore, Path trustStore, String password, boolean requireClientCertificate) {
            this.port = port;
            this.keyStore = keyStore;
            this.trustStore = trustStore;
            this.password = password;
            this.requireClientCertificate = requireClientCertificate;
        }
    }

    /**
     * Writes {@code config.xml}: a plain listener on the loopback address, a TLS listener if
     * asked for, persistence in memory and no anonymous usage statistics.
     *
     * @param folder the configuration folder
     * @param host the address to bind
     * @param port the plain listener's port
     * @param tls the TLS listener, or null for none
     * @param limits queue and receive limits
     * @return the file written
     */
    public static Path write(Path folder, String host, int port, Tls tls, Limits limits) {
        StringBuilder xml = new StringBuilder();
        xml.append("<?xml version=\"1.0\"?>\n<hivemq>\n  <listeners>\n")
                .append("    <tcp-listener>\n")
                .append("      <port>").append(port).append("</port>\n")
                .append("      <bind-address>").append(escape(host)).append("</bind-address>\n")
                .append("      <name>plain</name>\n")
                .append("    </tcp-listener>\n");
        if (tls != null) {
            xml.append("    <tls-tcp-listener>\n")
                    .append("      <port>").append(tls.port).append("</port>\n")
                    .append("      <bind-address>").append(escape(host)).append("</bind-address>\n")
                    .append("      <name>tls</name>\n")
                    .append("      <tls>\n")
                    .append("        <keystore>\n")
                    .append("          <path>").append(escape(tls.keyStore.toAbsolutePath().toString())).append("</path>\n")
                    .append("          <password>").append(escape(tls.password)).append("</password>\n")
                    .append("          <private-key-password>").append(escape(tls.password))
                    .append("</private-key-password>\n")
                    .append("        </keystore>\n")
                    .append("        <truststore>\n")
                    .append("          <path>").append(escape(tls.trustStore.toAbsolutePath().toString()))
                    .append("</path>\n")
                    .append("          <password>").append(escape(tls.password)).append("</password>\n")
                    .append("        </truststore>\n")
                    .append("        <client-authentication-mode>")
                    .append(tls.requireClientCertificate ? "REQUIRED" : "NONE")
                    .append("</client-authentication-mode>\n")
                    .append("      </tls>\n")
                    .append("    </tls-tcp-listener>\n");
        }
        xml.append("  </listeners>\n");
        if (limits.maxQueuedMessages > 0 || limits.serverReceiveMaximum > 0) {
            xml.append("  <mqtt>\n");
            if (limits.maxQueuedMessages > 0) {
                xml.append("    <queued-messages>\n      <max-queue-size>").append(limits.maxQueuedMessages)
                        .append("</max-queue-size>\n      <strategy>discard</strategy>\n    </queued-messages>\n");
            }
            if (limits.serverReceiveMaximum > 0) {
                xml.append("    <receive-maximum>\n      <server-receive-maximum>").append(limits.serverReceiveMaximum)
                        .append("</server-receive-maximum>\n    </receive-maximum>\n");
            }
            xml.append("  </mqtt>\n");
        }
        xml
                // Nothing of a test broker's state is worth a disk write, and a restart starts clean.
                .append("  <persistence>\n    <mode>in-memory</mode>\n  </persistence>\n")
                .append("  <anonymous-usage-statistics>\n    <enabled>false</enabled>\n  </anonymous-usage-statistics>\n")
                .append("</hivemq>\n");
        Path file = folder.resolve("config.xml");
        try {
            Files.createDirectories(folder);
            Files.writeString(file, xml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the HiveMQ configuration " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
