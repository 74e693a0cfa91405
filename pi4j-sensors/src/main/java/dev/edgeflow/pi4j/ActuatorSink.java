package dev.edgeflow.pi4j;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import dev.edgeflow.core.PayloadFormatException;
import dev.edgeflow.core.Sink;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a pipeline that drives outputs: each message is a command that sets one or more
 * {@link Actuator}s, named in the sink's configuration, such as a relay and a fan.
 *
 * <pre>{@code
 * ActuatorSink outputs = ActuatorSink.builder()
 *         .actuator(DigitalActuator.builder().name("relay").pin(17).activeLow(true).open(pi4j))
 *         .actuator(PwmActuator.builder().name("fan").pin(18).channel(2).open(pi4j))
 *         .build();
 * Pipeline.from(shadowDeltaSource).to(outputs).start();
 * }</pre>
 *
 * <p><b>Commands.</b> The payload is a JSON object of one of these shapes:
 * <ol>
 *   <li>{@code {"pin": 17, "state": "on"}}: one output by its GPIO number, and exactly these two
 *       fields;</li>
 *   <li>{@code {"output": "relay", "state": "on"}}: one output by its name, and exactly these two
 *       fields;</li>
 *   <li>{@code {"relay": "on", "fan": 40}}: a desired state, where every field names an output.
 *       This is what {@code ShadowDeltaSource} emits;</li>
 *   <li>{@code {"state": {"relay": "on"}}}: the same wrapped as a shadow delta event, and
 *       {@code {"state": {"desired": {"relay": "on"}}}} as a shadow update or get document. Next to
 *       {@code state} the document fields {@code version}, {@code timestamp}, {@code metadata} and
 *       {@code clientToken} are ignored; next to {@code desired}, {@code reported} and
 *       {@code delta} are ignored.</li>
 * </ol>
 * A state is a JSON string, number or boolean, given to {@link Actuator#normalize(String)} as
 * text ({@code 40}, {@code true}). The field names {@code pin}, {@code output}, {@code state},
 * {@code desired}, {@code reported} and {@code delta} therefore cannot name an output.
 *
 * <p><b>Rejections.</b> A message that can never be applied completes exceptionally with
 * {@link MessageRejectedException}, whose message names the message and says what is wrong, so
 * that the pipeline dead-letters it without retrying: a payload that is not a JSON object, a
 * shape that mixes the ones above, an unknown pin or name ({@code no output for pin 5:
 * configured outputs are relay (pin 17), fan (pin 18)}), a state an output does not accept. Every
 * entry of a command is checked before any output is set, so a rejected command sets nothing.
 *
 * <p><b>Completion.</b> {@code send} sets the outputs on the calling thread, one command at a
 * time across threads, and returns a stage that is already complete: normally once every output
 * of the command is set, or exceptionally with {@link ActuatorException} if a driver failed. That
 * failure may pass, so the pipeline retries it; outputs set before the failing one stay set, and
 * a retry sets them again to the same state. Setting a GPIO takes microseconds; the sink starts
 * no thread.
 *
 * <p><b>Close.</b> {@link #close()} waits for a command being applied, switches every output to
 * its safe state ({@link Actuator#off()}: relay open, PWM 0) unless
 * {@link Builder#offOnClose(boolean)} says otherwise, and closes the actuators, which the sink
 * owns. A stopped pipeline can no longer switch a heater off, hence the default. Later sends
 * complete exceptionally with {@link IllegalStateException}.
 *
 * <p>Each applied command is logged at DEBUG (a control loop may send many a second) and
 * counted: {@link #appliedCount()}, {@link #rejectedCount()}, {@link #failedCount()}.
 *
 * @since 0.1.0
 */
public final class ActuatorSink implements Sink {
    private static final Logger LOG = LoggerFactory.getLogger(ActuatorSink.class);
    private static final Set<String> RESERVED = Set.of("pin", "output", "state", "desired", "reported", "delta");
    private static final Set<String> DOCUMENT_FIELDS = Set.of("version", "timestamp", "metadata", "clientToken");
    private static final String EXAMPLE = "{\"output\": \"relay\", \"state\": \"on\"}";

    private final String name;
    private final boolean offOnClose;
    private final Map<String, Actuator> byName;
    private final Map<Integer, Actuator> byPin;
    private final String configured;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closed;

    private ActuatorSink(Builder b) {
        this.name = b.name;
        this.offOnClose = b.offOnClose;
        this.byName = new LinkedHashMap<>();
        this.byPin = new LinkedHashMap<>();
        for (Actuator a : b.actuators) {
            byName.put(a.name(), a);
            byPin.put(a.pin(), a);
        }
        this.configured = b.actuators.stream().map(a -> a.name() + " (pin " + a.pin() + ")")
                .collect(Collectors.joining(", "));
    }

    /**
     * Starts an actuator sink.
     *
     * @return a builder; at least one {@link Builder#actuator(Actuator)} is required
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Applies one command; see the class description for the shapes accepted.
     *
     * @param message a command
     * @return an already completed stage: normally once the outputs are set; exceptionally with
     *     {@link MessageRejectedException} if the command can never be applied (nothing was set),
     *     with {@link ActuatorException} if a driver failed (worth a retry), or with
     *     {@link IllegalStateException} if the sink is closed
     */
    @Override
    public CompletionStage<Void> send(Message message) {
        Objects.requireNonNull(message, "message");
        Map<Actuator, String> command;
        try {
            command = parse(message);
        } catch (Rejection r) {
            rejected.incrementAndGet();
            String reason = "actuator sink '" + name + "' rejected message " + message.id() + " on topic '"
                    + message.topic() + "': " + r.getMessage();
            LOG.debug("{}", reason);
            return CompletableFuture.failedFuture(new MessageRejectedException(reason, r.getCause()));
        }
        lock.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(closedException(message));
            }
            for (Map.Entry<Actuator, String> e : command.entrySet()) {
                Actuator a = e.getKey();
                try {
                    a.apply(e.getValue());
                } catch (RuntimeException ex) {
                    failed.incrementAndGet();
                    LOG.warn("actuator sink '{}': setting output '{}' (pin {}) to {} for message {} failed: {}", name,
                            a.name(), a.pin(), e.getValue(), message.id(), ex.toString());
                    return CompletableFuture.failedFuture(ex instanceof ActuatorException ? ex
                            : new ActuatorException("output '" + a.name() + "' (pin " + a.pin()
                                    + ") could not be set to " + e.getValue() + ": " + ex.getMessage(), ex));
                }
            }
            applied.incrementAndGet();
        } finally {
            lock.unlock();
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("actuator sink '{}' applied message {}: {}", name, message.id(), command.entrySet().stream()
                    .map(e -> e.getKey().name() + "=" + e.getValue()).collect(Collectors.joining(", ")));
        }
        return CompletableFuture.completedFuture(null);
    }

    private IllegalStateException closedException(Message message) {
        return new IllegalStateException("actuator sink '" + name + "' is closed; message " + message.id()
                + " on topic '" + message.topic() + "' was not applied");
    }

    /** Turns a payload into the outputs to set and their canonical states, or says why it cannot. */
    private Map<Actuator, String> parse(Message message) {
        if (closed) {
            // Checked again under the lock; this only spares a closed sink the parsing.
            return Map.of();
        }
        JsonNode root;
        try {
            root = message.payloadAsJson();
        } catch (PayloadFormatException e) {
            throw new Rejection("the payload is not JSON; send an object such as " + EXAMPLE, e);
        }
        if (!root.isObject()) {
            throw new Rejection("the payload is a JSON " + root.getNodeType().toString().toLowerCase(Locale.ROOT)
                    + ", not an object; send an object such as " + EXAMPLE, null);
        }
        if (root.has("pin") || root.has("output")) {
            return single(root);
        }
        if (root.has("state")) {
            return shadowDocument(root);
        }
        return desired(root, "");
    }

    private Map<Actuator, String> single(JsonNode root) {
        if (root.has("pin") && root.has("output")) {
            throw new Rejection("it gives both 'pin' and 'output'; name the output one way, such as " + EXAMPLE, null);
        }
        String key = root.has("pin") ? "pin" : "output";
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!field.equals(key) && !field.equals("state")) {
                throw new Rejection("field '" + field + "' next to '" + key + "'; a command for one output has only '"
                        + key + "' and 'state', such as " + EXAMPLE, null);
            }
        }
        JsonNode state = root.get("state");
        if (state == null) {
            throw new Rejection("'state' is missing; a command for one output is such as " + EXAMPLE, null);
        }
        Actuator target;
        JsonNode ref = root.get(key);
        if (key.equals("pin")) {
            if (!ref.isIntegralNumber() || !ref.canConvertToInt()) {
                throw new Rejection("'pin' is " + ref + ", not a GPIO number such as 17", null);
            }
            target = byPin.get(ref.intValue());
            if (target == null) {
                throw new Rejection("no output for pin " + ref.intValue() + ": configured outputs are " + configured,
                        null);
            }
        } else {
            if (!ref.isTextual()) {
                throw new Rejection("'output' is " + ref + ", not an output name such as \"relay\"", null);
            }
            target = byName.get(ref.textValue());
            if (target == null) {
                throw new Rejection("no output named '" + ref.textValue() + "': configured outputs are " + configured,
                        null);
            }
        }
        List<String> problems = new ArrayList<>();
        Map<Actuator, String> command = new LinkedHashMap<>();
        check(target, state, problems, command);
        if (!problems.isEmpty()) {
            throw new Rejection(problems.get(0), null);
        }
        return command;
    }

    private Map<Actuator, String> shadowDocument(JsonNode root) {
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!field.equals("state") && !DOCUMENT_FIELDS.contains(field)) {
                throw new Rejection("field '" + field + "' next to 'state'; a shadow document has 'state' and only "
                        + String.join(", ", DOCUMENT_FIELDS) + " besides", null);
            }
        }
        JsonNode state = root.get("state");
        if (!state.isObject()) {
            throw new Rejection("'state' is " + state + ", not an object of output states such as "
                    + "{\"state\": {\"relay\": \"on\"}}", null);
        }
        if (state.has("desired")) {
            for (Iterator<String> it = state.fieldNames(); it.hasNext();) {
                String field = it.next();
                if (!field.equals("desired") && !field.equals("reported") && !field.equals("delta")) {
                    throw new Rejection("'state' mixes 'desired' with the output '" + field + "'; put every output "
                            + "state inside 'desired'", null);
                }
            }
            JsonNode desired = state.get("desired");
            if (!desired.isObject()) {
                throw new Rejection("'state.desired' is " + desired + ", not an object of output states such as "
                        + "{\"relay\": \"on\"}", null);
            }
            return desired(desired, "state.desired.");
        }
        if (state.has("reported") || state.has("delta")) {
            throw new Rejection("'state' holds no 'desired' state, only "
                    + (state.has("reported") ? "'reported'" : "'delta'") + ": nothing to apply", null);
        }
        return desired(state, "state.");
    }

    private Map<Actuator, String> desired(JsonNode states, String path) {
        if (states.isEmpty()) {
            throw new Rejection("the desired state " + (path.isEmpty() ? "" : "'" + path.substring(0, path.length() - 1)
                    + "' ") + "names no output: nothing to apply; configured outputs are " + configured, null);
        }
        List<String> problems = new ArrayList<>();
        Map<Actuator, String> command = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : states.properties()) {
            Actuator a = byName.get(e.getKey());
            if (a == null) {
                problems.add("no output named '" + path + e.getKey() + "': configured outputs are " + configured);
            } else {
                check(a, e.getValue(), problems, command);
            }
        }
        if (!problems.isEmpty()) {
            throw new Rejection(String.join("; ", problems), null);
        }
        return command;
    }

    private static void check(Actuator a, JsonNode value, List<String> problems, Map<Actuator, String> command) {
        if (!value.isValueNode() || value.isNull()) {
            problems.add("the state for output '" + a.name() + "' (pin " + a.pin() + ") is " + value
                    + "; give a string, number or boolean, such as \"on\"");
            return;
        }
        try {
            command.put(a, a.normalize(value.asText()));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
    }

    /**
     * Counts the commands applied: every output of the command was set.
     *
     * @return the count since the sink was built
     */
    public long appliedCount() {
        return applied.get();
    }

    /**
     * Counts the commands rejected with {@link MessageRejectedException}; none of their outputs
     * was set.
     *
     * @return the count since the sink was built
     */
    public long rejectedCount() {
        return rejected.get();
    }

    /**
     * Counts the commands that a driver failed to apply ({@link ActuatorException}).
     *
     * @return the count since the sink was built
     */
    public long failedCount() {
        return failed.get();
    }

    /**
     * Returns the outputs, by name.
     *
     * @return the actuators in the order they were added, unmodifiable
     */
    public Map<String, Actuator> actuators() {
        return Collections.unmodifiableMap(byName);
    }

    /**
     * Waits for a command being applied, switches every output off unless configured not to, and
     * closes the actuators. An output that fails to switch off is logged at WARN and still closed.
     * Idempotent; does not throw.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Actuator a : byName.values()) {
                if (offOnClose) {
                    try {
                        a.off();
                    } catch (RuntimeException e) {
                        LOG.warn("actuator sink '{}': switching output '{}' (pin {}) off on close failed; it may "
                                + "still be on: {}", name, a.name(), a.pin(), e.toString());
                    }
                }
                try {
                    a.close();
                } catch (RuntimeException e) {
                    LOG.warn("actuator sink '{}': closing output '{}' (pin {}) failed: {}", name, a.name(), a.pin(),
                            e.toString());
                }
            }
        } finally {
            lock.unlock();
        }
        LOG.debug("actuator sink '{}' closed{}", name, offOnClose ? ", outputs off" : ", outputs left as they were");
    }

    @Override
    public String toString() {
        return "ActuatorSink{" + name + ": " + configured + "}";
    }

    /** Why a command is rejected; becomes the reason of a MessageRejectedException. */
    private static final class Rejection extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Rejection(String reason, Throwable cause) {
            super(reason, cause, false, false);
        }
    }

    /**
     * Builds an {@link ActuatorSink}. Not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String name = "actuators";
        private boolean offOnClose = true;
        private final List<Actuator> actuators = new ArrayList<>();

        private Builder() {
        }

        /**
         * Names the sink, for logs, stats and rejection reasons.
         *
         * @param name not empty; by default {@code actuators}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Adds an output. The sink owns it from now on and closes it when the sink closes.
         *
         * @param actuator an open actuator whose name and pin no other one of this sink has
         * @return this builder
         * @throws IllegalArgumentException if another actuator has the same name or pin, or the
         *     name is one of the command's field names
         */
        public Builder actuator(Actuator actuator) {
            Objects.requireNonNull(actuator, "actuator");
            String n = actuator.name();
            if (n == null || n.isBlank()) {
                throw new IllegalArgumentException("an actuator on pin " + actuator.pin() + " has no name: name it");
            }
            if (RESERVED.contains(n)) {
                throw new IllegalArgumentException("output name '" + n + "' is a field of the command format ("
                        + String.join(", ", RESERVED) + "): choose another name");
            }
            for (Actuator a : actuators) {
                if (a.name().equals(n)) {
                    throw new IllegalArgumentException("two outputs are named '" + n + "' (pins " + a.pin() + " and "
                            + actuator.pin() + "): give each its own name");
                }
                if (a.pin() == actuator.pin()) {
                    throw new IllegalArgumentException("outputs '" + a.name() + "' and '" + n + "' both use pin "
                            + a.pin() + ": give each its own pin");
                }
            }
            actuators.add(actuator);
            return this;
        }

        /**
         * Says whether {@link ActuatorSink#close()} switches every output off first.
         *
         * @param off by default {@code true}; {@code false} leaves outputs as the last command set
         *     them, for lights that should stay on across a restart
         * @return this builder
         */
        public Builder offOnClose(boolean off) {
            this.offOnClose = off;
            return this;
        }

        /**
         * Builds the sink.
         *
         * @return the sink
         * @throws IllegalArgumentException if the name is empty or no actuator was added
         */
        public ActuatorSink build() {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("actuator sink name is " + (name == null ? "null" : "empty")
                        + ": leave it unset for 'actuators'");
            }
            if (actuators.isEmpty()) {
                throw new IllegalArgumentException("actuator sink '" + name + "' has no outputs: add one with "
                        + "actuator(DigitalActuator.builder()...open(pi4j))");
            }
            return new ActuatorSink(this);
        }
    }
}
