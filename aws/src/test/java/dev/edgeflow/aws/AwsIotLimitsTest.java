package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.core.Message;
import dev.edgeflow.core.MessageRejectedException;
import org.junit.jupiter.api.Test;

class AwsIotLimitsTest {
    private final AwsIotLimits iot = AwsIotLimits.IOT_CORE;

    @Test
    void acceptsAPayloadOfExactly128Kb() {
        assertThatCode(() -> iot.check(Message.of("sensor/a", new byte[128 * 1024]))).doesNotThrowAnyException();
        assertThatThrownBy(() -> iot.check(Message.of("sensor/a", new byte[128 * 1024 + 1])))
                .isInstanceOf(MessageRejectedException.class).hasMessageContaining("131073-byte payload");
    }

    @Test
    void countsSlashesWithoutTheBasicIngestPrefix() {
        assertThat(AwsIotLimits.slashesCounted("a/b/c")).isEqualTo(2);
        assertThat(AwsIotLimits.slashesCounted("$aws/rules/my_rule/a/b/c")).isEqualTo(2);
        assertThat(AwsIotLimits.slashesCounted("$aws/things/t/shadow/update")).isEqualTo(4);
        assertThatCode(() -> iot.checkTopic("$aws/rules/r/1/2/3/4/5/6/7/8", null)).doesNotThrowAnyException();
        assertThatThrownBy(() -> iot.checkTopic("1/2/3/4/5/6/7/8/9", null))
                .hasMessageContaining("8 slashes").hasMessageContaining("limit of 7");
    }

    @Test
    void rejectsATopicOver256BytesAndWildcards() {
        String longTopic = "t/" + "x".repeat(255);
        assertThatThrownBy(() -> iot.checkTopic(longTopic, null)).isInstanceOf(MessageRejectedException.class)
                .hasMessageContaining("257 bytes long");
        assertThatThrownBy(() -> iot.checkTopic("a/#", null)).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> iot.checkTopic("a/+/b", null)).hasMessageContaining("wildcard");
    }

    @Test
    void rejectsAClientIdOver128Bytes() {
        assertThatCode(() -> iot.checkClientId("x".repeat(128))).doesNotThrowAnyException();
        assertThatThrownBy(() -> iot.checkClientId("x".repeat(129))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("129 bytes");
    }

    @Test
    void noneChecksNothingAndHasNoRateLimit() {
        assertThatCode(() -> AwsIotLimits.NONE.check(Message.of("1/2/3/4/5/6/7/8/9/10", new byte[200_000])))
                .doesNotThrowAnyException();
        assertThat(AwsIotLimits.NONE.publishesPerSecond()).isZero();
        assertThat(iot.withPublishesPerSecond(50).publishesPerSecond()).isEqualTo(50);
        assertThatThrownBy(() -> iot.withPublishesPerSecond(-1)).hasMessageContaining("publishesPerSecond");
    }
}
