package dev.edgeflow.core;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * How a pipeline retries a failed send: exponential backoff with jitter, a bounded number of
 * attempts, and a test of which failures are worth retrying.
 *
 * <p>The delay before attempt {@code n+1} is {@code min(maxDelay, baseDelay * multiplier^(n-1))},
 * then spread at random by up to {@code jitter} of itself either way so that many devices
 * failing together do not retry in step. {@link MessageRejectedException} and
 * {@link IllegalArgumentException} are never retried: they go straight to the dead-letter sink.
 * Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class RetryPolicy {
    private static final Predicate<Throwable> DEFAULT_RETRY_ON =
            t -> !(t instanceof MessageRejectedException) && !(t instanceof IllegalArgumentException);
    private static final RetryPolicy NONE = builder().maxAttempts(1).build();
    private static final RetryPolicy DEFAULTS = builder().build();

    private final int maxAttempts;
    private final Duration baseDelay;
    private final Duration maxDelay;
    private final double multiplier;
    private final double jitter;
    private final Predicate<Throwable> retryOn;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.baseDelay = b.baseDelay;
        this.maxDelay = b.maxDelay;
        this.multiplier = b.multiplier;
        this.jitter = b.jitter;
        this.retryOn = b.retryOn;
    }

    /**
     * Returns the defaults: 5 attempts, 100 ms base delay doubling up to 30 s, 20 % jitter.
     *
     * @return the default policy
     */
    public static RetryPolicy ofDefaults() {
        return DEFAULTS;
    }

    /**
     * Returns a policy that never retries: one attempt, then the dead-letter sink.
     *
     * @return the policy
     */
    public static RetryPolicy none() {
        return NONE;
    }

    /**
     * Starts a policy from the defaults.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the number of attempts, the first one included.
     *
     * @return at least 1
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Returns the delay before the second attempt, before jitter.
     *
     * @return the base delay
     */
    public Duration baseDelay() {
        return baseDelay;
    }

    /**
     * Returns the longest delay between two attempts, before jitter.
     *
     * @return the cap
     */
    public Duration maxDelay() {
        return maxDelay;
    }

    /**
     * Tells whether a failure after a given attempt is retried.
     *
     * @param failure the failure
     * @param attempt the attempt that failed, 1 for the first
     * @return {@code true} if another attempt is due
     */
    public boolean shouldRetry(Throwable failure, int attempt) {
        return attempt < maxAttempts && retryOn.test(failure);
    }

    /**
     * Returns the delay to wait after a failed attempt, with jitter.
     *
     * @param attempt the attempt that failed, 1 for the first
     * @return the delay before the next attempt
     */
    public Duration delayAfter(int attempt) {
        double nanos = baseDelay.toNanos() * Math.pow(multiplier, Math.max(0, attempt - 1));
        nanos = Math.min(nanos, maxDelay.toNanos());
        if (jitter > 0) {
            nanos *= 1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        }
        return Duration.ofNanos((long) nanos);
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", baseDelay=" + baseDelay + ", maxDelay=" + maxDelay
                + ", multiplier=" + multiplier + ", jitter=" + jitter + "}";
    }

    /**
     * Builds a {@link RetryPolicy}; every setter checks its value.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private int maxAttempts = 5;
        private Duration baseDelay = Duration.ofMillis(100);
        private Duration maxDelay = Duration.ofSeconds(30);
        private double multiplier = 2.0;
        private double jitter = 0.2;
        private Predicate<Throwable> retryOn = DEFAULT_RETRY_ON;

        private Builder() {
        }

        /**
         * Sets the number of attempts, the first one included.
         *
         * @param maxAttempts at least 1; 1 means no retry
         * @return this builder
         * @throws IllegalArgumentException if below 1
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("retry maxAttempts is " + maxAttempts
                        + ": it counts the first attempt, so use 1 for no retry or more");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets the delay before the second attempt.
         *
         * @param baseDelay a positive duration
         * @return this builder
         * @throws IllegalArgumentException if zero or negative
         */
        public Builder baseDelay(Duration baseDelay) {
            this.baseDelay = positive(baseDelay, "baseDelay");
            return this;
        }

        /**
         * Sets the longest delay between two attempts.
         *
         * @param maxDelay a positive duration
         * @return this builder
         * @throws IllegalArgumentException if zero or negative
         */
        public Builder maxDelay(Duration maxDelay) {
            this.maxDelay = positive(maxDelay, "maxDelay");
            return this;
        }

        /**
         * Sets the factor by which the delay grows per attempt.
         *
         * @param multiplier 1 or more
         * @return this builder
         * @throws IllegalArgumentException if below 1 or not a number
         */
        public Builder multiplier(double multiplier) {
            if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException("retry multiplier is " + multiplier
                        + ": use a finite number of at least 1 (2 doubles the delay each attempt)");
            }
            this.multiplier = multiplier;
            return this;
        }

        /**
         * Sets how far at random each delay may stray from its nominal value.
         *
         * @param jitter a fraction from 0 (none) to 1 (anywhere from 0 to twice the delay)
         * @return this builder
         * @throws IllegalArgumentException if outside 0 to 1
         */
        public Builder jitter(double jitter) {
            if (!(jitter >= 0 && jitter <= 1)) {
                throw new IllegalArgumentException("retry jitter is " + jitter + ": use a fraction from 0 to 1");
            }
            this.jitter = jitter;
            return this;
        }

        /**
         * Sets which failures are retried, on top of the rule that
         * {@link MessageRejectedException} and {@link IllegalArgumentException} never are.
         *
         * @param retryOn true for a failure worth another attempt
         * @return this builder
         */
        public Builder retryOn(Predicate<Throwable> retryOn) {
            Objects.requireNonNull(retryOn, "retryOn");
            this.retryOn = DEFAULT_RETRY_ON.and(retryOn);
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         * @throws IllegalArgumentException if {@code maxDelay} is shorter than {@code baseDelay}
         */
        public RetryPolicy build() {
            if (maxDelay.compareTo(baseDelay) < 0) {
                throw new IllegalArgumentException("retry maxDelay " + maxDelay + " is shorter than baseDelay "
                        + baseDelay + ": raise maxDelay or lower baseDelay");
            }
            return new RetryPolicy(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("retry " + name + " is " + d + ": use a positive duration");
            }
            return d;
        }
    }
}
