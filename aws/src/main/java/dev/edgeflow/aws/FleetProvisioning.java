package dev.edgeflow.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.Qos;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet provisioning by claim over MQTT: a device that ships with a shared claim certificate
 * gets a certificate of its own and a thing in AWS IoT, through the service's MQTT API.
 *
 * <ol>
 * <li>{@link #createKeysAndCertificate()} ({@code $aws/certificates/create/json}): the service
 *     makes the key pair and certificate; or {@link #createCertificateFromCsr(String)}
 *     ({@code $aws/certificates/create-from-csr/json}): the service signs the device's CSR, and
 *     the private key never leaves the device.</li>
 * <li>{@link #registerThing(String, String, Map)}
 *     ({@code $aws/provisioning-templates/<template>/provision/json}): the template creates the
 *     thing, activates the certificate and attaches the policy.</li>
 * </ol>
 *
 * <p>{@link #provision(String, Map, Path)} and {@link #provisionWithCsr(String, Map, Path)} do
 * both and write {@code device.cert.pem} and {@code device.private.key} (mode 0600); then close
 * the claim connection and connect with the new certificate and the returned thing name.
 *
 * <p>The service's answers carry no client token, so requests go out one at a time, each after
 * the previous one was answered or timed out (30 s by default). Before its first request of an
 * operation, this class subscribes to the operation's {@code /accepted} and {@code /rejected}
 * topics. The claim certificate's policy must allow {@code iot:Publish} and {@code iot:Receive}
 * on {@code $aws/certificates/create/*} (or {@code create-from-csr/*}) and
 * {@code $aws/provisioning-templates/<template>/provision/*}, and {@code iot:Subscribe} on the
 * same as topic filters. While the connection is down, requests wait to be sent and time out.
 *
 * @since 0.1.0
 */
public final class FleetProvisioning implements AutoCloseable {
    /** The certificate file that {@link #provision(String, Map, Path)} writes. */
    public static final String CERTIFICATE_FILE = "device.cert.pem";
    /** The private key file that {@link #provision(String, Map, Path)} writes, mode 0600. */
    public static final String PRIVATE_KEY_FILE = "device.private.key";

    private static final Logger LOG = LoggerFactory.getLogger(FleetProvisioning.class);
    private static final String CREATE_KEYS = "CreateKeysAndCertificate";
    private static final String CREATE_FROM_CSR = "CreateCertificateFromCsr";
    private static final String REGISTER = "RegisterThing";

    private final AwsIotConnection connection;
    private final Duration timeout;
    private final ShadowSubscriptions subscriptions;
    private final AtomicReference<Request> inFlight = new AtomicReference<>();
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
    private volatile boolean closed;

    private FleetProvisioning(AwsIotConnection connection, Duration timeout) {
        this.connection = connection;
        this.timeout = timeout;
        connection.claimShared(toString());
        this.subscriptions = new ShadowSubscriptions(connection, toString(), this::onAnswer, () -> { });
    }

    /**
     * Provisions over a connection made with the claim certificate, with a timeout of 30 s per
     * request. Does not block and sends nothing yet.
     *
     * @param claimConnection a connection with the claim certificate; it stays open when this is closed
     * @return the provisioning client
     * @throws IllegalStateException if an {@link AwsIotSource} holds the connection alone
     */
    public static FleetProvisioning of(AwsIotConnection claimConnection) {
        return of(claimConnection, Duration.ofSeconds(30));
    }

    /**
     * Provisions over a connection made with the claim certificate, with another timeout.
     *
     * @param claimConnection a connection with the claim certificate
     * @param timeout how long each request waits for its answer, more than zero
     * @return the provisioning client
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     * @throws IllegalStateException if an {@link AwsIotSource} holds the connection alone
     */
    public static FleetProvisioning of(AwsIotConnection claimConnection, Duration timeout) {
        Objects.requireNonNull(claimConnection, "claimConnection");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("FleetProvisioning timeout must be more than zero, was " + timeout);
        }
        return new FleetProvisioning(claimConnection, timeout);
    }

    /**
     * Asks the service for a new key pair and certificate. Does not block.
     *
     * @return completes with the certificate, its private key and its ownership token;
     *     exceptionally with {@link ProvisioningException} if the service refused or did not answer
     */
    public CompletionStage<ProvisionedCertificate> createKeysAndCertificate() {
        return async(request(CREATE_KEYS, null, "$aws/certificates/create/json",
                ShadowJson.MAPPER.createObjectNode()).thenApply(answer -> certificate(answer, true)));
    }

    /**
     * Asks the service to sign a certificate signing request; the private key stays with the
     * caller. Does not block.
     *
     * @param csrPem the PKCS#10 request, {@code -----BEGIN CERTIFICATE REQUEST-----...}
     * @return completes with the certificate and its ownership token (no private key);
     *     exceptionally with {@link ProvisioningException} if the service refused (such as 400 for
     *     a request it cannot read) or did not answer
     * @throws IllegalArgumentException if {@code csrPem} is not a PEM certificate request
     */
    public CompletionStage<ProvisionedCertificate> createCertificateFromCsr(String csrPem) {
        if (csrPem == null || !csrPem.contains("-----BEGIN CERTIFICATE REQUEST-----")) {
            throw new IllegalArgumentException("the CSR must be PEM text starting with -----BEGIN CERTIFICATE "
                    + "REQUEST----- (e.g. from openssl req -new -key device.private.key -subj /CN=rpi-01), was "
                    + (csrPem == null ? "null" : csrPem.length() + " characters without that line"));
        }
        ObjectNode body = ShadowJson.MAPPER.createObjectNode().put("certificateSigningRequest", csrPem);
        return async(request(CREATE_FROM_CSR, null, "$aws/certificates/create-from-csr/json", body)
                .thenApply(answer -> certificate(answer, false)));
    }

    /**
     * Registers a thing with a provisioning template, which activates the certificate the
     * ownership token belongs to. Does not block.
     *
     * @param templateName the fleet provisioning template
     * @param certificateOwnershipToken from {@link ProvisionedCertificate#certificateOwnershipToken()}
     * @param parameters the template's parameters, such as {@code SerialNumber}
     * @return completes with the thing's name and the template's device configuration;
     *     exceptionally with {@link ProvisioningException} naming the template if the service
     *     refused (an unknown template, an expired token, a pre-provisioning hook that said no) or
     *     did not answer
     * @throws IllegalArgumentException if the template name is empty or holds a {@code /}, {@code +} or {@code #}
     */
    public CompletionStage<RegisteredThing> registerThing(String templateName, String certificateOwnershipToken,
            Map<String, String> parameters) {
        checkTemplate(templateName);
        Objects.requireNonNull(certificateOwnershipToken, "certificateOwnershipToken");
        ObjectNode body = ShadowJson.MAPPER.createObjectNode().put("certificateOwnershipToken",
                certificateOwnershipToken);
        body.set("parameters", ShadowJson.MAPPER.valueToTree(parameters == null ? Map.of() : parameters));
        return async(request(REGISTER, templateName, "$aws/provisioning-templates/" + templateName + "/provision/json",
                body).thenApply(FleetProvisioning::registered));
    }

    /**
     * Provisions the device completely: has the service make keys and a certificate, registers
     * the thing with the template, and writes {@value #CERTIFICATE_FILE} and
     * {@value #PRIVATE_KEY_FILE} into {@code outputDirectory}. The key file is created with mode
     * 0600 before the key is written into it, and each file is moved into place whole, so that a
     * crash leaves the old file or the new one. Blocks for up to two request timeouts.
     *
     * @param templateName the fleet provisioning template
     * @param parameters the template's parameters
     * @param outputDirectory where the files go; created if missing
     * @return the thing, with the paths of the files written
     * @throws ProvisioningException if the service refused or did not answer, or a file cannot be
     *     written (with the file and the reason); nothing is written when a request fails
     * @throws InterruptedException if interrupted while waiting
     */
    public RegisteredThing provision(String templateName, Map<String, String> parameters, Path outputDirectory)
            throws InterruptedException {
        checkTemplate(templateName);
        Objects.requireNonNull(outputDirectory, "outputDirectory");
        ProvisionedCertificate certificate = await(createKeysAndCertificate(), CREATE_KEYS, null);
        RegisteredThing thing = await(registerThing(templateName, certificate.certificateOwnershipToken(),
                parameters), REGISTER, templateName);
        return writeCredentials(thing, certificate, certificate.privateKey().orElseThrow(), outputDirectory);
    }

    /**
     * Provisions the device with a key that never leaves it: makes a P-256 key pair here, has the
     * service sign a certificate signing request for it, registers the thing, and writes
     * {@value #CERTIFICATE_FILE} and {@value #PRIVATE_KEY_FILE} (mode 0600, PKCS#8) as
     * {@link #provision(String, Map, Path)} does. Blocks for up to two request timeouts.
     *
     * @param templateName the fleet provisioning template
     * @param parameters the template's parameters
     * @param outputDirectory where the files go; created if missing
     * @return the thing, with the paths of the files written
     * @throws ProvisioningException if the service refused or did not answer, or a file cannot be written
     * @throws InterruptedException if interrupted while waiting
     */
    public RegisteredThing provisionWithCsr(String templateName, Map<String, String> parameters,
            Path outputDirectory) throws InterruptedException {
        checkTemplate(templateName);
        Objects.requireNonNull(outputDirectory, "outputDirectory");
        ProvisioningCsr csr = ProvisioningCsr.generate(connection.clientId());
        ProvisionedCertificate certificate = await(createCertificateFromCsr(csr.csrPem()), CREATE_FROM_CSR, null);
        RegisteredThing thing = await(registerThing(templateName, certificate.certificateOwnershipToken(),
                parameters), REGISTER, templateName);
        return writeCredentials(thing, certificate, csr.privateKeyPem(), outputDirectory);
    }

    /**
     * Stops listening for answers; a request still waiting fails with {@link IllegalStateException}.
     * The claim connection stays open. Idempotent; does not block.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        subscriptions.close();
        Request r = inFlight.getAndSet(null);
        if (r != null) {
            r.result.completeExceptionally(new IllegalStateException(this + " was closed before the answer came"));
        }
    }

    @Override
    public String toString() {
        return "FleetProvisioning[" + connection.clientId() + "]";
    }

    // ---- the protocol ----

    private synchronized CompletableFuture<JsonNode> request(String operation, String template, String topic,
            ObjectNode body) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException(this + " is closed"));
        }
        CompletableFuture<JsonNode> result = tail.handle((x, e) -> null).thenCompose(previous -> send(operation,
                template, topic, body));
        tail = result;
        return result;
    }

    private CompletableFuture<JsonNode> send(String operation, String template, String topic, ObjectNode body) {
        Request request = new Request(operation, template, topic, new CompletableFuture<>());
        inFlight.set(request);
        CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            if (inFlight.compareAndSet(request, null)) {
                request.result.completeExceptionally(new ProvisioningException(operation + describe(template)
                        + " got no answer within " + timeout + " on " + topic + "/accepted or /rejected" + (connection
                        .isConnected() ? ": " + policyHint(template) : ": the connection is down"), operation, template,
                        0, null, false, null));
            }
        });
        subscriptions.ensureAll(topic + "/accepted", topic + "/rejected")
                .thenCompose(subscribed -> connection.publish(topic, ShadowJson.write(body), Qos.AT_LEAST_ONCE))
                .whenComplete((published, failure) -> {
                    if (failure != null && inFlight.compareAndSet(request, null)) {
                        Throwable cause = unwrap(failure);
                        request.result.completeExceptionally(new ProvisioningException(operation + describe(template)
                                + " could not be sent on " + topic + ": " + cause.getMessage() + "; "
                                + policyHint(template), operation, template, 0, null,
                                cause instanceof AwsIotException && ((AwsIotException) cause).isPermanent(), cause));
                    }
                });
        return request.result;
    }

    /** On the connection's thread. */
    private void onAnswer(Message message) {
        Request request = inFlight.get();
        if (request == null || !message.topic().startsWith(request.topic + "/")
                || !inFlight.compareAndSet(request, null)) {
            LOG.debug("{}: an answer on '{}' with no request waiting (one that timed out?) was ignored", this,
                    message.topic());
            return;
        }
        JsonNode answer = ShadowJson.readObject(message.payload());
        if (answer == null) {
            request.result.completeExceptionally(new ProvisioningException(request.operation
                    + describe(request.template) + ": the answer on " + message.topic() + " is not JSON",
                    request.operation, request.template, 0, null, false, null));
        } else if (message.topic().endsWith("/accepted")) {
            request.result.complete(answer);
        } else {
            int status = answer.path("statusCode").asInt(0);
            String code = answer.path("errorCode").asText("");
            String text = answer.path("errorMessage").asText("");
            request.result.completeExceptionally(new ProvisioningException(request.operation
                    + describe(request.template) + " was rejected: " + status + " " + code + " '" + text + "'"
                    + rejectionHint(status, code, request.template), request.operation, request.template, status,
                    code, status != 429 && status < 500, null));
        }
    }

    private static ProvisionedCertificate certificate(JsonNode answer, boolean withKey) {
        return new ProvisionedCertificate(text(answer, "certificateId"), text(answer, "certificatePem"),
                withKey ? text(answer, "privateKey") : null, text(answer, "certificateOwnershipToken"));
    }

    private static RegisteredThing registered(JsonNode answer) {
        Map<String, String> configuration = new LinkedHashMap<>();
        answer.path("deviceConfiguration").fields().forEachRemaining(e -> configuration.put(e.getKey(),
                e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
        return new RegisteredThing(text(answer, "thingName"), configuration, null, null, null);
    }

    private static String text(JsonNode answer, String field) {
        JsonNode value = answer.get(field);
        if (value == null || !value.isTextual()) {
            throw new ProvisioningException("the service's answer has no '" + field + "'; fields present: "
                    + fieldNames(answer), "read answer", null, 0, null, false, null);
        }
        return value.asText();
    }

    private static String fieldNames(JsonNode answer) {
        StringBuilder names = new StringBuilder();
        answer.fieldNames().forEachRemaining(n -> names.append(names.length() == 0 ? "" : ", ").append(n));
        return names.toString();
    }

    private RegisteredThing writeCredentials(RegisteredThing thing, ProvisionedCertificate certificate,
            String privateKeyPem, Path directory) {
        Path certificateFile = directory.resolve(CERTIFICATE_FILE);
        Path keyFile = directory.resolve(PRIVATE_KEY_FILE);
        try {
            Files.createDirectories(directory);
            writeWhole(keyFile, privateKeyPem, true);
            writeWhole(certificateFile, certificate.certificatePem(), false);
        } catch (IOException e) {
            throw new ProvisioningException("thing '" + thing.thingName() + "' is registered, but its credentials "
                    + "cannot be written to " + directory + ": " + e + "; the certificate "
                    + certificate.certificateId() + " is active without a key on this device, so provision again once "
                    + "the folder is writable",
                    "WriteCredentials", null, 0, null, true, e);
        }
        LOG.info("{}: provisioned thing '{}' with certificate {}; credentials in {}", this, thing.thingName(),
                certificate.certificateId(), directory);
        return thing.withFiles(certificate.certificateId(), certificateFile, keyFile);
    }

    /** Writes a temporary file beside the target (0600 from creation for a secret), then moves it into place. */
    private static void writeWhole(Path target, String content, boolean secret) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Path temp = posix
                ? Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                                secret ? "rw-------" : "rw-r--r--")))
                : Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        if (!posix && secret) {
            LOG.warn("{} is on a file system without POSIX permissions; restrict who can read it by other means",
                    target);
        }
        try {
            Files.writeString(temp, content, StandardCharsets.US_ASCII);
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private <T> T await(CompletionStage<T> stage, String operation, String template) throws InterruptedException {
        try {
            // The request's own timeout ends it first; this bound only guards against a lost completion.
            return stage.toCompletableFuture().get(timeout.toMillis() * 2 + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            throw cause instanceof ProvisioningException ? (ProvisioningException) cause
                    : new ProvisioningException(operation + describe(template) + " failed: " + cause, operation,
                    template, 0, null, false, cause);
        } catch (TimeoutException e) {
            throw new ProvisioningException(operation + describe(template) + " did not finish within "
                    + timeout.multipliedBy(2), operation, template, 0, null, false, e);
        }
    }

    private static String describe(String template) {
        return template == null ? "" : " with template '" + template + "'";
    }

    private static String policyHint(String template) {
        return "check that the claim certificate's policy allows iot:Publish, iot:Subscribe and iot:Receive on "
                + (template == null ? "$aws/certificates/create/* and $aws/certificates/create-from-csr/*"
                : "$aws/provisioning-templates/" + template + "/provision/*");
    }

    private static String rejectionHint(int status, String code, String template) {
        if (status == 404 || code.contains("NotFound")) {
            return template == null ? "" : ": no provisioning template '" + template + "' exists in this account and "
                    + "region (aws iot list-provisioning-templates)";
        }
        if (code.contains("OwnershipToken")) {
            return ": the token must come from a certificate created on this connection less than an hour ago";
        }
        if (status == 401 || status == 403) {
            return ": " + policyHint(template) + ", and that the template is enabled and its provisioning role may "
                    + "create things";
        }
        return "";
    }

    private static void checkTemplate(String templateName) {
        if (templateName == null || templateName.isEmpty() || templateName.contains("/")
                || templateName.contains("+") || templateName.contains("#")) {
            throw new IllegalArgumentException("provisioning template name " + (templateName == null ? "null"
                    : "'" + templateName + "'") + " is not a template name: give the name as created with aws iot "
                    + "create-provisioning-template, e.g. edge-gateway-template");
        }
    }

    private static <T> CompletionStage<T> async(CompletableFuture<T> stage) {
        return stage.thenApplyAsync(Function.identity());
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static final class Request {
        final String operation;
        final String template;
        final String topic;
        final CompletableFuture<JsonNode> result;

        Request(String operation, String template, String topic, CompletableFuture<JsonNode> result) {
            this.operation = operation;
            this.template = template;
            this.topic = topic;
            this.result = result;
        }
    }
}
