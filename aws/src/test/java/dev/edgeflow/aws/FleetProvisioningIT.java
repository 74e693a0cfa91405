package dev.edgeflow.aws;

import static dev.edgeflow.aws.emulator.EmulatedIotCore.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.aws.emulator.EmulatedIotCore;
import dev.edgeflow.testkit.aws.IotServicesEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet provisioning by claim against the emulated identity service: the claim connection uses
 * the test client certificate; the certificates the service hands out are signed by a CA the
 * broker trusts, so that the provisioned credentials really connect.
 */
class FleetProvisioningIT {
    private static final String TEMPLATE = "edge-gateway";
    @RegisterExtension
    static final EmulatedIotCore iot = new EmulatedIotCore();
    @TempDir
    Path device;
    private AwsIotConnection claim;

    @BeforeEach
    void connectWithTheClaimCertificate() throws InterruptedException {
        iot.stopServices(); // fresh services per test: their counts and registrations start empty
        iot.startServices();
        cloud().acceptTemplate(TEMPLATE, "gateway-", "SerialNumber");
        claim = iot.connect("claim");
    }

    @AfterEach
    void disconnect() {
        claim.close();
    }

    private static IotServicesEmulator cloud() {
        return iot.services();
    }

    private static void assertConnects(RegisteredThing thing) throws InterruptedException {
        try (AwsIotConnection provisioned = iot.connection(thing.thingName(), thing.certificateFile().orElseThrow(),
                thing.privateKeyFile().orElseThrow()).build()) {
            provisioned.awaitReady(WAIT);
            assertThat(provisioned.isConnected()).isTrue();
        }
    }

    @Test
    void provisionsWithKeysFromTheServiceAndTheWrittenCredentialsConnect() throws Exception {
        RegisteredThing thing = FleetProvisioning.of(claim).provision(TEMPLATE, Map.of("SerialNumber", "0042"),
                device.resolve("credentials"));

        assertThat(thing.thingName()).isEqualTo("gateway-0042");
        assertThat(thing.deviceConfiguration()).containsEntry("template", TEMPLATE);
        assertThat(cloud().registeredThings()).containsEntry("gateway-0042", thing.certificateId().orElseThrow());
        Path key = thing.privateKeyFile().orElseThrow();
        assertThat(key).isEqualTo(device.resolve("credentials/device.private.key"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Files.readString(thing.certificateFile().orElseThrow())).startsWith("-----BEGIN CERTIFICATE-----");
        try (var files = Files.list(device.resolve("credentials"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("no temporary files left behind").containsExactlyInAnyOrder("device.cert.pem",
                            "device.private.key");
        }
        assertConnects(thing);
    }

    @Test
    void provisionsFromACsrSoThatThePrivateKeyNeverLeavesTheDevice() throws Exception {
        RegisteredThing thing = FleetProvisioning.of(claim).provisionWithCsr(TEMPLATE,
                Map.of("SerialNumber", "0043"), device);

        assertThat(thing.thingName()).isEqualTo("gateway-0043");
        assertThat(cloud().requestsOn("$aws/certificates/create-from-csr/json")).isEqualTo(1);
        assertThat(cloud().requestsOn("$aws/certificates/create/json")).as("the service made no key").isZero();
        Path key = thing.privateKeyFile().orElseThrow();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertConnects(thing);
    }

    @Test
    void aCertificateFromTheServiceKeepsItsKeyAndTokenOutOfToString() throws Exception {
        ProvisionedCertificate certificate = FleetProvisioning.of(claim).createKeysAndCertificate()
                .toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(certificate.privateKey()).get().asString().contains("PRIVATE KEY");
        assertThat(certificate.certificateId()).hasSize(64);
        assertThat(certificate.toString()).contains(certificate.certificateId())
                .doesNotContain(certificate.privateKey().get()).doesNotContain("PRIVATE")
                .doesNotContain(certificate.certificateOwnershipToken());
    }

    @Test
    void registrationWithAnUnknownTemplateFailsNamingTheTemplateTheCodeAndWhatToCheck() throws Exception {
        FleetProvisioning provisioning = FleetProvisioning.of(claim);
        ProvisionedCertificate certificate = provisioning.createKeysAndCertificate().toCompletableFuture()
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThatThrownBy(() -> provisioning.registerThing("no-such-template",
                certificate.certificateOwnershipToken(), Map.of("SerialNumber", "1")).toCompletableFuture()
                .get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ProvisioningException.class)
                .hasMessageContaining("RegisterThing with template 'no-such-template' was rejected")
                .hasMessageContaining("404").hasMessageContaining("ResourceNotFoundException")
                .hasMessageContaining("list-provisioning-templates")
                .satisfies(e -> {
                    ProvisioningException p = (ProvisioningException) e;
                    assertThat(p.statusCode()).isEqualTo(404);
                    assertThat(p.templateName()).hasValue("no-such-template");
                    assertThat(p.errorCode()).hasValue("ResourceNotFoundException");
                });
    }

    @Test
    void registrationWithATokenTheServiceNeverIssuedIsRejected() {
        assertThatThrownBy(() -> FleetProvisioning.of(claim).registerThing(TEMPLATE, "forged-token",
                Map.of("SerialNumber", "1")).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .cause().isInstanceOf(ProvisioningException.class)
                .hasMessageContaining("InvalidCertificateOwnershipToken")
                .hasMessageContaining("less than an hour ago");
        assertThat(cloud().registeredThings()).isEmpty();
    }

    @Test
    void nothingIsWrittenWhenTheRegistrationIsRejected() throws Exception {
        assertThatThrownBy(() -> FleetProvisioning.of(claim).provision("no-such-template",
                Map.of("SerialNumber", "7"), device.resolve("out")))
                .isInstanceOf(ProvisioningException.class).hasMessageContaining("no-such-template");
        assertThat(device.resolve("out")).doesNotExist();
    }

    @Test
    void timesOutWithWhatTheClaimPolicyMustAllowWhenNoServiceAnswers() {
        iot.stopServices();
        FleetProvisioning provisioning = FleetProvisioning.of(claim, Duration.ofMillis(500));

        assertThatThrownBy(() -> provisioning.provision(TEMPLATE, Map.of("SerialNumber", "9"), device))
                .isInstanceOf(ProvisioningException.class)
                .hasMessageContaining("CreateKeysAndCertificate got no answer within PT0.5S")
                .hasMessageContaining("$aws/certificates/create/json/accepted")
                .hasMessageContaining("$aws/certificates/create/*")
                .satisfies(e -> assertThat(((ProvisioningException) e).statusCode()).isZero());
    }
}
