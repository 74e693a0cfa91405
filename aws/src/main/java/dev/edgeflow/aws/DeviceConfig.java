package dev.edgeflow.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a device needs to connect to AWS IoT Core: the endpoint, the thing name and client id, and
 * the files of its X.509 certificate. {@link ThingRegistration} writes it; a connection loads it.
 *
 * <p>Stored as a JSON file ({@link #write(Path)}, {@link #load(Path)}) whose paths are relative to
 * the file's directory when the files lie inside it, so that the directory can be copied to the
 * device as a whole:
 *
 * <pre>{@code
 * {
 *   "endpoint" : "abc123-ats.iot.eu-west-1.amazonaws.com",
 *   "port" : 8883,
 *   "thingName" : "rpi-sensor-01",
 *   "clientId" : "rpi-sensor-01",
 *   "certificateFile" : "device.cert.pem",
 *   "privateKeyFile" : "device.private.key",
 *   "region" : "eu-west-1",
 *   "certificateId" : "4f2a...",
 *   "certificateArn" : "arn:aws:iot:eu-west-1:123456789012:cert/4f2a..."
 * }
 * }</pre>
 *
 * <p>The config holds no secret: the private key stays in its own file, which this class never
 * reads. Instances are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class DeviceConfig {
    /** The MQTT over TLS port of AWS IoT Core. */
    public static final int DEFAULT_PORT = 8883;

    private static final Logger LOG = LoggerFactory.getLogger(DeviceConfig.class);
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> FIELDS = List.of("endpoint", "port", "thingName", "clientId", "certificateFile",
            "privateKeyFile", "rootCaFile", "region", "certificateId", "certificateArn");

    private final String endpoint;
    private final int port;
    private final String thingName;
    private final String clientId;
    private final Path certificateFile;
    private final Path privateKeyFile;
    private final Path rootCaFile;
    private final String region;
    private final String certificateId;
    private final String certificateArn;

    private DeviceConfig(Builder b) {
        this.endpoint = b.endpoint;
        this.port = b.port;
        this.thingName = b.thingName;
        this.clientId = b.clientId == null ? b.thingName : b.clientId;
        this.certificateFile = b.certificateFile;
        this.privateKeyFile = b.privateKeyFile;
        this.rootCaFile = b.rootCaFile;
        this.region = b.region;
        this.certificateId = b.certificateId;
        this.certificateArn = b.certificateArn;
    }

    /**
     * Starts a config: port {@value #DEFAULT_PORT}, client id = thing name, the system trust store
     * as root CA.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a config written by {@link #write(Path)} (or by hand). Relative paths in the file are
     * resolved against the file's directory, not the working directory. Fields this version does not
     * know are ignored with a warning, so that a config written by a newer edgeflow still loads.
     * Blocks on file I/O.
     *
     * @param file the JSON file
     * @return the config, with absolute file paths when the file held relative ones
     * @throws IllegalArgumentException naming the file and, where one is at fault, the field: the
     *     file is missing or unreadable, is not a JSON object, lacks a required field
     *     ({@code endpoint}, {@code thingName}, {@code certificateFile}, {@code privateKeyFile}), or
     *     holds a field of the wrong type or value (a port that is not a number in 1..65535)
     */
    public static DeviceConfig load(Path file) {
        Objects.requireNonNull(file, "file");
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("device config " + file + " does not exist; run ThingRegistration"
                    + " to create it, or pass the path of an existing config", e);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
            throw new IllegalArgumentException("device config " + file + " is not JSON: " + e.getOriginalMessage()
                    + where + "; fix the file, or run ThingRegistration again to rewrite it", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("device config " + file + " cannot be read: " + e, e);
        }
        if (root == null || !root.isObject()) {
            String found = root == null || root.isMissingNode() ? "an empty file" : "a JSON " + typeOf(root);
            throw new IllegalArgumentException("device config " + file + " must hold a JSON object with the fields "
                    + FIELDS + ", not " + found);
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                LOG.warn("device config {}: ignoring unknown field '{}' (known fields: {})", file, name, FIELDS);
            }
        }
        Path dir = file.toAbsolutePath().getParent();
        Builder b = builder()
                .endpoint(requiredText(file, root, "endpoint"))
                .thingName(requiredText(file, root, "thingName"))
                .certificateFile(dir.resolve(requiredText(file, root, "certificateFile")).normalize())
                .privateKeyFile(dir.resolve(requiredText(file, root, "privateKeyFile")).normalize());
        JsonNode port = root.get("port");
        if (port != null && !port.isNull()) {
            if (!port.isInt()) {
                throw new IllegalArgumentException("device config " + file + ": field 'port' must be a whole number in"
                        + " 1..65535 (8883 for AWS IoT Core), not the " + typeOf(port) + " " + port);
            }
            b.port(port.intValue());
        }
        optionalText(file, root, "clientId").ifPresent(b::clientId);
        optionalText(file, root, "rootCaFile").ifPresent(p -> b.rootCaFile(dir.resolve(p).normalize()));
        optionalText(file, root, "region").ifPresent(b::region);
        optionalText(file, root, "certificateId").ifPresent(b::certificateId);
        optionalText(file, root, "certificateArn").ifPresent(b::certificateArn);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device config " + file + ": " + e.getMessage(), e);
        }
    }

    private static String requiredText(Path file, JsonNode root, String field) {
        return optionalText(file, root, field).orElseThrow(() -> new IllegalArgumentException("device config " + file
                + ": field '" + field + "' is missing; add it, or run ThingRegistration again to rewrite the file"));
    }

    private static Optional<String> optionalText(Path file, JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException("device config " + file + ": field '" + field
                    + "' must be a string, not the " + typeOf(node) + " " + node);
        }
        return Optional.of(node.textValue());
    }

    private static String typeOf(JsonNode node) {
        return node.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    /**
     * Writes this config as JSON, atomically: to a temporary file in the same directory that is then
     * moved over {@code file}, so that a device never reads half a config. Paths inside the file's
     * directory are written relative to it; others absolute. Creates the parent directories.
     * Blocks on file I/O.
     *
     * @param file where to write, e.g. {@code /etc/edgeflow/edgeflow-aws.json}
     * @throws UncheckedIOException naming the file if it cannot be written
     */
    public void write(Path file) {
        Objects.requireNonNull(file, "file");
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        ObjectNode root = MAPPER.createObjectNode();
        root.put("endpoint", endpoint);
        root.put("port", port);
        root.put("thingName", thingName);
        root.put("clientId", clientId);
        root.put("certificateFile", relativeTo(dir, certificateFile));
        root.put("privateKeyFile", relativeTo(dir, privateKeyFile));
        if (rootCaFile != null) {
            root.put("rootCaFile", relativeTo(dir, rootCaFile));
        }
        putIfPresent(root, "region", region);
        putIfPresent(root, "certificateId", certificateId);
        putIfPresent(root, "certificateArn", certificateArn);
        Path temp = null;
        try {
            Files.createDirectories(dir);
            temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            Files.writeString(temp, MAPPER.writeValueAsString(root) + System.lineSeparator(), StandardCharsets.UTF_8);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException("device config " + target + " cannot be written: " + e, e);
        }
        LOG.debug("wrote device config {}", target);
    }

    private static void putIfPresent(ObjectNode root, String field, String value) {
        if (value != null) {
            root.put(field, value);
        }
    }

    /** Relative paths use '/' so that a config written on one OS loads on another. */
    private static String relativeTo(Path dir, Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        if (!absolute.startsWith(dir)) {
            return absolute.toString();
        }
        StringJoiner joined = new StringJoiner("/");
        for (Path name : dir.relativize(absolute)) {
            joined.add(name.toString());
        }
        return joined.toString();
    }

    private static void deleteQuietly(Path temp) {
        if (temp == null) {
            return;
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            LOG.warn("could not delete temporary file {}: {}", temp, e.toString());
        }
    }

    /**
     * Returns the AWS IoT Core data endpoint host.
     *
     * @return e.g. {@code abc123-ats.iot.eu-west-1.amazonaws.com}
     */
    public String endpoint() {
        return endpoint;
    }

    /**
     * Returns the MQTT port.
     *
     * @return {@value #DEFAULT_PORT} unless set otherwise
     */
    public int port() {
        return port;
    }

    /**
     * Returns the thing name in AWS IoT Core's registry.
     *
     * @return the thing name
     */
    public String thingName() {
        return thingName;
    }

    /**
     * Returns the MQTT client id.
     *
     * @return the client id, the thing name unless set otherwise
     */
    public String clientId() {
        return clientId;
    }

    /**
     * Returns the device's certificate file (PEM).
     *
     * @return the path, absolute when loaded from a file
     */
    public Path certificateFile() {
        return certificateFile;
    }

    /**
     * Returns the device's private key file (PEM). The key itself is never read by this class.
     *
     * @return the path, absolute when loaded from a file
     */
    public Path privateKeyFile() {
        return privateKeyFile;
    }

    /**
     * Returns the root CA file that verifies the server.
     *
     * @return the file, or empty to use the JVM's and system's trust store
     */
    public Optional<Path> rootCaFile() {
        return Optional.ofNullable(rootCaFile);
    }

    /**
     * Returns the AWS region the thing is registered in.
     *
     * @return e.g. {@code eu-west-1}, or empty if unknown
     */
    public Optional<String> region() {
        return Optional.ofNullable(region);
    }

    /**
     * Returns the id of the device's certificate in AWS IoT Core.
     *
     * @return the certificate id, or empty if unknown
     */
    public Optional<String> certificateId() {
        return Optional.ofNullable(certificateId);
    }

    /**
     * Returns the ARN of the device's certificate in AWS IoT Core.
     *
     * @return the certificate ARN, or empty if unknown
     */
    public Optional<String> certificateArn() {
        return Optional.ofNullable(certificateArn);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DeviceConfig)) {
            return false;
        }
        DeviceConfig other = (DeviceConfig) o;
        return port == other.port && endpoint.equals(other.endpoint) && thingName.equals(other.thingName)
                && clientId.equals(other.clientId) && certificateFile.equals(other.certificateFile)
                && privateKeyFile.equals(other.privateKeyFile) && Objects.equals(rootCaFile, other.rootCaFile)
                && Objects.equals(region, other.region) && Objects.equals(certificateId, other.certificateId)
                && Objects.equals(certificateArn, other.certificateArn);
    }

    @Override
    public int hashCode() {
        return Objects.hash(endpoint, port, thingName, clientId, certificateFile, privateKeyFile, rootCaFile, region,
                certificateId, certificateArn);
    }

    /**
     * Describes the config: endpoint, ids and file paths. It holds no secret to leave out.
     *
     * @return e.g. {@code DeviceConfig{endpoint=abc-ats.iot.eu-west-1.amazonaws.com:8883, thingName=...}}
     */
    @Override
    public String toString() {
        return "DeviceConfig{endpoint=" + endpoint + ":" + port + ", thingName=" + thingName + ", clientId=" + clientId
                + ", certificateFile=" + certificateFile + ", privateKeyFile=" + privateKeyFile
                + ", rootCaFile=" + (rootCaFile == null ? "system trust store" : rootCaFile)
                + (region == null ? "" : ", region=" + region)
                + (certificateId == null ? "" : ", certificateId=" + certificateId) + "}";
    }

    /**
     * Builds a {@link DeviceConfig}. Not thread-safe; {@link #build()} may be called more than once.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String endpoint;
        private int port = DEFAULT_PORT;
        private String thingName;
        private String clientId;
        private Path certificateFile;
        private Path privateKeyFile;
        private Path rootCaFile;
        private String region;
        private String certificateId;
        private String certificateArn;

        private Builder() {
        }

        /**
         * Sets the data endpoint host (required), as {@code aws iot describe-endpoint --endpoint-type
         * iot:Data-ATS} prints it.
         *
         * @param endpoint e.g. {@code abc123-ats.iot.eu-west-1.amazonaws.com}
         * @return this builder
         */
        public Builder endpoint(String endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /**
         * Sets the port; default {@value DeviceConfig#DEFAULT_PORT}.
         *
         * @param port 1..65535; 443 for MQTT with ALPN where 8883 is blocked
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * Sets the thing name (required).
         *
         * @param thingName the thing's name in AWS IoT Core's registry
         * @return this builder
         */
        public Builder thingName(String thingName) {
            this.thingName = thingName;
            return this;
        }

        /**
         * Sets the MQTT client id; default the thing name, which AWS IoT Core's policies expect.
         *
         * @param clientId the client id, or {@code null} for the thing name
         * @return this builder
         */
        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        /**
         * Sets the certificate file (required).
         *
         * @param certificateFile the device's certificate, PEM
         * @return this builder
         */
        public Builder certificateFile(Path certificateFile) {
            this.certificateFile = certificateFile;
            return this;
        }

        /**
         * Sets the private key file (required).
         *
         * @param privateKeyFile the device's private key, PEM
         * @return this builder
         */
        public Builder privateKeyFile(Path privateKeyFile) {
            this.privateKeyFile = privateKeyFile;
            return this;
        }

        /**
         * Sets the root CA file; default none, which means the JVM's and system's trust store.
         *
         * @param rootCaFile e.g. {@code AmazonRootCA1.pem}, or {@code null}
         * @return this builder
         */
        public Builder rootCaFile(Path rootCaFile) {
            this.rootCaFile = rootCaFile;
            return this;
        }

        /**
         * Sets the AWS region; optional.
         *
         * @param region e.g. {@code eu-west-1}, or {@code null}
         * @return this builder
         */
        public Builder region(String region) {
            this.region = region;
            return this;
        }

        /**
         * Sets the certificate's id in AWS IoT Core; optional.
         *
         * @param certificateId the id, or {@code null}
         * @return this builder
         */
        public Builder certificateId(String certificateId) {
            this.certificateId = certificateId;
            return this;
        }

        /**
         * Sets the certificate's ARN in AWS IoT Core; optional.
         *
         * @param certificateArn the ARN, or {@code null}
         * @return this builder
         */
        public Builder certificateArn(String certificateArn) {
            this.certificateArn = certificateArn;
            return this;
        }

        /**
         * Checks the fields and builds the config.
         *
         * @return the config
         * @throws IllegalArgumentException naming the field: a blank endpoint or thing name, a missing
         *     certificate or key file, a blank client id, a port outside 1..65535
         */
        public DeviceConfig build() {
            if (isBlank(endpoint)) {
                throw new IllegalArgumentException("endpoint is " + describe(endpoint) + "; set it to the"
                        + " account's data endpoint, as 'aws iot describe-endpoint --endpoint-type iot:Data-ATS'"
                        + " prints it (e.g. abc123-ats.iot.eu-west-1.amazonaws.com)");
            }
            if (isBlank(thingName)) {
                throw new IllegalArgumentException("thingName is " + describe(thingName) + "; set it to the thing's"
                        + " name in AWS IoT Core's registry (e.g. rpi-sensor-01)");
            }
            if (clientId != null && clientId.isBlank()) {
                throw new IllegalArgumentException("clientId is blank; leave it unset to use the thing name '"
                        + thingName + "'");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is outside 1..65535; AWS IoT Core listens"
                        + " on 8883 (and on 443 with ALPN)");
            }
            if (certificateFile == null) {
                throw new IllegalArgumentException("certificateFile is not set; set it to the device's certificate"
                        + " (device.cert.pem, written by ThingRegistration)");
            }
            if (privateKeyFile == null) {
                throw new IllegalArgumentException("privateKeyFile is not set; set it to the device's private key"
                        + " (device.private.key, written by ThingRegistration)");
            }
            return new DeviceConfig(this);
        }

        private static boolean isBlank(String s) {
            return s == null || s.isBlank();
        }

        private static String describe(String s) {
            return s == null ? "not set" : "blank ('" + s + "')";
        }
    }
}
