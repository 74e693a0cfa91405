package dev.edgeflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void backsOffExponentiallyUpToTheCap() {
        RetryPolicy p = RetryPolicy.builder().baseDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(1))
                .jitter(0).maxAttempts(10).build();
        assertThat(p.delayAfter(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(p.delayAfter(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(p.delayAfter(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(p.delayAfter(5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.delayAfter(60)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void spreadsDelaysWithinTheJitter() {
        RetryPolicy p = RetryPolicy.builder().baseDelay(Duration.ofMillis(100)).jitter(0.5).build();
        for (int i = 0; i < 1000; i++) {
            assertThat(p.delayAfter(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(150));
        }
    }

    @Test
    void neverRetriesRejectedMessages() {
        RetryPolicy p = RetryPolicy.ofDefaults();
        assertThat(p.shouldRetry(new IOException("broker gone"), 1)).isTrue();
        assertThat(p.shouldRetry(new IOException("broker gone"), 5)).isFalse();
        assertThat(p.shouldRetry(new MessageRejectedException("too big"), 1)).isFalse();
        assertThat(p.shouldRetry(new IllegalArgumentException("bad"), 1)).isFalse();
        assertThat(RetryPolicy.builder().retryOn(t -> t instanceof IOException).build()
                .shouldRetry(new IllegalStateException(), 1)).isFalse();
        assertThat(RetryPolicy.none().shouldRetry(new IOException(), 1)).isFalse();
    }

    @Test
    void rejectsBadSettingsNamingTheValue() {
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).hasMessageContaining("maxAttempts is 0");
        assertThatThrownBy(() -> RetryPolicy.builder().baseDelay(Duration.ZERO)).hasMessageContaining("baseDelay is PT0S");
        assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5)).hasMessageContaining("jitter is 1.5");
        assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5)).hasMessageContaining("multiplier is 0.5");
        assertThatThrownBy(() -> RetryPolicy.builder().baseDelay(Duration.ofSeconds(10))
                .maxDelay(Duration.ofSeconds(1)).build()).hasMessageContaining("shorter than baseDelay");
    }
}
