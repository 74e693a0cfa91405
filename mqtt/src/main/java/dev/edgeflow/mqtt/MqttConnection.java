package dev.edgeflow.mqtt;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * Where and how an {@link MqttSource} or {@link MqttSink} connects: broker address, client id,
 * credentials, TLS, protocol version, keep-alive, reconnect backoff and session. Immutable; the
 * password never appears in {@link #toString()} or in logs.
 *
 * <p>Sessions: with a {@linkplain Builder#clientId(String) client id} of your own the session is
 * persistent by default (clean start off, session expiry one hour), so QoS 1 and 2 messages
 * the broker queued while the client was away arrive when it returns. Without one, a random id
 * is made and the session is clean, since no later run could resume it.
 *
 * <pre>{@code
 * MqttConnection local = MqttConnection.builder()
 *         .serverUri("mqtt://localhost:1883")
 *         .clientId("gateway-1")
 *         .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class MqttConnection {
    /** The default port without TLS. */
    public static final int DEFAULT_PORT = 1883;
    /** The default port with TLS. */
    public static final int DEFAULT_TLS_PORT = 8883;
    /** The session expiry used when a client id is given and no expiry is set. */
    public static final Duration DEFAULT_SESSION_EXPIRY = Duration.ofHours(1);

    private final String host;
    private final int port;
    private final MqttTls tls;
    private final String clientId;
    private final boolean clientIdGenerated;
    private final String username;
    private final String password;
    private final MqttVersion version;
    private final Duration keepAlive;
    private final boolean reconnect;
    private final Duration reconnectInitialDelay;
    private final Duration reconnectMaxDelay;
    private final boolean cleanStart;
    private final Duration sessionExpiry;
    private final Duration connectTimeout;

    private MqttConnection(Builder b) {
        if (b.host == null) {
            throw new IllegalArgumentException("MQTT connection has no broker: set serverUri(\"mqtt://host:1883\") "
                    + "or host(\"...\")");
        }
        this.host = b.host;
        this.tls = b.tls;
        this.port = b.port > 0 ? b.port : (b.tls != null ? DEFAULT_TLS_PORT : DEFAULT_PORT);
        this.clientIdGenerated = b.clientId == null;
        this.clientId = clientIdGenerated ? "edgeflow-" + UUID.randomUUID().toString().substring(0, 13) : b.clientId;
        this.username = b.username;
        this.password = b.password;
        if (password != null && username == null && b.version == MqttVersion.MQTT_3_1_1) {
            throw new IllegalArgumentException("MQTT 3.1.1 allows a password only with a username: set username(...)");
        }
        this.version = b.version;
        this.keepAlive = b.keepAlive;
        this.reconnect = b.reconnect;
        this.reconnectInitialDelay = b.reconnectInitialDelay;
        this.reconnectMaxDelay = b.reconnectMaxDelay;
        if (reconnectMaxDelay.compareTo(reconnectInitialDelay) < 0) {
            throw new IllegalArgumentException("reconnect max delay " + reconnectMaxDelay
                    + " is shorter than its initial delay " + reconnectInitialDelay);
        }
        this.cleanStart = b.cleanStart != null ? b.cleanStart : clientIdGenerated;
        this.sessionExpiry = b.sessionExpiry != null ? b.sessionExpiry
                : (cleanStart && clientIdGenerated ? Duration.ZERO : DEFAULT_SESSION_EXPIRY);
        this.connectTimeout = b.connectTimeout;
    }

    /** A copy that speaks another protocol version, for a source that must fall back. */
    MqttConnection withVersion(MqttVersion otherVersion) {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.tls = tls;
        b.clientId = clientId;
        b.username = username;
        b.password = password;
        b.version = otherVersion;
        b.keepAlive = keepAlive;
        b.reconnect = reconnect;
        b.reconnectInitialDelay = reconnectInitialDelay;
        b.reconnectMaxDelay = reconnectMaxDelay;
        b.cleanStart = cleanStart;
        b.sessionExpiry = sessionExpiry;
        b.connectTimeout = connectTimeout;
        MqttConnection copy = new MqttConnection(b);
        return copy;
    }

    /**
     * Starts a connection: no broker yet, MQTT 5, keep-alive 30 s, reconnect with backoff from
     * 1 s to 2 min, connect timeout 10 s.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a connection to a broker given as a URI, with every other setting at its default.
     *
     * @param serverUri {@code mqtt://host:port} or {@code mqtts://host:port}, optionally with
     *     {@code user:password@}
     * @return the connection
     * @throws IllegalArgumentException if the URI is not such a URI
     */
    public static MqttConnection of(String serverUri) {
        return builder().serverUri(serverUri).build();
    }

    /**
     * Returns the broker's host.
     *
     * @return the host name or address
     */
    public String host() {
        return host;
    }

    /**
     * Returns the broker's port.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns the TLS settings.
     *
     * @return the settings, or {@code null} for a plain connection
     */
    public MqttTls tls() {
        return tls;
    }

    /**
     * Returns the client id.
     *
     * @return the id given, or the random one made for this connection
     */
    public String clientId() {
        return clientId;
    }

    /**
     * Tells whether the client id was made up because none was given.
     *
     * @return {@code true} for a random client id
     */
    public boolean clientIdGenerated() {
        return clientIdGenerated;
    }

    /**
     * Returns the user name.
     *
     * @return the user name, or {@code null}
     */
    public String username() {
        return username;
    }

    /**
     * Tells whether a password is set; the password itself is not readable from here.
     *
     * @return {@code true} if a password is set
     */
    public boolean hasPassword() {
        return password != null;
    }

    String password() {
        return password;
    }

    /**
     * Returns the protocol version.
     *
     * @return the version
     */
    public MqttVersion version() {
        return version;
    }

    /**
     * Returns the keep-alive interval.
     *
     * @return the interval; zero switches keep-alive off
     */
    public Duration keepAlive() {
        return keepAlive;
    }

    /**
     * Tells whether a lost connection is re-established automatically.
     *
     * @return {@code true} by default
     */
    public boolean reconnect() {
        return reconnect;
    }

    /**
     * Returns the first reconnect delay; each further attempt doubles it, up to
     * {@link #reconnectMaxDelay()}.
     *
     * @return the delay
     */
    public Duration reconnectInitialDelay() {
        return reconnectInitialDelay;
    }

    /**
     * Returns the longest reconnect delay.
     *
     * @return the delay
     */
    public Duration reconnectMaxDelay() {
        return reconnectMaxDelay;
    }

    /**
     * Tells whether the session starts clean (MQTT 3.1.1: clean session).
     *
     * @return {@code true} if the broker discards what it kept for this client id
     */
    public boolean cleanStart() {
        return cleanStart;
    }

    /**
     * Returns how long the broker keeps the session after a disconnect (MQTT 5).
     *
     * @return the expiry; zero ends the session with the connection
     */
    public Duration sessionExpiry() {
        return sessionExpiry;
    }

    /**
     * Returns how long the TCP connect and the MQTT CONNECT/CONNACK may take each.
     *
     * @return the timeout
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * Returns the broker as a URI, without credentials.
     *
     * @return {@code mqtt://host:port} or {@code mqtts://host:port}
     */
    public String serverUri() {
        return (tls == null ? "mqtt://" : "mqtts://") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return "MqttConnection[" + serverUri() + ", clientId=" + clientId
                + (username == null ? "" : ", username=" + username)
                + (password == null ? "" : ", password=****")
                + ", " + version + ", keepAlive=" + keepAlive.toSeconds() + "s"
                + ", cleanStart=" + cleanStart + ", sessionExpiry=" + sessionExpiry.toSeconds() + "s"
                + ", reconnect=" + (reconnect ? reconnectInitialDelay.toMillis() + ".." + reconnectMaxDelay.toMillis() + "ms" : "off")
                + (tls == null ? "" : ", " + tls) + "]";
    }

    /**
     * Builds an {@link MqttConnection}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String host;
        private int port;
        private MqttTls tls;
        private String clientId;
        private String username;
        private String password;
        private MqttVersion version = MqttVersion.MQTT_5;
        private Duration keepAlive = Duration.ofSeconds(30);
        private boolean reconnect = true;
        private Duration reconnectInitialDelay = Duration.ofSeconds(1);
        private Duration reconnectMaxDelay = Duration.ofMinutes(2);
        private Boolean cleanStart;
        private Duration sessionExpiry;
        private Duration connectTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        /**
         * Sets the broker from a URI: {@code mqtt://host[:1883]} for plain TCP or
         * {@code mqtts://host[:8883]} for TLS with the JVM's CAs (replace them with
         * {@link #tls(MqttTls)} after this call). User info sets user name and password.
         *
         * @param serverUri the URI
         * @return this builder
         * @throws IllegalArgumentException if it is not such a URI
         */
        public Builder serverUri(String serverUri) {
            Objects.requireNonNull(serverUri, "serverUri");
            URI uri;
            try {
                uri = new URI(serverUri);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("MQTT server URI '" + serverUri + "' is not a URI: " + e.getReason()
                        + "; write it as mqtt://host:1883 or mqtts://host:8883", e);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("mqtt") && !scheme.equals("mqtts") && !scheme.equals("tcp") && !scheme.equals("ssl")) {
                throw new IllegalArgumentException("MQTT server URI '" + serverUri + "' has scheme '" + scheme
                        + "': use mqtt://host:1883 (plain) or mqtts://host:8883 (TLS)");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("MQTT server URI '" + serverUri + "' names no host: write it as "
                        + scheme + "://host:port");
            }
            host(uri.getHost());
            port = uri.getPort() > 0 ? uri.getPort() : 0;
            if ((scheme.equals("mqtts") || scheme.equals("ssl")) && tls == null) {
                tls = MqttTls.systemDefault();
            }
            if (uri.getRawUserInfo() != null) {
                String info = uri.getRawUserInfo();
                int colon = info.indexOf(':');
                username = URLDecoder.decode(colon < 0 ? info : info.substring(0, colon), StandardCharsets.UTF_8);
                if (colon >= 0) {
                    password = URLDecoder.decode(info.substring(colon + 1), StandardCharsets.UTF_8);
                }
            }
            return this;
        }

        /**
         * Sets the broker's host.
         *
         * @param host a host name or address
         * @return this builder
         */
        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("MQTT host must not be empty");
            }
            this.host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return this;
        }

        /**
         * Sets the broker's port.
         *
         * @param port 1 to 65535; default 1883, or 8883 with TLS
         * @return this builder
         */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("MQTT port " + port + " is out of range 1..65535");
            }
            this.port = port;
            return this;
        }

        /**
         * Connects with TLS.
         *
         * @param tls the settings, or {@code null} for plain TCP
         * @return this builder
         */
        public Builder tls(MqttTls tls) {
            this.tls = tls;
            return this;
        }

        /**
         * Sets the client id. A persistent session belongs to a client id, so give one that is
         * stable across restarts and unique per broker.
         *
         * @param clientId 1 to 65535 UTF-8 bytes
         * @return this builder
         */
        public Builder clientId(String clientId) {
            if (clientId == null || clientId.isEmpty()) {
                throw new IllegalArgumentException("MQTT client id must not be empty: leave it unset for a random id");
            }
            if (clientId.getBytes(StandardCharsets.UTF_8).length > 65535) {
                throw new IllegalArgumentException("MQTT client id is longer than 65535 bytes");
            }
            this.clientId = clientId;
            return this;
        }

        /**
         * Authenticates with a user name and password.
         *
         * @param username the user name
         * @param password the password, or {@code null} for none
         * @return this builder
         */
        public Builder credentials(String username, String password) {
            this.username = Objects.requireNonNull(username, "username");
            this.password = password;
            return this;
        }

        /**
         * Sets the protocol version.
         *
         * @param version default {@link MqttVersion#MQTT_5}
         * @return this builder
         */
        public Builder version(MqttVersion version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /**
         * Sets the keep-alive interval.
         *
         * @param keepAlive 0 (off) to 65535 seconds; default 30 seconds
         * @return this builder
         */
        public Builder keepAlive(Duration keepAlive) {
            if (keepAlive == null || keepAlive.isNegative() || keepAlive.toSeconds() > 65535) {
                throw new IllegalArgumentException("keepAlive must be 0 to 65535 seconds, was " + keepAlive);
            }
            this.keepAlive = keepAlive;
            return this;
        }

        /**
         * Reconnects automatically after a lost connection, waiting {@code initialDelay}, then
         * doubling with jitter up to {@code maxDelay}. Refused credentials and failed certificate
         * checks are not retried: they need a fix, not time.
         *
         * @param initialDelay positive; default 1 second
         * @param maxDelay at least {@code initialDelay}; default 2 minutes
         * @return this builder
         */
        public Builder reconnect(Duration initialDelay, Duration maxDelay) {
            if (initialDelay == null || initialDelay.isNegative() || initialDelay.isZero()) {
                throw new IllegalArgumentException("reconnect initial delay must be positive, was " + initialDelay);
            }
            if (maxDelay == null || maxDelay.compareTo(initialDelay) < 0) {
                throw new IllegalArgumentException("reconnect max delay " + maxDelay
                        + " must be at least the initial delay " + initialDelay);
            }
            this.reconnect = true;
            this.reconnectInitialDelay = initialDelay;
            this.reconnectMaxDelay = maxDelay;
            return this;
        }

        /**
         * Switches automatic reconnect off: a lost connection then fails the source or sink.
         *
         * @return this builder
         */
        public Builder noReconnect() {
            this.reconnect = false;
            return this;
        }

        /**
         * Sets whether the session starts clean.
         *
         * @param cleanStart default {@code false} with a client id of your own, {@code true}
         *     without one
         * @return this builder
         */
        public Builder cleanStart(boolean cleanStart) {
            this.cleanStart = cleanStart;
            return this;
        }

        /**
         * Sets how long the broker keeps the session after a disconnect (MQTT 5; MQTT 3.1.1
         * brokers decide this themselves).
         *
         * @param expiry 0 to 4294967295 seconds (that maximum means never); default one hour with
         *     a client id of your own
         * @return this builder
         */
        public Builder sessionExpiry(Duration expiry) {
            if (expiry == null || expiry.isNegative() || expiry.toSeconds() > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("sessionExpiry must be 0 to 4294967295 seconds, was " + expiry);
            }
            this.sessionExpiry = expiry;
            return this;
        }

        /**
         * Sets how long the TCP connect and the CONNECT/CONNACK exchange may take.
         *
         * @param timeout positive; default 10 seconds
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, was " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Returns the connection settings.
         *
         * @return the settings
         * @throws IllegalArgumentException if no broker was set
         */
        public MqttConnection build() {
            return new MqttConnection(this);
        }
    }
}
