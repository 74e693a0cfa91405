package dev.edgeflow.aws.registration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.edgeflow.aws.DeviceConfig;
import dev.edgeflow.aws.RegistrationException;
import dev.edgeflow.aws.RegistrationReport;
import dev.edgeflow.aws.RegistrationReport.Outcome;
import dev.edgeflow.aws.RegistrationReport.Step;
import dev.edgeflow.aws.RegistrationReport.StepName;
import dev.edgeflow.aws.ThingRegistration;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;

/** ThingRegistration against WireMock standing in for the AWS IoT control plane's REST API. */
class ThingRegistrationTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String THING = "rpi-sensor-01";
    private static final String POLICY = THING + "-policy";
    private static final String ENDPOINT = "abc123-ats.iot.eu-west-1.amazonaws.com";
    private static final String CERT_ID = "4f2a9c";
    private static final String CERT_ARN = "arn:aws:iot:eu-west-1:123456789012:cert/" + CERT_ID;
    private static final String CERT_PEM = "-----BEGIN CERTIFICATE-----\nMIIcert\n-----END CERTIFICATE-----\n";
    private static final String PRIVATE_KEY =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIkey\n-----END RSA PRIVATE KEY-----\n";
    private static final String PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\nMIIpub\n-----END PUBLIC KEY-----\n";

    @TempDir
    Path dir;

    private WireMockServer aws;
    private IotClient iot;

    @BeforeEach
    void startFakeAws() {
        aws = new WireMockServer(options().dynamicPort());
        aws.start();
        iot = IotClient.builder()
                .endpointOverride(URI.create(aws.baseUrl()))
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                // The fake answers at once; retries would only hide a wrong stub.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @AfterEach
    void stopFakeAws() {
        iot.close();
        aws.stop();
    }

    private ThingRegistration.Builder registration() {
        return ThingRegistration.builder().thingName(THING).outputDirectory(dir).iotClient(iot);
    }

    /** A fresh account: nothing exists, every call succeeds. */
    private void stubFreshAccount() {
        aws.stubFor(get(urlPathEqualTo("/endpoint")).withQueryParam("endpointType", equalTo("iot:Data-ATS"))
                .willReturn(okJson(json(Map.of("endpointAddress", ENDPOINT)))));
        aws.stubFor(post(urlPathEqualTo("/keys-and-certificate")).withQueryParam("setAsActive", equalTo("true"))
                .willReturn(okJson(json(Map.of("certificateArn", CERT_ARN, "certificateId", CERT_ID,
                        "certificatePem", CERT_PEM,
                        "keyPair", Map.of("PublicKey", PUBLIC_KEY, "PrivateKey", PRIVATE_KEY))))));
        aws.stubFor(post(urlPathEqualTo("/policies/" + POLICY))
                .willReturn(okJson(json(Map.of("policyName", POLICY,
                        "policyArn", "arn:aws:iot:eu-west-1:123456789012:policy/" + POLICY,
                        "policyDocument", "{}", "policyVersionId", "1")))));
        aws.stubFor(put(urlPathEqualTo("/target-policies/" + POLICY)).willReturn(aResponse().withStatus(200)));
        aws.stubFor(post(urlPathEqualTo("/things/" + THING))
                .willReturn(okJson(json(Map.of("thingName", THING,
                        "thingArn", "arn:aws:iot:eu-west-1:123456789012:thing/" + THING, "thingId", "t-1")))));
        aws.stubFor(put(urlPathEqualTo("/things/" + THING + "/principals")).willReturn(okJson("{}")));
        stubCertificateStatus("ACTIVE");
    }

    /** AWS refuses CreatePolicy as it does when the IAM action is missing. */
    private void denyCreatePolicy() {
        aws.stubFor(post(urlPathEqualTo("/policies/" + POLICY)).willReturn(aResponse().withStatus(403)
                .withHeader("x-amzn-ErrorType", "AccessDeniedException")
                .withBody("{\"message\":\"Access denied\"}")));
    }

    private void stubCertificateStatus(String status) {
        aws.stubFor(get(urlPathEqualTo("/certificates/" + CERT_ID))
                .willReturn(okJson(json(Map.of("certificateDescription", Map.of("certificateId", CERT_ID,
                        "certificateArn", CERT_ARN, "status", status))))));
    }

    /** What AWS answers a create call for something that exists. */
    private static ResponseDefinitionBuilder alreadyExists(String what) {
        return aResponse().withStatus(409)
                .withHeader("x-amzn-ErrorType", "ResourceAlreadyExistsException")
                .withHeader("Content-Type", "application/json")
                .withBody(json(Map.of("message", what + " already exists.", "resourceId", what)));
    }

    private static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The policy document the registration sent with CreatePolicy. */
    private JsonNode sentPolicyDocument() throws IOException {
        List<LoggedRequest> requests = aws.findAll(postRequestedFor(urlPathEqualTo("/policies/" + POLICY)));
        assertThat(requests).hasSize(1);
        String document = MAPPER.readTree(requests.get(0).getBodyAsString()).get("policyDocument").asText();
        return MAPPER.readTree(document);
    }

    private static List<String> resources(JsonNode policy) {
        List<String> resources = new ArrayList<>();
        for (JsonNode statement : policy.get("Statement")) {
            JsonNode resource = statement.get("Resource");
            if (resource.isArray()) {
                resource.forEach(r -> resources.add(r.asText()));
            } else {
                resources.add(resource.asText());
            }
        }
        return resources;
    }

    private static List<Outcome> outcomes(RegistrationReport report) {
        return report.steps().stream().map(Step::outcome).toList();
    }

    @Test
    void freshRegistrationCreatesEverythingAndWritesAConfigThatLoadsBack() throws IOException {
        stubFreshAccount();

        RegistrationReport report = registration().rootCaFile(dir.resolve("AmazonRootCA1.pem")).build().register();

        assertThat(report.steps()).extracting(Step::name).containsExactly(StepName.ENDPOINT, StepName.CERTIFICATE,
                StepName.CONFIG, StepName.POLICY, StepName.ATTACH_POLICY, StepName.THING,
                StepName.ATTACH_THING_PRINCIPAL);
        assertThat(outcomes(report)).containsExactly(Outcome.DONE, Outcome.CREATED, Outcome.CREATED,
                Outcome.CREATED, Outcome.DONE, Outcome.CREATED, Outcome.DONE);
        assertThat(Files.readString(dir.resolve("device.cert.pem"))).isEqualTo(CERT_PEM);
        assertThat(Files.readString(dir.resolve("device.private.key"))).isEqualTo(PRIVATE_KEY);
        assertThat(Files.readString(dir.resolve("device.public.key"))).isEqualTo(PUBLIC_KEY);

        Path configFile = dir.resolve("edgeflow-aws.json");
        assertThat(report.configFile()).isEqualTo(configFile);
        DeviceConfig config = DeviceConfig.load(configFile);
        assertThat(config).isEqualTo(report.config());
        assertThat(config.endpoint()).isEqualTo(ENDPOINT);
        assertThat(config.port()).isEqualTo(8883);
        assertThat(config.thingName()).isEqualTo(THING);
        assertThat(config.clientId()).isEqualTo(THING);
        assertThat(config.certificateFile()).isEqualTo(dir.resolve("device.cert.pem"));
        assertThat(config.privateKeyFile()).isEqualTo(dir.resolve("device.private.key"));
        assertThat(config.rootCaFile()).contains(dir.resolve("AmazonRootCA1.pem"));
        assertThat(config.region()).contains("eu-west-1");
        assertThat(config.certificateId()).contains(CERT_ID);
        assertThat(config.certificateArn()).contains(CERT_ARN);
        assertThat(report.toString()).doesNotContain("MIIkey").doesNotContain("MIIcert");
    }

    @Test
    void sendsEachCallWithTheFieldsAwsIotExpects() {
        stubFreshAccount();

        registration().build().register();

        aws.verify(1, getRequestedFor(urlPathEqualTo("/endpoint"))
                .withQueryParam("endpointType", equalTo("iot:Data-ATS")));
        aws.verify(1, postRequestedFor(urlPathEqualTo("/keys-and-certificate"))
                .withQueryParam("setAsActive", equalTo("true")));
        aws.verify(1, postRequestedFor(urlPathEqualTo("/policies/" + POLICY))
                .withRequestBody(matchingJsonPath("$.policyDocument")));
        aws.verify(1, putRequestedFor(urlPathEqualTo("/target-policies/" + POLICY))
                .withRequestBody(matchingJsonPath("$.target", equalTo(CERT_ARN))));
        aws.verify(1, postRequestedFor(urlPathEqualTo("/things/" + THING)));
        aws.verify(1, putRequestedFor(urlPathEqualTo("/things/" + THING + "/principals"))
                .withHeader("x-amzn-principal", equalTo(CERT_ARN)));
        // A certificate just created needs no check.
        aws.verify(0, getRequestedFor(urlPathMatching("/certificates/.*")));
    }

    @Test
    void writesCertificateAndPrivateKeyReadableByTheOwnerOnly() throws IOException {
        assumeThat(FileSystems.getDefault().supportedFileAttributeViews()).contains("posix");
        stubFreshAccount();

        registration().build().register();

        assertThat(Files.getPosixFilePermissions(dir.resolve("device.private.key")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("device.cert.pem")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void defaultPolicyIsNarrowedToTheThingsClientIdTopicsAndShadow() throws IOException {
        stubFreshAccount();

        registration().build().register();

        JsonNode policy = sentPolicyDocument();
        List<String> resources = resources(policy);
        assertThat(resources).isNotEmpty().doesNotContain("*").allSatisfy(r -> assertThat(r)
                .startsWith("arn:aws:iot:eu-west-1:123456789012:").contains(THING));
        assertThat(resources).contains(
                "arn:aws:iot:eu-west-1:123456789012:client/" + THING,
                "arn:aws:iot:eu-west-1:123456789012:topic/sensor/" + THING + "/*",
                "arn:aws:iot:eu-west-1:123456789012:topic/device/" + THING + "/*",
                "arn:aws:iot:eu-west-1:123456789012:topicfilter/sensor/" + THING + "/*",
                "arn:aws:iot:eu-west-1:123456789012:topic/$aws/things/" + THING + "/shadow/*",
                "arn:aws:iot:eu-west-1:123456789012:topicfilter/$aws/things/" + THING + "/shadow/*");
        JsonNode connect = policy.get("Statement").get(0);
        assertThat(connect.get("Action").asText()).isEqualTo("iot:Connect");
        assertThat(connect.at("/Condition/Bool/iot:Connection.Thing.IsAttached").asText()).isEqualTo("true");
    }

    @Test
    void narrowedPolicyAllowsTheConfiguredTopicPrefixesOnly() throws IOException {
        stubFreshAccount();

        registration().topicPrefixes(List.of("factory/line-1/")).build().register();

        assertThat(resources(sentPolicyDocument()))
                .contains("arn:aws:iot:eu-west-1:123456789012:topic/factory/line-1/*")
                .noneMatch(r -> r.contains("sensor/"));
    }

    @Test
    void wildcardPolicySendsTheSeedsPolicyOnEveryResource() throws IOException {
        stubFreshAccount();

        RegistrationReport report = registration().wildcardPolicy(true).build().register();

        JsonNode policy = sentPolicyDocument();
        assertThat(resources(policy)).containsExactly("*");
        assertThat(policy.get("Statement").get(0).get("Action")).extracting(JsonNode::asText)
                .containsExactly("iot:Connect", "iot:Publish", "iot:Subscribe", "iot:Receive");
        assertThat(report.step(StepName.POLICY)).get().extracting(Step::detail).asString().contains("wildcard");
    }

    @Test
    void secondRunReusesTheCertificateAndFindsPolicyAndThingInPlace() throws IOException {
        stubFreshAccount();
        registration().build().register();
        String ourPolicy = sentPolicyDocument().toString();
        aws.stubFor(post(urlPathEqualTo("/policies/" + POLICY)).willReturn(alreadyExists(POLICY)));
        aws.stubFor(get(urlPathEqualTo("/policies/" + POLICY))
                .willReturn(okJson(json(Map.of("policyName", POLICY, "policyDocument", ourPolicy)))));
        aws.stubFor(post(urlPathEqualTo("/things/" + THING)).willReturn(alreadyExists(THING)));

        RegistrationReport second = registration().build().register();

        assertThat(outcomes(second)).containsExactly(Outcome.DONE, Outcome.REUSED, Outcome.ALREADY_DONE,
                Outcome.ALREADY_DONE, Outcome.DONE, Outcome.ALREADY_DONE, Outcome.DONE);
        assertThat(second.step(StepName.POLICY)).get().extracting(Step::detail).asString()
                .contains("same document");
        aws.verify(1, postRequestedFor(urlPathEqualTo("/keys-and-certificate")));
        aws.verify(1, getRequestedFor(urlPathEqualTo("/certificates/" + CERT_ID)));
        aws.verify(2, putRequestedFor(urlPathEqualTo("/target-policies/" + POLICY))
                .withRequestBody(matchingJsonPath("$.target", equalTo(CERT_ARN))));
        assertThat(Files.readString(dir.resolve("device.private.key"))).isEqualTo(PRIVATE_KEY);
        assertThat(second.config()).isEqualTo(DeviceConfig.load(dir.resolve("edgeflow-aws.json")));
    }

    @Test
    void reusedInactiveCertificateIsActivatedAgain() {
        stubFreshAccount();
        registration().build().register();
        stubCertificateStatus("INACTIVE");
        aws.stubFor(put(urlPathEqualTo("/certificates/" + CERT_ID)).willReturn(aResponse().withStatus(200)));

        RegistrationReport second = registration().build().register();

        aws.verify(1, putRequestedFor(urlPathEqualTo("/certificates/" + CERT_ID))
                .withQueryParam("newStatus", equalTo("ACTIVE")));
        assertThat(second.step(StepName.CERTIFICATE)).get().satisfies(step -> {
            assertThat(step.outcome()).isEqualTo(Outcome.REUSED);
            assertThat(step.detail()).contains("INACTIVE");
        });
    }

    @Test
    void reusedRevokedCertificateFailsSayingHowToStartAfresh() {
        stubFreshAccount();
        registration().build().register();
        stubCertificateStatus("REVOKED");

        assertThatThrownBy(() -> registration().build().register())
                .isInstanceOfSatisfying(RegistrationException.class,
                        e -> assertThat(e.step()).isEqualTo(StepName.CERTIFICATE))
                .hasMessageContaining(CERT_ID)
                .hasMessageContaining("REVOKED")
                .hasMessageContaining("move the config");
        aws.verify(1, postRequestedFor(urlPathEqualTo("/keys-and-certificate")));
    }

    @Test
    void existingPolicyWithAnotherDocumentIsReportedAndNotOverwritten() {
        stubFreshAccount();
        aws.stubFor(post(urlPathEqualTo("/policies/" + POLICY)).willReturn(alreadyExists(POLICY)));
        String seedPolicy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":[\"iot:*\"],\"Resource\":\"*\"}]}";
        aws.stubFor(get(urlPathEqualTo("/policies/" + POLICY))
                .willReturn(okJson(json(Map.of("policyName", POLICY, "policyDocument", seedPolicy)))));

        RegistrationReport report = registration().build().register();

        assertThat(report.step(StepName.POLICY)).get().satisfies(step -> {
            assertThat(step.outcome()).isEqualTo(Outcome.ALREADY_DONE);
            assertThat(step.detail()).contains("different document", "not overwritten",
                    "create-policy-version --policy-name " + POLICY, "policyName(");
        });
        aws.verify(1, getRequestedFor(urlPathEqualTo("/policies/" + POLICY)));
        aws.verify(0, postRequestedFor(urlPathMatching("/policies/" + POLICY + "/.+")));
        aws.verify(0, putRequestedFor(urlPathMatching("/policies/.*")));
        // The existing policy is still attached: the device may work with it.
        aws.verify(1, putRequestedFor(urlPathEqualTo("/target-policies/" + POLICY)));
    }

    @Test
    void accessDeniedOnCreateKeysAndCertificateNamesTheStepAndTheMissingIamAction() {
        stubFreshAccount();
        aws.stubFor(post(urlPathEqualTo("/keys-and-certificate")).willReturn(aResponse().withStatus(403)
                .withHeader("x-amzn-ErrorType", "AccessDeniedException")
                .withHeader("Content-Type", "application/json")
                .withBody("{\"message\":\"Access denied\"}")));

        assertThatThrownBy(() -> registration().build().register())
                .isInstanceOfSatisfying(RegistrationException.class, e -> {
                    assertThat(e.step()).isEqualTo(StepName.CERTIFICATE);
                    assertThat(e.operation()).contains("CreateKeysAndCertificate");
                    assertThat(e.errorCode()).contains("AccessDeniedException");
                })
                .hasMessageContaining("CERTIFICATE")
                .hasMessageContaining("AccessDeniedException")
                .hasMessageContaining("Access denied")
                .hasMessageContaining("Allow the IAM action iot:CreateKeysAndCertificate");
        assertThat(dir.resolve("device.private.key")).doesNotExist();
        assertThat(dir.resolve("edgeflow-aws.json")).doesNotExist();
        aws.verify(0, postRequestedFor(urlPathMatching("/policies/.*")));
    }

    @Test
    void tellsTheListenerOfEachStepAsItCompletesBeforeTheNextCallToAws() {
        stubFreshAccount();
        List<Step> heard = new ArrayList<>();
        List<Integer> callsMadeWhenHeard = new ArrayList<>();

        RegistrationReport report = registration().onStep(step -> {
            heard.add(step);
            callsMadeWhenHeard.add(aws.getAllServeEvents().size());
        }).build().register();

        assertThat(heard).containsExactlyElementsOf(report.steps());
        // ENDPOINT is told of after its one call and before CreateKeysAndCertificate is made.
        assertThat(callsMadeWhenHeard.get(0)).isEqualTo(1);
        assertThat(callsMadeWhenHeard).isSorted();
        assertThat(callsMadeWhenHeard.get(callsMadeWhenHeard.size() - 1)).isEqualTo(aws.getAllServeEvents().size());
    }

    @Test
    void tellsTheListenerOfTheStepsBeforeAFailureAndNotOfTheFailedOne() {
        stubFreshAccount();
        denyCreatePolicy();
        List<StepName> heard = new ArrayList<>();

        assertThatThrownBy(() -> registration().onStep(step -> heard.add(step.name())).build().register())
                .isInstanceOfSatisfying(RegistrationException.class,
                        e -> assertThat(e.step()).isEqualTo(StepName.POLICY));

        assertThat(heard).containsExactly(StepName.ENDPOINT, StepName.CERTIFICATE, StepName.CONFIG);
    }

    @Test
    void failureAfterTheCertificateLeavesAConfigThroughWhichTheNextRunReusesIt() {
        stubFreshAccount();
        denyCreatePolicy();
        assertThatThrownBy(() -> registration().build().register())
                .isInstanceOfSatisfying(RegistrationException.class,
                        e -> assertThat(e.step()).isEqualTo(StepName.POLICY))
                .hasMessageContaining("iot:CreatePolicy");
        stubFreshAccount();

        RegistrationReport second = registration().build().register();

        assertThat(second.step(StepName.CERTIFICATE)).get().extracting(Step::outcome).isEqualTo(Outcome.REUSED);
        assertThat(second.step(StepName.POLICY)).get().extracting(Step::outcome).isEqualTo(Outcome.CREATED);
        aws.verify(1, postRequestedFor(urlPathEqualTo("/keys-and-certificate")));
    }

    @Test
    void refusesToOverwriteAPrivateKeyNoConfigAccountsFor() throws IOException {
        stubFreshAccount();
        Files.writeString(dir.resolve("device.private.key"), "a key some device may still use");

        assertThatThrownBy(() -> registration().build().register())
                .isInstanceOfSatisfying(RegistrationException.class,
                        e -> assertThat(e.step()).isEqualTo(StepName.CERTIFICATE))
                .hasMessageContaining(dir.resolve("device.private.key").toString())
                .hasMessageContaining("will not overwrite");
        aws.verify(0, postRequestedFor(urlPathEqualTo("/keys-and-certificate")));
        assertThat(Files.readString(dir.resolve("device.private.key"))).isEqualTo("a key some device may still use");
    }

    @Test
    void refusesAConfigOfAnotherThing() {
        stubFreshAccount();
        registration().build().register();

        assertThatThrownBy(() -> ThingRegistration.builder().thingName("other-thing").outputDirectory(dir)
                .iotClient(iot).build().register())
                .isInstanceOf(RegistrationException.class)
                .hasMessageContaining("belongs to thing '" + THING + "', not 'other-thing'");
    }

    @Test
    void rejectsThingNamesAwsIotWouldRejectWithItsRule() {
        for (String bad : List.of("rpi sensor/01", "", "a".repeat(129), "rpi.sensor")) {
            assertThatThrownBy(() -> ThingRegistration.builder().thingName(bad).outputDirectory(dir).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "' is not a valid AWS IoT thing name")
                    .hasMessageContaining("1 to 128 of the characters a-z A-Z 0-9 : _ -");
        }
        assertThat(ThingRegistration.builder().thingName("a:B_9-" + "x".repeat(122)).outputDirectory(dir).build())
                .isNotNull();
        assertThatThrownBy(() -> ThingRegistration.builder().outputDirectory(dir).build())
                .hasMessageContaining("thingName is not set");
    }

    @Test
    void rejectsTopicPrefixesThatWouldWidenThePolicy() {
        for (String bad : List.of("sensor/#", "sensor/+/x/", "*", "sensor/${iot:ClientId}/", " ")) {
            assertThatThrownBy(() -> registration().topicPrefixes(List.of(bad)).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("topic prefix '" + bad + "' would widen the policy");
        }
    }

    @Test
    void buildsAndClosesItsOwnClientFromRegionEndpointOverrideAndCredentials() {
        stubFreshAccount();

        RegistrationReport report = ThingRegistration.builder().thingName(THING).outputDirectory(dir)
                .region("eu-west-1")
                .endpointOverride(URI.create(aws.baseUrl()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDOWN", "s")))
                .build()
                .register();

        assertThat(report.config().region()).contains("eu-west-1");
        aws.verify(1, postRequestedFor(urlPathEqualTo("/keys-and-certificate"))
                .withHeader("Authorization", containing("Credential=AKIDOWN/"))
                .withHeader("Authorization", containing("/eu-west-1/")));
    }

    @Test
    void rejectsAnIotClientTogetherWithARegion() {
        assertThatThrownBy(() -> registration().region("eu-west-1").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("iotClient is set together with region");
    }
}
