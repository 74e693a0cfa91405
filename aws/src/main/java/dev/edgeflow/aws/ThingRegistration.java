package dev.edgeflow.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.aws.RegistrationReport.Outcome;
import dev.edgeflow.aws.RegistrationReport.Step;
import dev.edgeflow.aws.RegistrationReport.StepName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.IotClientBuilder;
import software.amazon.awssdk.services.iot.model.CertificateDescription;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.CreateKeysAndCertificateResponse;
import software.amazon.awssdk.services.iot.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;

/**
 * Registers a device with AWS IoT Core, the seed's sections 2.1 and 2.2 on the AWS SDK for Java v2:
 * creates its keys and certificate, an IoT policy, the thing, attaches them to each other, looks up
 * the data endpoint, and writes a {@link DeviceConfig} that a connection loads.
 *
 * <pre>{@code
 * RegistrationReport report = ThingRegistration.builder()
 *         .thingName("rpi-sensor-01")
 *         .outputDirectory(Path.of("/etc/edgeflow"))
 *         .region("eu-west-1")
 *         .build()
 *         .register();
 * DeviceConfig config = report.config();
 * }</pre>
 *
 * <p>The steps ({@link StepName}) run in this order and each is idempotent, so that a registration
 * that failed half-way (a missing IAM permission, a dropped network) completes when run again:
 * <ol>
 *   <li>{@code ENDPOINT}: {@code DescribeEndpoint} for {@code iot:Data-ATS}. It runs first because it
 *       creates nothing: wrong credentials or region fail here, before a certificate exists.
 *   <li>{@code CERTIFICATE}: when the config file exists, names a certificate id, and the certificate
 *       and key files exist, they are {@link Outcome#REUSED REUSED} ({@code DescribeCertificate}
 *       checks the certificate; an inactive one is reactivated with {@code UpdateCertificate}).
 *       Otherwise {@code CreateKeysAndCertificate} makes an active certificate and the files
 *       {@code device.cert.pem} and {@code device.private.key} (mode 0600) and
 *       {@code device.public.key} are written. A private key that exists without a config naming its
 *       certificate is never overwritten.
 *   <li>{@code CONFIG}: writes the {@link DeviceConfig} right after the certificate, so that a run that
 *       fails at a later step leaves a config through which the next run reuses the certificate
 *       instead of creating another.
 *   <li>{@code POLICY}: {@code CreatePolicy}. The default policy is narrowed to the thing: it may
 *       connect only as client id = thing name and only while its certificate is attached to the thing,
 *       publish and receive on the {@link Builder#topicPrefixes(List) topic prefixes} and its own
 *       shadow topics, subscribe to the same. {@link Builder#wildcardPolicy(boolean)} creates the
 *       seed's policy (everything on {@code *}) instead. A policy of that name that already exists is
 *       left as it is, and the report says whether its document differs.
 *   <li>{@code ATTACH_POLICY}: {@code AttachPolicy} to the certificate.
 *   <li>{@code THING}: {@code CreateThing}. AWS answers a repeated call for a thing with the same
 *       configuration with success, so {@link Outcome#CREATED CREATED} may also mean "was there".
 *   <li>{@code ATTACH_THING_PRINCIPAL}: {@code AttachThingPrincipal} of the certificate.
 * </ol>
 *
 * <p>The credentials need the IAM actions {@value #IAM_ACTIONS}. Without the AWS SDK's
 * {@code software.amazon.awssdk:iot} and {@code url-connection-client} on the class path (optional
 * dependencies of edgeflow-aws) this class does not load. Two registrations must not run at the same
 * time on the same output directory.
 *
 * @since 0.1.0
 */
public final class ThingRegistration {
    /** The IAM actions a registration calls. */
    public static final String IAM_ACTIONS = "iot:DescribeEndpoint, iot:CreateKeysAndCertificate,"
            + " iot:DescribeCertificate, iot:UpdateCertificate, iot:CreatePolicy, iot:GetPolicy, iot:AttachPolicy,"
            + " iot:CreateThing, iot:AttachThingPrincipal";
    /** The config's file name in the output directory unless {@link Builder#configFile(Path)} says otherwise. */
    public static final String CONFIG_FILE_NAME = "edgeflow-aws.json";
    /** The certificate's file name in the output directory, as the seed names it. */
    public static final String CERTIFICATE_FILE_NAME = "device.cert.pem";
    /** The private key's file name in the output directory, as the seed names it. */
    public static final String PRIVATE_KEY_FILE_NAME = "device.private.key";
    /** The public key's file name in the output directory, as the seed names it. */
    public static final String PUBLIC_KEY_FILE_NAME = "device.public.key";

