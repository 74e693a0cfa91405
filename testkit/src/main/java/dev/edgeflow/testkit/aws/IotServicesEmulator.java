package dev.edgeflow.testkit.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Device Shadow and fleet provisioning services of AWS IoT Core, emulated by one MQTT client
 * on the test broker's plain listener. It answers requests on the reserved topics as the services
 * do, and lets a test act as the cloud (set desired state) and look at what the services hold.
 *
 * <p>Shadow service: per thing and shadow name, a desired and a reported section merged key by
 * key (a {@code null} removes a key, a {@code null} section clears it), a version raised by one
 * with every accepted update and kept across a delete, as AWS IoT keeps it. {@code get},
 * {@code update} and {@code delete} are answered on {@code /accepted} or {@code /rejected}
 * (404 {@code No shadow exists with name: '<thing>'}, 409 {@code Version conflict}, 400 for a
 * request that is not JSON or has no {@code state} object), echoing the request's
 * {@code clientToken}; after an accepted update whose result has a delta (desired keys that differ
 * from the reported ones) the delta goes out on {@code /update/delta}.
 *
 * <p>Identity service: {@code $aws/certificates/create/json} makes an RSA key and a certificate
 * signed by the {@link ProvisioningAuthority}; {@code $aws/certificates/create-from-csr/json}
 * signs a valid CSR (400 {@code InvalidCertificateSigningRequest} otherwise);
 * {@code $aws/provisioning-templates/<t>/provision/json} registers a thing for a known template
 * and an unused ownership token (404 {@code ResourceNotFoundException} for an unknown template,
 * 400 {@code InvalidCertificateOwnershipToken} for a token it never issued or that was used). As in
 * AWS IoT, identity answers carry no client token.
 */
