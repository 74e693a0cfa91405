package dev.edgeflow.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.edgeflow.aws.DeviceConfig;
import dev.edgeflow.testkit.aws.IotServicesEmulator;
import dev.edgeflow.testkit.aws.ProvisioningAuthority;
import dev.edgeflow.testkit.mqtt.EmbeddedMqttBroker;
import dev.edgeflow.testkit.mqtt.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code edgeflow aws register} against WireMock standing in for the AWS IoT control plane (as
 * the examples' AwsRegisterThingIT does), and {@code edgeflow aws provision} against a local TLS
 * broker that requires client certificates, with the emulated fleet provisioning service.
 */
class AwsCommandsIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String THING = "RaspberryPi-001";
    private static final String POLICY = THING + "-policy";
    private static final String ENDPOINT = "abc123-ats.iot.eu-west-1.amazonaws.com";
    private static final String CERT_ID = "4f2a9c";
    private static final String CERT_ARN = "arn:aws:iot:eu-west-1:123456789012:cert/" + CERT_ID;
    /** The fake does not check signatures; the SDK's default chain reads these from the environment. */
    private static final Map<String, String> CREDENTIALS = Map.of("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY", "secret");

    @TempDir
    Path dir;

    private WireMockServer aws;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (aws != null) {
            aws.stop();
        }
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void startFreshAccount() {
        aws = new WireMockServer(options().dynamicPort());
        aws.start();
        aws.stubFor(get(urlPathEqualTo("/endpoint")).withQueryParam("endpointType", equalTo("iot:Data-ATS"))
                .willReturn(okJson(json(Map.of("endpointAddress", ENDPOINT)))));
        aws.stubFor(post(urlPathEqualTo("/keys-and-certificate")).withQueryParam("setAsActive", equalTo("true"))
                .willReturn(okJson(json(Map.of("certificateArn", CERT_ARN, "certificateId", CERT_ID,
                        "certificatePem", "-----BEGIN CERTIFICATE-----\nMIIcert\n-----END CERTIFICATE-----\n",
                        "keyPair", Map.of(
                                "PublicKey", "-----BEGIN PUBLIC KEY-----\nMIIpub\n-----END PUBLIC KEY-----\n",
                                "PrivateKey",
                                "-----BEGIN RSA PRIVATE KEY-----\nMIIkey\n-----END RSA PRIVATE KEY-----\n"))))));
        aws.stubFor(post(urlPathEqualTo("/policies/" + POLICY))
                .willReturn(okJson(json(Map.of("policyName", POLICY,
                        "policyArn", "arn:aws:iot:eu-west-1:123456789012:policy/" + POLICY,
                        "policyDocument", "{}", "policyVersionId", "1")))));
        aws.stubFor(put(urlPathEqualTo("/target-policies/" + POLICY)).willReturn(aResponse().withStatus(200)));
        aws.stubFor(post(urlPathEqualTo("/things/" + THING))
                .willReturn(okJson(json(Map.of("thingName", THING,
                        "thingArn", "arn:aws:iot:eu-west-1:123456789012:thing/" + THING, "thingId", "t-1")))));
        aws.stubFor(put(urlPathEqualTo("/things/" + THING + "/principals")).willReturn(okJson("{}")));
    }

    private CliProcess register() {
        CliProcess p = CliProcess.start(CREDENTIALS, "aws", "register", "--thing", THING, "--out", dir.toString(),
                "--region", "eu-west-1", "--endpoint-override", aws.baseUrl());
        p.exitCode(java.time.Duration.ofSeconds(120));
        return p;
    }

    @Test
    void registerPrintsOneLinePerStepAndWritesTheConfig() {
        startFreshAccount();

        CliProcess p = register();

        assertThat(p.exitValue()).as(p.describe()).isZero();
        assertThat(p.out()).contains("Registering thing " + THING + " into " + dir)
                .contains("[done]    ENDPOINT               " + ENDPOINT)
                .contains("[created] CERTIFICATE            certificate " + CERT_ID)
                .contains("[created] CONFIG").contains("[created] POLICY").contains("[done]    ATTACH_POLICY")
                .contains("[created] THING").contains("[done]    ATTACH_THING_PRINCIPAL")
                .contains("Config: " + dir.resolve("edgeflow-aws.json"))
                .doesNotContain("PRIVATE KEY");
        DeviceConfig config = DeviceConfig.load(dir.resolve("edgeflow-aws.json"));
        assertThat(config.endpoint()).isEqualTo(ENDPOINT);
        assertThat(config.thingName()).isEqualTo(THING);
    }

    @Test
    void aRunAgainReusesTheCertificate() {
        startFreshAccount();
        assertThat(register().exitValue()).isZero();
        aws.stubFor(get(urlPathEqualTo("/certificates/" + CERT_ID)).willReturn(okJson(json(Map.of(
                "certificateDescription", Map.of("certificateId", CERT_ID, "certificateArn", CERT_ARN,
                        "status", "ACTIVE"))))));

        CliProcess p = register();

        assertThat(p.exitValue()).as(p.describe()).isZero();
        assertThat(p.out()).contains("[reused]  CERTIFICATE");
    }

    @Test
    void aMissingPermissionMarksTheFailedStepWithItsFixAndTheStepsNotRun() {
        startFreshAccount();
        aws.stubFor(post(urlPathEqualTo("/keys-and-certificate")).willReturn(aResponse().withStatus(403)
                .withHeader("x-amzn-ErrorType", "AccessDeniedException")
                .withHeader("Content-Type", "application/json")
                .withBody("{\"message\":\"Access denied\"}")));

        CliProcess p = register();

        assertThat(p.exitValue()).as(p.describe()).isEqualTo(ExitCodes.FAILURE);
        assertThat(p.out()).contains("[done]    ENDPOINT               " + ENDPOINT)
                .doesNotContain("completed before the failure")
                .contains("[FAILED]  CERTIFICATE").contains("Allow the IAM action iot:CreateKeysAndCertificate")
                .contains("[not run] CONFIG").contains("[not run] ATTACH_THING_PRINCIPAL");
        assertThat(p.err()).contains("CERTIFICATE failed; every step is idempotent");
        assertThat(dir.resolve("device.private.key")).doesNotExist();
    }

    /** A local IoT Core: TLS with client certificates required, and the emulated identity service. */
    private Path claimConfig() throws Exception {
        TestCertificates certificates = TestCertificates.generate(dir.resolve("stand-in"));
        ProvisioningAuthority authority = ProvisioningAuthority.create().trustedBy(certificates.caCertificate());
        EmbeddedMqttBroker broker = EmbeddedMqttBroker.builder().tls(certificates, true).start();
        closeAfter.add(broker);
        IotServicesEmulator services = IotServicesEmulator.start(broker.host(), broker.port(), authority);
        closeAfter.add(services);
        services.acceptTemplate("edgeflow-fleet", "RaspberryPi-", "SerialNumber");
        Path claim = dir.resolve("claim.json");
        DeviceConfig.builder().endpoint("localhost").port(broker.tlsPort()).thingName("claim")
                .certificateFile(certificates.clientCertificate()).privateKeyFile(certificates.clientKeyPkcs1())
                .rootCaFile(certificates.caCertificate()).build().write(claim);
        return claim;
    }

    @Test
    void provisionWritesTheCredentialsOwnerOnlyAndProvesThemWithAPublish() throws Exception {
        Path claim = claimConfig();
        Path out = dir.resolve("provisioned");

        CliProcess p = CliProcess.start("aws", "provision", "--config", claim.toString(), "--template",
                "edgeflow-fleet", "--serial", "0042", "--out", out.toString());
        int code = p.exitCode(java.time.Duration.ofSeconds(120));

        assertThat(code).as(p.describe()).isZero();
        assertThat(p.out()).contains("[done]    CONNECT_CLAIM          localhost:").contains("as claim-0042")
                .contains("[created] PROVISION              thing RaspberryPi-0042")
                .contains("(rw-------)")
                .contains("[created] CONFIG                 " + out.resolve("edgeflow-aws.json"))
                .contains("[done]    TEST_PUBLISH           connected as RaspberryPi-0042 with the new certificate")
                .doesNotContain("PRIVATE KEY");
        Path key = out.resolve("device.private.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        DeviceConfig config = DeviceConfig.load(out.resolve("edgeflow-aws.json"));
        assertThat(config.thingName()).isEqualTo("RaspberryPi-0042");
        assertThat(config.privateKeyFile()).isEqualTo(key);
    }

    @Test
    void anUnknownTemplateFailsAtProvisionWritingNothing() throws Exception {
        Path claim = claimConfig();
        Path out = dir.resolve("nothing");

        CliProcess p = CliProcess.start("aws", "provision", "--config", claim.toString(), "--template",
                "no-such-template", "--serial", "0043", "--out", out.toString());
        int code = p.exitCode(java.time.Duration.ofSeconds(120));

        assertThat(code).as(p.describe()).isEqualTo(ExitCodes.FAILURE);
        assertThat(p.out()).contains("[done]    CONNECT_CLAIM").contains("[FAILED]  PROVISION")
                .contains("no-such-template").contains("[not run] CONFIG").contains("[not run] TEST_PUBLISH");
        assertThat(out).doesNotExist();
    }
}