    private static final Logger LOG = LoggerFactory.getLogger(ThingRegistration.class);
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** AWS IoT's rule for thing names (CreateThing's thingName). */
    private static final Pattern THING_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");
    /** AWS IoT's rule for policy names (CreatePolicy's policyName). */
    private static final Pattern POLICY_NAME = Pattern.compile("[\\w+=,.@-]{1,128}");
    /** Characters that would widen a topic prefix: MQTT wildcards, IoT policy wildcards, policy variables. */
    private static final Pattern WIDENING = Pattern.compile("[#+*?]|\\$\\{");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final String ENDPOINT_TYPE = "iot:Data-ATS";
    private static final String POLICY_VERSION = "2012-10-17";

    private final String thingName;
    private final Path outputDirectory;
    private final Path configFile;
    private final String region;
    private final IotClient iotClient;
    private final URI endpointOverride;
    private final AwsCredentialsProvider credentialsProvider;
    private final String policyName;
    private final boolean wildcardPolicy;
    private final Path rootCaFile;
    private final List<String> topicPrefixes;
    private final Consumer<Step> onStep;

    private ThingRegistration(Builder b) {
        this.thingName = b.thingName;
        this.outputDirectory = b.outputDirectory.toAbsolutePath().normalize();
        this.configFile = b.configFile == null
                ? outputDirectory.resolve(CONFIG_FILE_NAME)
                : b.configFile.toAbsolutePath().normalize();
        this.region = b.region;
        this.iotClient = b.iotClient;
        this.endpointOverride = b.endpointOverride;
        this.credentialsProvider = b.credentialsProvider;
        this.policyName = b.policyName == null ? thingName.replace(':', '_') + "-policy" : b.policyName;
        this.wildcardPolicy = b.wildcardPolicy;
        this.rootCaFile = b.rootCaFile == null ? null : b.rootCaFile.toAbsolutePath().normalize();
        this.topicPrefixes = b.topicPrefixes == null
                ? List.of("sensor/" + thingName + "/", "device/" + thingName + "/")
                : b.topicPrefixes;
        this.onStep = b.onStep;
    }

    /**
     * Starts a registration: policy {@code <thing>-policy} narrowed to the thing, topic prefixes
     * {@code sensor/<thing>/} and {@code device/<thing>/}, config {@code <outputDirectory>/edgeflow-aws.json},
     * the AWS SDK's default credentials and region chains.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the registration's steps against AWS IoT Core and writes the device's files. Blocks until
     * every step is done; each AWS call uses the SDK's timeouts and retries (throttling and server
     * errors are retried with backoff). Safe to run again after a failure or a success: see the class
     * description for what each step does the second time.
     *
     * @return what each step did, and the config that was written
     * @throws RegistrationException naming the step, AWS's error code and message and what to do, when AWS
     *     refuses a call (a missing IAM action, throttling that outlasted the retries, an invalid request),
     *     when AWS cannot be reached (network down, no credentials, no region), when the existing config
     *     belongs to another thing or names a certificate that cannot be reused, or when a file cannot be
     *     written
     */
    public RegistrationReport register() {
        IotClient client = iotClient != null ? iotClient : newClient();
        try {
            return register(client);
        } finally {
            if (client != iotClient) {
                client.close();
            }
        }
    }

    private IotClient newClient() {
        IotClientBuilder builder = IotClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
        if (region != null) {
            builder.region(Region.of(region));
        }
        if (endpointOverride != null) {
            builder.endpointOverride(endpointOverride);
        }
        if (credentialsProvider != null) {
            builder.credentialsProvider(credentialsProvider);
        }
        try {
            return builder.build();
        } catch (SdkClientException e) {
            throw new RegistrationException(StepName.ENDPOINT, null, null, "cannot create the AWS IoT client: "
                    + e.getMessage() + "; set ThingRegistration.builder().region(...) or the environment variable"
                    + " AWS_REGION, or pass an IotClient", e);
        }
    }

    private RegistrationReport register(IotClient client) {
        List<Step> steps = new ArrayList<>();
        String regionId = region != null ? region : regionOf(client);

        String endpoint;
        try {
            endpoint = client.describeEndpoint(r -> r.endpointType(ENDPOINT_TYPE)).endpointAddress();
        } catch (SdkException e) {
            throw failure(StepName.ENDPOINT, "DescribeEndpoint", e);
        }
        record(steps, StepName.ENDPOINT, Outcome.DONE, endpoint + " (" + ENDPOINT_TYPE + ")");

        DeviceConfig existing = existingConfig();
        Certificate certificate = existing != null && canReuse(existing)
                ? reuseCertificate(client, existing, steps)
                : createCertificate(client, steps);

        DeviceConfig config = DeviceConfig.builder()
                .endpoint(endpoint)
                .port(DeviceConfig.DEFAULT_PORT)
                .thingName(thingName)
                .clientId(thingName)
                .certificateFile(certificate.certificateFile)
                .privateKeyFile(certificate.privateKeyFile)
                .rootCaFile(rootCaFile)
                .region(regionId)
                .certificateId(certificate.id)
                .certificateArn(certificate.arn)
                .build();
        writeConfig(config, existing, steps);

        createPolicy(client, certificate.arn, steps);

        try {
            client.attachPolicy(r -> r.policyName(policyName).target(certificate.arn));
        } catch (SdkException e) {
            throw failure(StepName.ATTACH_POLICY, "AttachPolicy", e);
        }
        record(steps, StepName.ATTACH_POLICY, Outcome.DONE, "policy " + policyName + " attached to " + certificate.arn);

        try {
            String thingArn = client.createThing(r -> r.thingName(thingName)).thingArn();
            record(steps, StepName.THING, Outcome.CREATED, "thing " + thingArn);
        } catch (ResourceAlreadyExistsException e) {
            record(steps, StepName.THING, Outcome.ALREADY_DONE, "thing " + thingName
                    + " exists with another configuration (type, attributes); left as it is");
        } catch (SdkException e) {
            throw failure(StepName.THING, "CreateThing", e);
        }

        try {
            client.attachThingPrincipal(r -> r.thingName(thingName).principal(certificate.arn));
        } catch (SdkException e) {
            throw failure(StepName.ATTACH_THING_PRINCIPAL, "AttachThingPrincipal", e);
        }
        record(steps, StepName.ATTACH_THING_PRINCIPAL, Outcome.DONE, "certificate " + certificate.arn
                + " attached to thing " + thingName);

        return new RegistrationReport(steps, config, configFile);
    }

    private static String regionOf(IotClient client) {
        Region r = client.serviceClientConfiguration().region();
        return r == null ? null : r.id();
    }

    private void record(List<Step> steps, StepName name, Outcome outcome, String detail) {
        Step step = new Step(name, outcome, detail);
        steps.add(step);
        LOG.info("registering thing {}: {}", thingName, step);
        if (onStep != null) {
            onStep.accept(step);
        }
    }

    /** Returns the config of an earlier run, or null if there is none. */
    private DeviceConfig existingConfig() {
        if (!Files.exists(configFile)) {
            return null;
        }
        DeviceConfig existing;
        try {
            existing = DeviceConfig.load(configFile);
        } catch (IllegalArgumentException e) {
            throw new RegistrationException(StepName.CERTIFICATE, null, null, e.getMessage() + ". The registration"
                    + " reuses the certificate that config names: fix the file, or move it away together with "
                    + CERTIFICATE_FILE_NAME + " and " + PRIVATE_KEY_FILE_NAME + " to register with a new certificate",
                    e);
        }
        if (!existing.thingName().equals(thingName)) {
            throw new RegistrationException(StepName.CERTIFICATE, null, null, "config " + configFile
                    + " belongs to thing '" + existing.thingName() + "', not '" + thingName + "'; register '"
                    + thingName + "' into another outputDirectory (or configFile), or move that config away", null);
        }
        return existing;
    }

    private static boolean canReuse(DeviceConfig existing) {
        return existing.certificateId().isPresent()
                && Files.isRegularFile(existing.certificateFile())
                && Files.isRegularFile(existing.privateKeyFile());
    }

    private Certificate reuseCertificate(IotClient client, DeviceConfig existing, List<Step> steps) {
        String id = existing.certificateId().orElseThrow();
        CertificateDescription description;
        try {
            description = client.describeCertificate(r -> r.certificateId(id)).certificateDescription();
        } catch (ResourceNotFoundException e) {
            throw new RegistrationException(StepName.CERTIFICATE, "DescribeCertificate", e.awsErrorDetails()
                    .errorCode(), "certificate " + id + " named by " + configFile + " does not exist in this account"
                    + " and region (AWS: " + e.awsErrorDetails().errorMessage() + "); register with the account and"
                    + " region it was created in, or move the config, " + CERTIFICATE_FILE_NAME + " and "
                    + PRIVATE_KEY_FILE_NAME + " away to create a new certificate", e);
        } catch (SdkException e) {
            throw failure(StepName.CERTIFICATE, "DescribeCertificate", e);
        }
        CertificateStatus status = description.status();
        String detail;
        if (status == CertificateStatus.ACTIVE) {
            detail = "certificate " + id + " (ACTIVE) and its files from " + configFile;
        } else if (status == CertificateStatus.INACTIVE) {
            try {
                client.updateCertificate(r -> r.certificateId(id).newStatus(CertificateStatus.ACTIVE));
            } catch (SdkException e) {
                throw failure(StepName.CERTIFICATE, "UpdateCertificate", e);
            }
            detail = "certificate " + id + " was INACTIVE and is active again; its files from " + configFile;
        } else {
            throw new RegistrationException(StepName.CERTIFICATE, "DescribeCertificate", null, "certificate " + id
                    + " named by " + configFile + " is " + description.statusAsString() + " and cannot be reused;"
                    + " move the config, " + CERTIFICATE_FILE_NAME + " and " + PRIVATE_KEY_FILE_NAME
                    + " away and run the registration again to create a new certificate", null);
        }
        record(steps, StepName.CERTIFICATE, Outcome.REUSED, detail);
        return new Certificate(id, description.certificateArn(), existing.certificateFile(),
                existing.privateKeyFile());
    }

    private Certificate createCertificate(IotClient client, List<Step> steps) {
        Path certificateFile = outputDirectory.resolve(CERTIFICATE_FILE_NAME);
        Path privateKeyFile = outputDirectory.resolve(PRIVATE_KEY_FILE_NAME);
        // Checked before creating anything in AWS: a key a device may still use must not be overwritten.
        for (Path file : List.of(privateKeyFile, certificateFile)) {
            if (Files.exists(file)) {
                throw new RegistrationException(StepName.CERTIFICATE, null, null, file + " exists but no config ("
                        + configFile + ") names its certificate, so the registration will not overwrite it; move it"
                        + " away (or restore the config) and run the registration again", null);
            }
        }
        try {
            Files.createDirectories(outputDirectory);
        } catch (IOException e) {
            throw new RegistrationException(StepName.CERTIFICATE, null, null, "output directory " + outputDirectory
                    + " cannot be created: " + e + "; choose a directory this process may write", e);
        }
        CreateKeysAndCertificateResponse created;
        try {
            created = client.createKeysAndCertificate(r -> r.setAsActive(true));
        } catch (SdkException e) {
            throw failure(StepName.CERTIFICATE, "CreateKeysAndCertificate", e);
        }
        String id = created.certificateId();
        try {
            writeFile(certificateFile, created.certificatePem(), true);
            writeFile(privateKeyFile, created.keyPair().privateKey(), true);
            writeFile(outputDirectory.resolve(PUBLIC_KEY_FILE_NAME), created.keyPair().publicKey(), false);
        } catch (IOException | UncheckedIOException e) {
            throw new RegistrationException(StepName.CERTIFICATE, null, null, "certificate " + id + " was created"
                    + " but its files cannot be written to " + outputDirectory + ": " + e + ". AWS does not hand out"
                    + " the private key again: deactivate and delete the certificate (aws iot update-certificate"
                    + " --certificate-id " + id + " --new-status INACTIVE; aws iot delete-certificate"
                    + " --certificate-id " + id + "), make the directory writable and run the registration again", e);
        }
        record(steps, StepName.CERTIFICATE, Outcome.CREATED, "certificate " + id + " (ACTIVE), " + certificateFile
                + ", " + privateKeyFile);
        return new Certificate(id, created.certificateArn(), certificateFile, privateKeyFile);
    }

    /**
     * Writes through a temporary file that is restricted before the content goes in, so that a
     * secret is never readable by others, not even for a moment, and never half written.
     */
    private static void writeFile(Path file, String content, boolean ownerOnly) throws IOException {
        Path dir = file.getParent();
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
        Path temp = posix && ownerOnly
                ? Files.createTempFile(dir, "." + file.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(
                        OWNER_ONLY))
                : Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            if (ownerOnly && posix) {
                Files.setPosixFilePermissions(temp, OWNER_ONLY);
            } else if (ownerOnly) {
                LOG.warn("{}: the file system does not support POSIX permissions, so the file could not be"
                        + " restricted to its owner (mode 0600); restrict it by other means (e.g. ACLs)", file);
            } else if (posix) {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private void writeConfig(DeviceConfig config, DeviceConfig existing, List<Step> steps) {
        if (config.equals(existing)) {
            record(steps, StepName.CONFIG, Outcome.ALREADY_DONE, configFile + " is up to date");
            return;
        }
        try {
            config.write(configFile);
        } catch (UncheckedIOException e) {
            throw new RegistrationException(StepName.CONFIG, null, null, e.getMessage() + ". Make it writable and"
                    + " run the registration again; it reuses certificate " + config.certificateId().orElse("?")
                    + " only through this config, so if the config cannot be written at all, move "
                    + config.certificateFile() + " and " + config.privateKeyFile() + " away first", e);
        }
        record(steps, StepName.CONFIG, Outcome.CREATED, configFile + (existing == null ? "" : " (rewritten)"));
    }

    private void createPolicy(IotClient client, String certificateArn, List<Step> steps) {
        String document = wildcardPolicy ? wildcardDocument() : narrowedDocument(certificateArn);
        if (wildcardPolicy) {
            LOG.warn("policy {} for thing {} allows iot:Connect, iot:Publish, iot:Subscribe and iot:Receive on every"
                    + " resource (*): any holder of the device's key may act as any client on any topic; use it"
                    + " for experiments only", policyName, thingName);
        }
        String what = wildcardPolicy ? "wildcard (*)" : "narrowed to client " + thingName + " and topics "
                + topicPrefixes + " and the thing's shadow";
        try {
            client.createPolicy(r -> r.policyName(policyName).policyDocument(document));
            record(steps, StepName.POLICY, Outcome.CREATED, "policy " + policyName + ", " + what);
            return;
        } catch (ResourceAlreadyExistsException e) {
            LOG.debug("policy {} exists: {}", policyName, e.awsErrorDetails().errorMessage());
        } catch (SdkException e) {
            throw failure(StepName.POLICY, "CreatePolicy", e);
        }
        String existingDocument;
        try {
            existingDocument = client.getPolicy(r -> r.policyName(policyName)).policyDocument();
        } catch (SdkException e) {
            LOG.warn("policy {} exists and could not be compared with the one this registration would create: {}",
                    policyName, e.getMessage());
            record(steps, StepName.POLICY, Outcome.ALREADY_DONE, "policy " + policyName + " exists and was left as it"
                    + " is; its document could not be read (GetPolicy: " + e.getMessage() + "), so check that it"
                    + " allows the thing what it needs: " + what);
            return;
        }
        if (sameJson(existingDocument, document)) {
            record(steps, StepName.POLICY, Outcome.ALREADY_DONE, "policy " + policyName + " exists with the same"
                    + " document, " + what);
            return;
        }
        LOG.warn("policy {} exists with another document than this registration would create; left as it is."
                + " The document it would create:\n{}", policyName, document);
        record(steps, StepName.POLICY, Outcome.ALREADY_DONE, "policy " + policyName + " exists with a different"
                + " document and was not overwritten. To use edgeflow's (" + what + "; logged at WARN): aws iot"
                + " create-policy-version --policy-name " + policyName + " --set-as-default --policy-document"
                + " file://<that document>; or register with another policyName(...)");
    }

    private static boolean sameJson(String a, String b) {
        try {
            return a != null && MAPPER.readTree(a).equals(MAPPER.readTree(b));
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    /** The seed's policy, section 2.2: every IoT data action on every resource. */
    private static String wildcardDocument() {
        ObjectNode root = MAPPER.createObjectNode().put("Version", POLICY_VERSION);
        ObjectNode statement = root.putArray("Statement").addObject().put("Effect", "Allow");
        statement.putArray("Action").add("iot:Connect").add("iot:Publish").add("iot:Subscribe").add("iot:Receive");
        statement.put("Resource", "*");
        return toJson(root);
    }

    /**
     * A policy that lets the certificate act as this thing only. Partition, region and account come
     * from the certificate's ARN, which is known by the time the policy is created.
     */
    private String narrowedDocument(String certificateArn) {
        String prefix = arnPrefix(certificateArn);
        String shadow = "$aws/things/" + thingName + "/shadow/*";
        ObjectNode root = MAPPER.createObjectNode().put("Version", POLICY_VERSION);
        ArrayNode statements = root.putArray("Statement");

        ObjectNode connect = statements.addObject().put("Effect", "Allow").put("Action", "iot:Connect")
                .put("Resource", prefix + "client/" + thingName);
        // Only while the certificate is attached to the thing: detaching it revokes the device's access.
        connect.putObject("Condition").putObject("Bool").put("iot:Connection.Thing.IsAttached", "true");

        ObjectNode publish = statements.addObject().put("Effect", "Allow");
        publish.putArray("Action").add("iot:Publish").add("iot:Receive");
        ArrayNode topics = publish.putArray("Resource");
        topicPrefixes.forEach(p -> topics.add(prefix + "topic/" + p + "*"));
        topics.add(prefix + "topic/" + shadow);

        ObjectNode subscribe = statements.addObject().put("Effect", "Allow").put("Action", "iot:Subscribe");
        ArrayNode filters = subscribe.putArray("Resource");
        topicPrefixes.forEach(p -> filters.add(prefix + "topicfilter/" + p + "*"));
        filters.add(prefix + "topicfilter/" + shadow);
        return toJson(root);
    }

    /** {@code arn:aws:iot:eu-west-1:123456789012:cert/abc} gives {@code arn:aws:iot:eu-west-1:123456789012:}. */
    private static String arnPrefix(String certificateArn) {
        String[] parts = certificateArn == null ? new String[0] : certificateArn.split(":", 6);
        if (parts.length == 6 && parts[0].equals("arn") && parts[2].equals("iot") && !parts[3].isEmpty()
                && !parts[4].isEmpty()) {
            return String.join(":", parts[0], parts[1], parts[2], parts[3], parts[4]) + ":";
        }
        LOG.warn("certificate ARN '{}' does not have the form arn:<partition>:iot:<region>:<account>:cert/<id>;"
                + " the policy names any region and account", certificateArn);
        return "arn:aws:iot:*:*:";
    }

    private static String toJson(ObjectNode root) {
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a policy document", e);
        }
    }

    /** Turns the SDK's exception into one that says which step failed and what to do. */
    private RegistrationException failure(StepName step, String operation, SdkException e) {
        String action = "iot:" + operation;
        if (!(e instanceof AwsServiceException)) {
            return new RegistrationException(step, operation, null, step + " failed: " + operation + " did not reach"
                    + " AWS IoT: " + e.getMessage() + ". Check the network, the region (" + describeRegion() + ") and"
                    + " that credentials are available (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,"
                    + " ~/.aws/credentials, an instance role); then run the registration again, every step is"
                    + " idempotent", e);
        }
        AwsServiceException aws = (AwsServiceException) e;
        String code = aws.awsErrorDetails() == null ? null : aws.awsErrorDetails().errorCode();
        String message = aws.awsErrorDetails() == null ? aws.getMessage() : aws.awsErrorDetails().errorMessage();
        int status = aws.statusCode();
        String what = step + " failed: AWS IoT answered " + operation + " with " + code + " (HTTP " + status + "): "
                + message + ". ";
        String advice;
        if ("UnrecognizedClientException".equals(code) || "InvalidSignatureException".equals(code)
                || "ExpiredTokenException".equals(code) || "InvalidClientTokenId".equals(code)) {
            advice = "The credentials are not valid (unknown access key, wrong secret or expired session): renew"
                    + " them, or check which ones the default chain picks up.";
        } else if (status == 401 || status == 403 || "AccessDeniedException".equals(code)
                || "UnauthorizedException".equals(code)) {
            advice = "Allow the IAM action " + action + " to the credentials in use; a registration needs "
                    + IAM_ACTIONS + ".";
        } else if (aws.isThrottlingException() || "ThrottlingException".equals(code)) {
            advice = "AWS throttled the requests beyond the SDK's retries: wait a minute and run the registration"
                    + " again; every step is idempotent.";
        } else if ("LimitExceededException".equals(code) || "ServiceQuotaExceededException".equals(code)) {
            advice = "An account quota is reached: delete unused resources of that kind or ask AWS for a higher"
                    + " quota, then run the registration again.";
        } else if ("MalformedPolicyException".equals(code)) {
            advice = "AWS rejected the policy document: check the topic prefixes " + topicPrefixes + ".";
        } else if (status == 400 || "InvalidRequestException".equals(code) || "ValidationException".equals(code)) {
            advice = "AWS rejected the request as invalid: check the thing name '" + thingName + "', the policy name '"
                    + policyName + "' and the topic prefixes.";
        } else if (status >= 500) {
            advice = "AWS IoT failed on its side: run the registration again later; every step is idempotent.";
        } else {
            advice = "See the AWS IoT API reference for " + operation + ".";
        }
        return new RegistrationException(step, operation, code, what + advice, e);
    }

    private String describeRegion() {
        return region != null ? region : iotClient != null ? String.valueOf(regionOf(iotClient)) : "default chain";
    }

    /**
     * Describes the registration: thing, directory, policy and region. Holds no keys.
     *
     * @return e.g. {@code ThingRegistration{thing=rpi-sensor-01, outputDirectory=/etc/edgeflow, ...}}
     */
    @Override
    public String toString() {
        return "ThingRegistration{thing=" + thingName + ", outputDirectory=" + outputDirectory + ", configFile="
                + configFile + ", policy=" + policyName + (wildcardPolicy ? " (wildcard)" : " (narrowed)")
                + ", region=" + describeRegion() + "}";
    }

    /** The certificate a registration creates or reuses. */
    private static final class Certificate {
        final String id;
        final String arn;
        final Path certificateFile;
        final Path privateKeyFile;

        Certificate(String id, String arn, Path certificateFile, Path privateKeyFile) {
            this.id = id;
            this.arn = arn;
            this.certificateFile = certificateFile;
            this.privateKeyFile = privateKeyFile;
        }
    }

    /**
     * Builds a {@link ThingRegistration}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String thingName;
        private Path outputDirectory;
        private Path configFile;
        private String region;
        private IotClient iotClient;
        private URI endpointOverride;
        private AwsCredentialsProvider credentialsProvider;
        private String policyName;
        private boolean wildcardPolicy;
        private Path rootCaFile;
        private List<String> topicPrefixes;
        private Consumer<Step> onStep;

        private Builder() {
        }

        /**
         * Sets a listener that is told of each step as soon as it has completed, on the thread that
         * runs {@link ThingRegistration#register()}, so that a command line or a UI shows progress
         * while the slower AWS calls run. The same steps, in the same order, are in the report
         * {@code register()} returns; a step that fails is not passed to it (the
         * {@link RegistrationException} names it).
         *
         * @param onStep called once per completed step; an exception it throws ends the registration
         *     and reaches the caller of {@code register()}
         * @return this builder
         */
        public Builder onStep(Consumer<Step> onStep) {
            this.onStep = onStep;
            return this;
        }

        /**
         * Sets the thing's name (required): 1 to 128 of {@code a-z A-Z 0-9 : _ -}, AWS IoT's rule.
         * It is also the device's MQTT client id.
         *
         * @param thingName e.g. {@code rpi-sensor-01}
         * @return this builder
         */
        public Builder thingName(String thingName) {
            this.thingName = thingName;
            return this;
        }

        /**
         * Sets the directory for the certificate, the keys and the config (required); created if missing.
         *
         * @param outputDirectory e.g. {@code /etc/edgeflow}
         * @return this builder
         */
        public Builder outputDirectory(Path outputDirectory) {
            this.outputDirectory = outputDirectory;
            return this;
        }

        /**
         * Sets the config file; default {@code <outputDirectory>/edgeflow-aws.json}.
         *
         * @param configFile where {@link DeviceConfig#write(Path)} writes
         * @return this builder
         */
        public Builder configFile(Path configFile) {
            this.configFile = configFile;
            return this;
        }

        /**
         * Sets the AWS region; default the SDK's region chain ({@code AWS_REGION}, {@code ~/.aws/config}).
         * Not together with {@link #iotClient(IotClient)}.
         *
         * @param region e.g. {@code eu-west-1}
         * @return this builder
         */
        public Builder region(String region) {
            this.region = region;
            return this;
        }

        /**
         * Uses a client of the caller's instead of one the registration builds and closes. The caller
         * keeps it open and closes it. Not together with {@link #region(String)},
         * {@link #endpointOverride(URI)} or {@link #credentialsProvider(AwsCredentialsProvider)}.
         *
         * @param iotClient an AWS IoT control-plane client
         * @return this builder
         */
        public Builder iotClient(IotClient iotClient) {
            this.iotClient = iotClient;
            return this;
        }

        /**
         * Sends the AWS IoT control-plane calls to another URI, e.g. a VPC endpoint or a test server.
         *
         * @param endpointOverride e.g. {@code https://vpce-0123.iot.eu-west-1.vpce.amazonaws.com}
         * @return this builder
         */
        public Builder endpointOverride(URI endpointOverride) {
            this.endpointOverride = endpointOverride;
            return this;
        }

        /**
         * Sets the credentials; default the SDK's default chain (environment, profile, instance role).
         *
         * @param credentialsProvider the credentials of an identity allowed {@value ThingRegistration#IAM_ACTIONS}
         * @return this builder
         */
        public Builder credentialsProvider(AwsCredentialsProvider credentialsProvider) {
            this.credentialsProvider = credentialsProvider;
            return this;
        }

        /**
         * Sets the IoT policy's name; default {@code <thing>-policy} (a {@code :} in the thing name, which
         * policy names do not allow, becomes {@code _}).
         *
         * @param policyName 1 to 128 of {@code a-z A-Z 0-9 _ + = , . @ -}
         * @return this builder
         */
        public Builder policyName(String policyName) {
            this.policyName = policyName;
            return this;
        }

        /**
         * Creates the seed's policy, {@code iot:Connect}, {@code iot:Publish}, {@code iot:Subscribe} and
         * {@code iot:Receive} on {@code *}, instead of the narrowed one; default false. Logs a warning:
         * the device's key then allows acting as any client on any topic of the account.
         *
         * @param wildcardPolicy true for the seed's policy
         * @return this builder
         */
        public Builder wildcardPolicy(boolean wildcardPolicy) {
            this.wildcardPolicy = wildcardPolicy;
            return this;
        }

        /**
         * Records a root CA file in the config; default none, which means the system trust store. The
         * file is not read or checked here.
         *
         * @param rootCaFile e.g. {@code AmazonRootCA1.pem}
         * @return this builder
         */
        public Builder rootCaFile(Path rootCaFile) {
            this.rootCaFile = rootCaFile;
            return this;
        }

        /**
         * Sets the topic prefixes the narrowed policy lets the device publish, subscribe and receive on,
         * besides its own shadow topics; default {@code sensor/<thing>/} and {@code device/<thing>/}.
         *
         * @param topicPrefixes e.g. {@code List.of("factory/line-1/rpi-sensor-01/")}; each non-blank and
         *     free of {@code # + * ?} and policy variables, which would widen it
         * @return this builder
         */
        public Builder topicPrefixes(List<String> topicPrefixes) {
            this.topicPrefixes = topicPrefixes == null ? null : List.copyOf(topicPrefixes);
            return this;
        }

        /**
         * Checks the settings and builds the registration. Does not contact AWS.
         *
         * @return the registration, ready to {@link ThingRegistration#register()}
         * @throws IllegalArgumentException naming the setting and the bad value: a missing or invalid thing
         *     name, no output directory, an invalid policy name, a widening or blank topic prefix, an
         *     {@code iotClient} together with {@code region}, {@code endpointOverride} or
         *     {@code credentialsProvider}
         */
        public ThingRegistration build() {
            if (thingName == null || !THING_NAME.matcher(thingName).matches()) {
                throw new IllegalArgumentException("thingName " + (thingName == null ? "is not set" : "'" + thingName
                        + "' is not a valid AWS IoT thing name") + ": use 1 to 128 of the characters a-z A-Z 0-9"
                        + " : _ - (no spaces, dots or slashes), e.g. rpi-sensor-01");
            }
            if (outputDirectory == null) {
                throw new IllegalArgumentException("outputDirectory is not set; set it to the directory for the"
                        + " device's certificate, keys and config, e.g. /etc/edgeflow");
            }
            if (policyName != null && !POLICY_NAME.matcher(policyName).matches()) {
                throw new IllegalArgumentException("policyName '" + policyName + "' is not a valid AWS IoT policy"
                        + " name: use 1 to 128 of the characters a-z A-Z 0-9 _ + = , . @ -");
            }
            if (topicPrefixes != null) {
                if (topicPrefixes.isEmpty()) {
                    throw new IllegalArgumentException("topicPrefixes is empty; give at least one prefix the device"
                            + " publishes under, e.g. sensor/" + thingName + "/");
                }
                for (String prefix : topicPrefixes) {
                    if (prefix.isBlank() || WIDENING.matcher(prefix).find()) {
                        throw new IllegalArgumentException("topic prefix '" + prefix + "' would widen the policy"
                                + " beyond the thing's own topics: use a non-blank literal prefix without # + * ? or"
                                + " ${...}, e.g. sensor/" + thingName + "/; wildcardPolicy(true) allows everything");
                    }
                }
            }
            if (iotClient != null && (region != null || endpointOverride != null || credentialsProvider != null)) {
                throw new IllegalArgumentException("iotClient is set together with region, endpointOverride or"
                        + " credentialsProvider; configure those on the IotClient, or leave iotClient unset");
            }
            if (region != null && region.isBlank()) {
                throw new IllegalArgumentException("region is blank; set it to an AWS region such as eu-west-1, or"
                        + " leave it unset for the SDK's region chain");
            }
            return new ThingRegistration(this);
        }
    }
}