public final class IotServicesEmulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IotServicesEmulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The client's Netty thread, of its own: it ends when the emulator closes. */
    private final ExecutorService eventLoop = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "emulator");
        t.setDaemon(true);
        return t;
    });
    private final Mqtt5AsyncClient client;
    private final ProvisioningAuthority authority;
    private final Map<String, Shadow> shadows = new HashMap<>();
    /** What the change being applied published, for the test-side setters to wait on. */
    private final List<CompletableFuture<?>> sent = new ArrayList<>();
    private final Map<String, Function<Map<String, String>, String>> templates = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new HashMap<>();
    private final Map<String, String> registered = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final List<Answer> heldAnswers = new ArrayList<>();
    private int answersToHold;
    private ObjectNode nextRejection;

    private IotServicesEmulator(String host, int port, ProvisioningAuthority authority) {
        this.authority = authority;
        this.client = MqttClient.builder().useMqttVersion5().identifier("iot-services-emulator-"
                        + UUID.randomUUID().toString().substring(0, 8)).serverHost(host).serverPort(port)
                .executorConfig(MqttClientExecutorConfig.builder().nettyExecutor(eventLoop).nettyThreads(1).build())
                .buildAsync();
        client.connectWith().cleanStart(true).send().join();
        subscribe("$aws/things/+/shadow/+");
        subscribe("$aws/things/+/shadow/name/+/+");
        subscribe("$aws/certificates/create/json");
        subscribe("$aws/certificates/create-from-csr/json");
        subscribe("$aws/provisioning-templates/+/provision/json");
    }

    /**
     * Connects to a broker's plain listener and starts answering; blocks until subscribed.
     *
     * @param host the broker's host
     * @param port its plain (not TLS) listener
     * @param authority the CA that signs the certificates the identity service hands out
     * @return the running emulator
     */
    public static IotServicesEmulator start(String host, int port, ProvisioningAuthority authority) {
        return new IotServicesEmulator(host, port, authority);
    }

    private void subscribe(String filter) {
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).callback(this::onRequest).send()
                .orTimeout(10, TimeUnit.SECONDS).join();
    }

    // ---- what a test does as the cloud ----

    /**
     * Merges desired state into a shadow, as an application in the cloud would, and waits until
     * the broker has what the change publishes (documents, delta).
     *
     * @param thing the thing name
     * @param shadowName the named shadow, or {@code null} for the classic one
     * @param desired the desired keys; a {@code null} value removes a key
     * @return the shadow's new version
     */
    public long setDesired(String thing, String shadowName, JsonNode desired) {
        ObjectNode state = JSON.createObjectNode();
        state.set("desired", desired);
        return applyAndWait(thing, shadowName, state);
    }

    /**
     * Applies a change as the cloud would and waits until the broker has what it publishes
     * (documents, delta), so that a test that subscribes next does not get it late.
     */
    private long applyAndWait(String thing, String shadowName, ObjectNode state) {
        long version;
        List<CompletableFuture<?>> published;
        synchronized (this) {
            sent.clear();
            version = applyUpdate(thing, shadowName, state, null).version;
            published = new ArrayList<>(sent);
            sent.clear();
        }
        CompletableFuture.allOf(published.toArray(new CompletableFuture<?>[0])).orTimeout(10, TimeUnit.SECONDS)
                .join();
        return version;
    }

    /**
     * Merges reported state into a shadow, as another client of the same shadow would, and waits
     * until the broker has what the change publishes.
     *
     * @param thing the thing name
     * @param shadowName the named shadow, or {@code null} for the classic one
     * @param reported the reported keys; a {@code null} value removes a key
     * @return the shadow's new version
     */
    public long setReported(String thing, String shadowName, JsonNode reported) {
        ObjectNode state = JSON.createObjectNode();
        state.set("reported", reported);
        return applyAndWait(thing, shadowName, state);
    }

    /**
     * Returns the shadow's document as a get would answer it.
     *
     * @param thing the thing name
     * @param shadowName the named shadow, or {@code null} for the classic one
     * @return the document, or empty if the shadow does not exist
     */
    public synchronized Optional<ObjectNode> document(String thing, String shadowName) {
        Shadow s = shadows.get(key(thing, shadowName));
        return s == null || !s.exists ? Optional.empty() : Optional.of(s.document(null));
    }

    /**
     * Holds the next shadow answers and sends them in reverse order, to test correlation.
     *
     * @param count how many answers to hold
     */
    public synchronized void answerNextInReverse(int count) {
        this.answersToHold = count;
    }

    /**
     * Rejects the next shadow request, as the service does for a policy that forbids it.
     *
     * @param code the code of the rejection, such as 403
     * @param message its message
     */
    public synchronized void rejectNextShadowRequest(int code, String message) {
        nextRejection = JSON.createObjectNode().put("code", code).put("message", message);
    }

    /**
     * Accepts registrations with a template.
     *
     * @param name the template's name
     * @param thingNamePrefix the registered thing's name starts with this
     * @param parameter the template parameter whose value ends the thing's name
     */
    public void acceptTemplate(String name, String thingNamePrefix, String parameter) {
        templates.put(name, params -> params.containsKey(parameter) ? thingNamePrefix + params.get(parameter) : null);
    }

    /**
     * Returns the things registered so far.
     *
     * @return thing name to certificate id
     */
    public Map<String, String> registeredThings() {
        return Map.copyOf(registered);
    }

    /**
     * Counts the requests that came in on topics ending with a suffix.
     *
     * @param suffix such as {@code /shadow/get}
     * @return the count
     */
    public int requestsOn(String suffix) {
        return requests.entrySet().stream().filter(e -> e.getKey().endsWith(suffix))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("emulator: disconnect failed: {}", e.toString());
        }
        eventLoop.shutdownNow();
    }

    // ---- requests ----

    private synchronized void onRequest(Mqtt5Publish publish) {
        String topic = publish.getTopic().toString();
        requests.computeIfAbsent(topic, t -> new AtomicInteger()).incrementAndGet();
        JsonNode request;
        try {
            request = JSON.readTree(publish.getPayloadAsBytes());
        } catch (IOException e) {
            request = null;
        }
        try {
            if (topic.startsWith("$aws/things/")) {
                onShadowRequest(topic, request);
            } else {
                onIdentityRequest(topic, request);
            }
        } catch (RuntimeException e) {
            LOG.error("emulator: request on {} failed: {}", topic, e.toString(), e);
        }
    }

    private void onShadowRequest(String topic, JsonNode request) {
        String[] levels = topic.split("/");
        String thing = levels[2];
        String shadowName = levels.length == 7 ? levels[5] : null;
        String operation = levels[levels.length - 1];
        String token = request == null ? null : request.path("clientToken").asText(null);
        if (request == null || !request.isObject()) {
            reject(topic, token, 400, "Invalid JSON");
            return;
        }
        if (nextRejection != null) {
            reject(topic, token, nextRejection.get("code").asInt(), nextRejection.get("message").asText());
            nextRejection = null;
            return;
        }
        Shadow s = shadows.computeIfAbsent(key(thing, shadowName), k -> new Shadow());
        long now = Instant.now().getEpochSecond();
        switch (operation) {
            case "get":
                if (!s.exists) {
                    reject(topic, token, 404, "No shadow exists with name: '" + thing + "'");
                } else {
                    answer(topic + "/accepted", withToken(s.document(null), token));
                }
                break;
            case "update":
                if (!(request.get("state") instanceof ObjectNode)) {
                    reject(topic, token, 400, "Missing required node: state");
                    return;
                }
                if (request.has("version") && request.get("version").asLong() != s.version) {
                    reject(topic, token, 409, "Version conflict");
                    return;
                }
                ObjectNode state = (ObjectNode) request.get("state");
                Shadow after = applyUpdate(thing, shadowName, state, token);
                ObjectNode accepted = JSON.createObjectNode();
                accepted.set("state", state.deepCopy());
                accepted.set("metadata", JSON.createObjectNode());
                accepted.put("version", after.version).put("timestamp", now);
                answer(topic + "/accepted", withToken(accepted, token));
                break;
            case "delete":
                if (!s.exists) {
                    reject(topic, token, 404, "No shadow exists with name: '" + thing + "'");
                    return;
                }
                s.exists = false;
                s.desired = JSON.createObjectNode();
                s.reported = JSON.createObjectNode();
                ObjectNode deleted = JSON.createObjectNode().put("version", s.version).put("timestamp", now);
                answer(topic + "/accepted", withToken(deleted, token));
                break;
            default:
                LOG.debug("emulator: {} is not a shadow request", topic);
        }
    }

    /** Applies an update and publishes the delta it leaves, as the service does after accepting it. */
    private Shadow applyUpdate(String thing, String shadowName, ObjectNode state, String token) {
        Shadow s = shadows.computeIfAbsent(key(thing, shadowName), k -> new Shadow());
        s.desired = merge(s.desired, state.get("desired"), state.has("desired"));
        s.reported = merge(s.reported, state.get("reported"), state.has("reported"));
        s.exists = true;
        s.version++;
        ObjectNode delta = delta(s.desired, s.reported);
        if (delta.size() > 0) {
            ObjectNode event = JSON.createObjectNode();
            event.set("state", delta);
            event.set("metadata", JSON.createObjectNode());
            event.put("version", s.version).put("timestamp", Instant.now().getEpochSecond());
            publish(prefix(thing, shadowName) + "/update/delta", withToken(event, token));
        }
        return s;
    }

    private static ObjectNode merge(ObjectNode current, JsonNode change, boolean present) {
        if (!present) {
            return current;
        }
        if (change == null || change.isNull()) {
            return JSON.createObjectNode();
        }
        ObjectNode result = current.deepCopy();
        Iterator<Map.Entry<String, JsonNode>> fields = change.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getValue().isNull()) {
                result.remove(f.getKey());
            } else if (f.getValue().isObject() && result.get(f.getKey()) instanceof ObjectNode) {
                result.set(f.getKey(), merge((ObjectNode) result.get(f.getKey()), f.getValue(), true));
            } else {
                result.set(f.getKey(), f.getValue().deepCopy());
            }
        }
        return result;
    }

    private static ObjectNode delta(ObjectNode desired, ObjectNode reported) {
        ObjectNode delta = JSON.createObjectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = desired.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode r = reported.get(f.getKey());
            if (f.getValue().isObject() && r instanceof ObjectNode) {
                ObjectNode inner = delta((ObjectNode) f.getValue(), (ObjectNode) r);
                if (inner.size() > 0) {
                    delta.set(f.getKey(), inner);
                }
            } else if (!f.getValue().equals(r)) {
                delta.set(f.getKey(), f.getValue().deepCopy());
            }
        }
        return delta;
    }

    private void onIdentityRequest(String topic, JsonNode request) {
        if (request == null || !request.isObject()) {
            rejectIdentity(topic, 400, "InvalidPayload", "The payload is not JSON");
            return;
        }
        if (topic.equals("$aws/certificates/create/json")) {
            ProvisioningAuthority.Issued issued = authority.issueWithKey("provisioned-" + UUID.randomUUID());
            ObjectNode accepted = JSON.createObjectNode().put("certificateId", issued.certificateId)
                    .put("certificatePem", issued.certificatePem).put("privateKey", issued.privateKeyPem)
                    .put("certificateOwnershipToken", token(issued.certificateId));
            publish(topic + "/accepted", accepted);
        } else if (topic.equals("$aws/certificates/create-from-csr/json")) {
            ProvisioningAuthority.Issued issued = authority.issueForCsr(
                    request.path("certificateSigningRequest").asText(""));
            if (issued == null) {
                rejectIdentity(topic, 400, "InvalidCertificateSigningRequest",
                        "The certificate signing request is not valid");
                return;
            }
            ObjectNode accepted = JSON.createObjectNode().put("certificateId", issued.certificateId)
                    .put("certificatePem", issued.certificatePem)
                    .put("certificateOwnershipToken", token(issued.certificateId));
            publish(topic + "/accepted", accepted);
        } else {
            String template = topic.split("/")[2];
            Function<Map<String, String>, String> naming = templates.get(template);
            if (naming == null) {
                rejectIdentity(topic, 404, "ResourceNotFoundException", "Template " + template + " not found");
                return;
            }
            String certificateId = tokens.remove(request.path("certificateOwnershipToken").asText(""));
            if (certificateId == null) {
                rejectIdentity(topic, 400, "InvalidCertificateOwnershipToken",
                        "Certificate ownership token cannot be found");
                return;
            }
            Map<String, String> parameters = new HashMap<>();
            request.path("parameters").fields()
                    .forEachRemaining(e -> parameters.put(e.getKey(), e.getValue().asText()));
            String thingName = naming.apply(parameters);
            if (thingName == null) {
                rejectIdentity(topic, 400, "InvalidParameters", "A parameter the template needs is missing");
                return;
            }
            registered.put(thingName, certificateId);
            ObjectNode accepted = JSON.createObjectNode().put("thingName", thingName);
            accepted.set("deviceConfiguration", JSON.createObjectNode().put("template", template)
                    .put("certificateId", certificateId));
            publish(topic + "/accepted", accepted);
        }
    }

    private String token(String certificateId) {
        String token = "token-" + UUID.randomUUID();
        tokens.put(token, certificateId);
        return token;
    }

    // ---- answers ----

    private void reject(String requestTopic, String token, int code, String message) {
        ObjectNode error = JSON.createObjectNode().put("code", code).put("message", message)
                .put("timestamp", Instant.now().getEpochSecond());
        answer(requestTopic + "/rejected", withToken(error, token));
    }

    private void rejectIdentity(String requestTopic, int status, String code, String message) {
        publish(requestTopic + "/rejected", JSON.createObjectNode().put("statusCode", status).put("errorCode", code)
                .put("errorMessage", message));
    }

    private void answer(String topic, ObjectNode payload) {
        if (answersToHold > 0) {
            heldAnswers.add(new Answer(topic, payload));
            if (heldAnswers.size() < answersToHold) {
                return;
            }
            answersToHold = 0;
            List<Answer> reversed = new ArrayList<>(heldAnswers);
            heldAnswers.clear();
            Collections.reverse(reversed);
            reversed.forEach(a -> publish(a.topic, a.payload));
            return;
        }
        publish(topic, payload);
    }

    private void publish(String topic, ObjectNode payload) {
        try {
            CompletableFuture<?> f = client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(JSON.writeValueAsBytes(payload)).send().whenComplete((r, e) -> {
                        if (e != null) {
                            LOG.warn("emulator: publishing on {} failed: {}", topic, e.toString());
                        }
                    });
            synchronized (this) {
                sent.add(f);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode withToken(ObjectNode payload, String token) {
        if (token != null) {
            payload.put("clientToken", token);
        }
        return payload;
    }

    private static String prefix(String thing, String shadowName) {
        return "$aws/things/" + thing + "/shadow" + (shadowName == null ? "" : "/name/" + shadowName);
    }

    private static String key(String thing, String shadowName) {
        return thing + "|" + (shadowName == null ? "" : shadowName);
    }

    private static final class Shadow {
        ObjectNode desired = JsonNodeFactory.instance.objectNode();
        ObjectNode reported = JsonNodeFactory.instance.objectNode();
        long version;
        boolean exists;

        ObjectNode document(String token) {
            ObjectNode state = JSON.createObjectNode();
            if (desired.size() > 0) {
                state.set("desired", desired.deepCopy());
            }
            if (reported.size() > 0) {
                state.set("reported", reported.deepCopy());
            }
            ObjectNode delta = delta(desired, reported);
            if (delta.size() > 0) {
                state.set("delta", delta);
            }
            ObjectNode document = JSON.createObjectNode();
            document.set("state", state);
            document.set("metadata", JSON.createObjectNode());
            document.put("version", version).put("timestamp", Instant.now().getEpochSecond());
            return withToken(document, token);
        }
    }

    private static final class Answer {
        final String topic;
        final ObjectNode payload;

        Answer(String topic, ObjectNode payload) {
            this.topic = topic;
            this.payload = payload;
        }
    }
}
