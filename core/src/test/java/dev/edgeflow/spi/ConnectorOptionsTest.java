package dev.edgeflow.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectorOptionsTest {

    @Test
    void masksValuesNamedLikeSecretsInToString() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("password", "hunter2");
        values.put("clientSecret", "cs-value");
        values.put("token", "tok-value");
        values.put("apiKey", "key-value");
        values.put("keyFile", "/etc/edgeflow/device.key");
        values.put("host", "broker.local");

        String shown = ConnectorOptions.of("mqtt", values).toString();

        assertThat(shown).doesNotContain("hunter2", "cs-value", "tok-value", "key-value")
                .contains("password=****", "token=****", "keyFile=/etc/edgeflow/device.key", "host=broker.local");
    }

    @Test
    void masksValuesNamedLikeSecretsInErrors() {
        ConnectorOptions options = ConnectorOptions.of("mqtt", Map.of("tokenTtl", "s3cr3t-oops", "password", "pw-1"));

        assertThatThrownBy(() -> options.duration("tokenTtl", null))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("tokenTtl")
                .hasMessageContaining("****")
                .hasMessageNotContaining("s3cr3t-oops");
        assertThat(options.bad("password", "pw-1", "a password").getMessage()).doesNotContain("pw-1");
    }

    @Test
    void readsHostPortPathAndQueryFromAUri() {
        ConnectorOptions options = ConnectorOptions.fromUri(URI.create("jsonl:///tmp/out%20dir/x.jsonl?maxBytes=10MB&fsync"));

        assertThat(options.scheme()).isEqualTo("jsonl");
        assertThat(options.asMap()).containsExactly(Map.entry("path", "/tmp/out dir/x.jsonl"),
                Map.entry("maxBytes", "10MB"), Map.entry("fsync", "true"));
        assertThat(options.size("maxBytes", 1)).isEqualTo(10L << 20);
        assertThat(options.bool("fsync", false)).isTrue();
    }

    @Test
    void readsTheNameOfAnOpaqueUri() {
        assertThat(ConnectorOptions.fromUri(URI.create("memory:orders")).asMap()).containsExactly(Map.entry("name", "orders"));
    }

    @Test
    void takesUserInfoFromAUriAndNeverShowsThePassword() {
        ConnectorOptions o = ConnectorOptions.fromUri(URI.create("mqtt://bridge:s3cr%40t@localhost:1883"));
        assertThat(o.asMap()).containsEntry("username", "bridge").containsEntry("password", "s3cr@t");
        assertThat(o.toString()).contains("username=bridge").doesNotContain("s3cr");
    }

    @Test
    void treatsCredentialLikeNamesAsSecretButNotFileNames() {
        assertThat(ConnectorOptions.isSecret("keyPassphrase")).isTrue();
        assertThat(ConnectorOptions.isSecret("apiCredential")).isTrue();
        assertThat(ConnectorOptions.isSecret("privateKey")).isTrue();
        assertThat(ConnectorOptions.isSecret("privateKeyFile")).isFalse();
        assertThat(ConnectorOptions.isSecret("host")).isFalse();
    }

    @Test
    void endsTheUnknownOptionSentenceWhenThereIsNoSuggestion() {
        assertThatThrownBy(() -> ConnectorOptions.of("jsonl", Map.of("zzzzzz", "1")).requireOnly(java.util.Set.of("path")))
                .hasMessage("connector 'jsonl' has no option 'zzzzzz'. It takes: path");
    }

    @Test
    void aValueTheBuilderRefusesIsReportedAsAProblemOfItsOption() {
        ConnectorOptions o = ConnectorOptions.of("pubsub", Map.of("batchBytes", "20MB"));

        assertThatThrownBy(() -> o.applying("batchBytes", () -> {
            throw new IllegalArgumentException("batchBytes 20971520 is above the 10 MB request limit");
        })).isInstanceOf(InvalidOptionException.class)
                .hasMessage("option 'batchBytes' of connector 'pubsub': batchBytes 20971520 is above the 10 MB request limit")
                .extracting(e -> ((InvalidOptionException) e).option()).isEqualTo("batchBytes");
        assertThat(o.applying("batchBytes", () -> 42)).isEqualTo(42);
    }

    @Test
    void aDurationOptionReachesTheSetterOnlyWhenGiven() {
        ConnectorOptions o = ConnectorOptions.of("awsiot", Map.of("closeTimeout", "250ms", "keepAlive", "0s"));
        java.util.List<java.time.Duration> set = new java.util.ArrayList<>();

        o.ifDuration("closeTimeout", set::add);
        o.ifDuration("offlineTimeout", set::add);

        assertThat(set).containsExactly(java.time.Duration.ofMillis(250));
        assertThatThrownBy(() -> o.ifDuration("keepAlive", set::add)).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("keepAlive");
        assertThatThrownBy(() -> o.ifDuration("closeTimeout", d -> {
            throw new IllegalArgumentException("closeTimeout must be at least 1 s");
        })).hasMessage("option 'closeTimeout' of connector 'awsiot': closeTimeout must be at least 1 s");
    }
}
