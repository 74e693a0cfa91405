package dev.edgeflow.examples;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.edgeflow.aws.DeviceConfig;
import dev.edgeflow.aws.RegistrationException;
import dev.edgeflow.aws.RegistrationReport;
import dev.edgeflow.aws.RegistrationReport.Outcome;
import dev.edgeflow.aws.RegistrationReport.Step;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tutorial's device registration (sections 2.1 and 2.2) as the program runs it, against WireMock
 * standing in for the AWS IoT control plane's REST API, reached through {@code --endpoint-override}.
 */
class AwsRegisterThingIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String THING = "RaspberryPi-001";
    private static final String POLICY = THING + "-policy";
    private static final String ENDPOINT = "abc123-ats.iot.eu-west-1.amazonaws.com";
    private static final String CERT_ID = "4f2a9c";
    private static final String CERT_ARN = "arn:aws:iot:eu-west-1:123456789012:cert/" + CERT_ID;

    @TempDir
    Path dir;

    private WireMockServer aws;

    @BeforeEach
    void startFakeAws() {
        aws = new WireMockServer(options().dynamicPort());
        aws.start();
        // The AWS SDK's default credentials chain reads these first; the fake does not check signatures.
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "secret");
    }

    @AfterEach
    void stopFakeAws() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        aws.stop();
    }

    private String[] args(String... more) {
        String[] base = {"--thing", THING, "--out", dir.toString(), "--region", "eu-west-1",
            "--root-ca", dir.resolve("AmazonRootCA1.pem").toString(), "--endpoint-override", aws.baseUrl()};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    /** A fresh account: nothing exists, every call succeeds. */
    private void stubFreshAccount() {
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

    private static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode sentPolicyDocument() throws IOException {
        String body = aws.findAll(postRequestedFor(urlPathEqualTo("/policies/" + POLICY))).get(0).getBodyAsString();
        return MAPPER.readTree(MAPPER.readTree(body).get("policyDocument").asText());
    }

    @Test
    void registersTheThingPrintsEveryStepAndTheNextCommand() throws IOException {
        stubFreshAccount();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        RegistrationReport report = AwsRegisterThing.run(args(), new PrintStream(printed, true,
                StandardCharsets.UTF_8));

        assertThat(report.steps()).extracting(Step::outcome).containsExactly(Outcome.DONE, Outcome.CREATED,
                Outcome.CREATED, Outcome.CREATED, Outcome.DONE, Outcome.CREATED, Outcome.DONE);
        DeviceConfig config = DeviceConfig.load(dir.resolve("edgeflow-aws.json"));
        assertThat(config.endpoint()).isEqualTo(ENDPOINT);
        assertThat(config.clientId()).isEqualTo(THING);
        assertThat(config.certificateFile()).isEqualTo(dir.resolve("device.cert.pem"));
        assertThat(config.rootCaFile()).contains(dir.resolve("AmazonRootCA1.pem"));
        assertThat(sentPolicyDocument().toString()).contains("client/" + THING)
                .contains("topic/sensor/" + THING + "/*").doesNotContain("\"Resource\":\"*\"");
        String out = printed.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("  ENDPOINT DONE: " + ENDPOINT).contains("  CERTIFICATE CREATED: certificate "
                + CERT_ID).contains("  POLICY CREATED: policy " + POLICY + ", narrowed")
                .contains("  ATTACH_THING_PRINCIPAL DONE: certificate " + CERT_ARN)
                .contains("Config: " + dir.resolve("edgeflow-aws.json"))
                .contains("-Dexec.mainClass=dev.edgeflow.examples.AwsPublishReadings")
                .contains("--config " + dir.resolve("edgeflow-aws.json") + " --topic sensor/" + THING + "/data");
    }

    @Test
    void wildcardPolicyIsTheTutorialsAndTheNextCommandKeepsItsTopic() throws IOException {
        stubFreshAccount();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        AwsRegisterThing.run(args("--wildcard-policy"), new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(sentPolicyDocument().get("Statement").get(0).get("Resource").asText()).isEqualTo("*");
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("--topic sensor/data\"");
    }

    @Test
    void aMissingIamPermissionNamesTheStepAndTheAction() {
        stubFreshAccount();
        aws.stubFor(post(urlPathEqualTo("/keys-and-certificate")).willReturn(aResponse().withStatus(403)
                .withHeader("x-amzn-ErrorType", "AccessDeniedException")
                .withHeader("Content-Type", "application/json")
                .withBody("{\"message\":\"Access denied\"}")));

        assertThatThrownBy(() -> AwsRegisterThing.run(args(), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8)))
                .isInstanceOf(RegistrationException.class)
                .hasMessageContaining("CERTIFICATE failed")
                .hasMessageContaining("Allow the IAM action iot:CreateKeysAndCertificate");
        assertThat(dir.resolve("device.private.key")).doesNotExist();
    }

    @Test
    void rejectsAnUnknownArgumentNamingIt() {
        assertThatThrownBy(() -> AwsRegisterThing.run(new String[] {"--thing-name", "x"}, System.out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--thing-name");
    }
}
