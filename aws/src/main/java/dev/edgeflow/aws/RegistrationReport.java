package dev.edgeflow.aws;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link ThingRegistration#register()} did, step by step: which resources it created in AWS
 * IoT Core, which it found already there, and the {@link DeviceConfig} it wrote. Immutable.
 *
 * @since 0.1.0
 */
public final class RegistrationReport {
    private final List<Step> steps;
    private final DeviceConfig config;
    private final Path configFile;

    RegistrationReport(List<Step> steps, DeviceConfig config, Path configFile) {
        this.steps = List.copyOf(steps);
        this.config = Objects.requireNonNull(config, "config");
        this.configFile = Objects.requireNonNull(configFile, "configFile");
    }

    /**
     * Returns the steps in the order they ran.
     *
     * @return an unmodifiable list, one entry per {@link StepName} that ran
     */
    public List<Step> steps() {
        return steps;
    }

    /**
     * Returns the step of the given name.
     *
     * @param name the step
     * @return the step, or empty if it did not run
     */
    public Optional<Step> step(StepName name) {
        return steps.stream().filter(s -> s.name() == name).findFirst();
    }

    /**
     * Returns the config that was written, with absolute paths.
     *
     * @return the device's config
     */
    public DeviceConfig config() {
        return config;
    }

    /**
     * Returns where the config was written.
     *
     * @return the config file, e.g. {@code <outputDirectory>/edgeflow-aws.json}
     */
    public Path configFile() {
        return configFile;
    }

    /**
     * Describes the steps and outcomes; never keys (the report holds none).
     *
     * @return one line per step
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("RegistrationReport{thing=").append(config.thingName())
                .append(", config=").append(configFile);
        for (Step step : steps) {
            s.append("\n  ").append(step);
        }
        return s.append('}').toString();
    }

    /**
     * The steps of a registration, in the order they run, each named after the AWS IoT API call
     * that does its work.
     *
     * @since 0.1.0
     */
    public enum StepName {
        /** Looks up the account's data endpoint ({@code DescribeEndpoint}, {@code iot:Data-ATS}). */
        ENDPOINT,
        /**
         * Creates the device's keys and certificate ({@code CreateKeysAndCertificate}), or reuses the
         * ones the config names ({@code DescribeCertificate}, {@code UpdateCertificate} to reactivate).
         */
        CERTIFICATE,
        /** Writes the {@link DeviceConfig}. */
        CONFIG,
        /** Creates the IoT policy ({@code CreatePolicy}; {@code GetPolicy} to compare an existing one). */
        POLICY,
        /** Attaches the policy to the certificate ({@code AttachPolicy}). */
        ATTACH_POLICY,
        /** Creates the thing ({@code CreateThing}). */
        THING,
        /** Attaches the certificate to the thing ({@code AttachThingPrincipal}). */
        ATTACH_THING_PRINCIPAL
    }

    /**
     * What a step found and did.
     *
     * @since 0.1.0
     */
    public enum Outcome {
        /** The step created something new: a certificate, a policy, a thing, a config file. */
        CREATED,
        /** What the step would create was already there; it was left as it is. */
        ALREADY_DONE,
        /** The step reused the keys and certificate an earlier registration wrote. */
        REUSED,
        /**
         * The step ran an idempotent call (attach, look up) and AWS does not say whether it changed
         * anything.
         */
        DONE
    }

    /**
     * One step of a registration.
     *
     * @param name which step
     * @param outcome what it found and did
     * @param detail for a person: ids, ARNs, the endpoint, and what to do when something needs a hand
     * @since 0.1.0
     */
    public record Step(StepName name, Outcome outcome, String detail) {
        /**
         * Creates a step.
         *
         * @param name which step
         * @param outcome what it found and did
         * @param detail for a person
         * @throws NullPointerException if an argument is null
         */
        public Step {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(detail, "detail");
        }

        /**
         * Describes the step.
         *
         * @return e.g. {@code THING CREATED: arn:aws:iot:eu-west-1:123456789012:thing/rpi-sensor-01}
         */
        @Override
        public String toString() {
            return name + " " + outcome + ": " + detail;
        }
    }
}
