package dev.edgeflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.aws.DeviceConfig;
import dev.edgeflow.aws.RegisteredThing;
import dev.edgeflow.core.Message;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet provisioning by claim with the example's one command: the local stand-in's emulated
 * identity service issues a certificate its broker trusts, and the device proves it by
 * connecting with it and publishing a reading that reaches the cloud.
 */
class AwsFleetProvisioningIT {
    @TempDir
    Path dir;

    private static PrintStream printing(ByteArrayOutputStream to) {
        return new PrintStream(to, true, StandardCharsets.UTF_8);
    }

    @Test
    void provisionsTheThingWritesItsCredentialsOwnerOnlyAndTheNewCertificatePublishes() throws Exception {
        Path out = dir.resolve("provisioned");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        AwsFleetProvisioning.Result r = AwsFleetProvisioning.run(new String[] {"--serial", "0042", "--out",
            out.toString()}, printing(printed));

        RegisteredThing thing = r.thing();
        assertThat(thing.thingName()).isEqualTo("RaspberryPi-0042");
        Path key = thing.privateKeyFile().orElseThrow();
        Path certificate = thing.certificateFile().orElseThrow();
        assertThat(key).isEqualTo(out.resolve("device.private.key"));
        assertThat(certificate).isEqualTo(out.resolve("device.cert.pem"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Files.readString(certificate)).startsWith("-----BEGIN CERTIFICATE-----");
        DeviceConfig config = DeviceConfig.load(r.config());
        assertThat(config.thingName()).isEqualTo("RaspberryPi-0042");
        assertThat(config.clientId()).isEqualTo("RaspberryPi-0042");
        assertThat(config.certificateFile()).isEqualTo(certificate);
        assertThat(config.privateKeyFile()).isEqualTo(key);
        assertThat(r.cloudReceived()).hasSize(1);
        Message atCloud = r.cloudReceived().get(0);
        assertThat(atCloud.topic()).isEqualTo("sensor/RaspberryPi-0042/data");
        assertThat(atCloud.payloadAsJson().path("device_id").asText()).isEqualTo("RaspberryPi-0042");
        String text = printed.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("Connecting with the claim certificate: localhost:")
                .contains("as claim-0042")
                .contains("Registered thing RaspberryPi-0042 with certificate " + thing.certificateId().orElseThrow())
                .contains("private key: " + key + " (rw-------)")
                .contains("Connecting with the new certificate as RaspberryPi-0042")
                .contains("Published: sensor/RaspberryPi-0042/data = ")
                .contains("[cloud] received sensor/RaspberryPi-0042/data: ");
        assertThat(text).as("the service's answers, with the private key, are not printed")
                .doesNotContain("PRIVATE KEY").doesNotContain("$aws/");
    }

    @Test
    void withCsrTheKeyIsMadeOnTheDeviceAndTheNewCertificatePublishes() throws Exception {
        Path out = dir.resolve("csr");

        AwsFleetProvisioning.Result r = AwsFleetProvisioning.run(new String[] {"--csr", "--serial", "0043",
            "--out", out.toString()}, printing(new ByteArrayOutputStream()));

        assertThat(r.thing().thingName()).isEqualTo("RaspberryPi-0043");
        Path key = r.thing().privateKeyFile().orElseThrow();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).as("PKCS#8, made here: the service made no key")
                .startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(r.cloudReceived()).hasSize(1).allSatisfy(m -> assertThat(m.topic())
                .isEqualTo("sensor/RaspberryPi-0043/data"));
    }

    @Test
    void anUnknownTemplateEndsWithExitCode1AndAMessageNamingTheTemplateAndWhatToCheck() {
        Path out = dir.resolve("nothing");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();

        int exit = AwsFleetProvisioning.execute(new String[] {"--template", "no-such-template", "--out",
            out.toString()}, printing(printed), printing(errors));

        assertThat(exit).isEqualTo(1);
        assertThat(errors.toString(StandardCharsets.UTF_8))
                .startsWith("AwsFleetProvisioning: RegisterThing with template 'no-such-template' was rejected")
                .contains("404").contains("ResourceNotFoundException").contains("list-provisioning-templates");
        assertThat(out).as("nothing is written when the registration fails").doesNotExist();
        assertThat(printed.toString(StandardCharsets.UTF_8)).doesNotContain("Registered thing");
    }

    @Test
    void anUnknownArgumentEndsWithExitCode2AndTheUsage() {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();

        int exit = AwsFleetProvisioning.execute(new String[] {"--serial-number", "1"},
                printing(new ByteArrayOutputStream()), printing(errors));

        assertThat(exit).isEqualTo(2);
        assertThat(errors.toString(StandardCharsets.UTF_8)).contains("unknown argument '--serial-number'")
                .contains("usage: AwsFleetProvisioning");
    }
}
