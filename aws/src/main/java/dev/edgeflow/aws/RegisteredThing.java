package dev.edgeflow.aws;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A thing that fleet provisioning registered: its name, the device configuration its template
 * returns, and, when {@link FleetProvisioning#provision(String, Map, Path)} made it, the
 * certificate and private key files written for it.
 *
 * @since 0.1.0
 */
public final class RegisteredThing {
    private final String thingName;
    private final Map<String, String> deviceConfiguration;
    private final String certificateId;
    private final Path certificateFile;
    private final Path privateKeyFile;

    RegisteredThing(String thingName, Map<String, String> deviceConfiguration, String certificateId,
            Path certificateFile, Path privateKeyFile) {
        this.thingName = Objects.requireNonNull(thingName, "thingName");
        this.deviceConfiguration = Map.copyOf(deviceConfiguration);
        this.certificateId = certificateId;
        this.certificateFile = certificateFile;
        this.privateKeyFile = privateKeyFile;
    }

    RegisteredThing withFiles(String id, Path certificate, Path key) {
        return new RegisteredThing(thingName, deviceConfiguration, id, certificate, key);
    }

    /**
     * Returns the name the template gave the thing; connect with it as client id.
     *
     * @return the thing name
     */
    public String thingName() {
        return thingName;
    }

    /**
     * Returns the template's {@code DeviceConfiguration} section, such as a fallback endpoint.
     *
     * @return an unmodifiable map; empty if the template has none
     */
    public Map<String, String> deviceConfiguration() {
        return deviceConfiguration;
    }

    /**
     * Returns the id of the certificate the thing was registered with.
     *
     * @return the id, or empty when the thing came from {@link FleetProvisioning#registerThing}
     *     alone
     */
    public Optional<String> certificateId() {
        return Optional.ofNullable(certificateId);
    }

    /**
     * Returns the certificate file that {@link FleetProvisioning#provision} wrote.
     *
     * @return {@code <directory>/device.cert.pem}, or empty when no files were written
     */
    public Optional<Path> certificateFile() {
        return Optional.ofNullable(certificateFile);
    }

    /**
     * Returns the private key file that {@link FleetProvisioning#provision} wrote, readable by its
     * owner only (mode 0600).
     *
     * @return {@code <directory>/device.private.key}, or empty when no files were written
     */
    public Optional<Path> privateKeyFile() {
        return Optional.ofNullable(privateKeyFile);
    }

    @Override
    public String toString() {
        return "RegisteredThing{thingName=" + thingName + ", deviceConfiguration=" + deviceConfiguration
                + (certificateId == null ? "" : ", certificateId=" + certificateId)
                + (certificateFile == null ? "" : ", certificateFile=" + certificateFile + ", privateKeyFile="
                + privateKeyFile) + "}";
    }
}
