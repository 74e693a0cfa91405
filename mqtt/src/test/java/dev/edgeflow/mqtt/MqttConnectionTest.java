package dev.edgeflow.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MqttConnectionTest {

    @Test
    void readsHostPortAndCredentialsFromTheUri() {
        MqttConnection c = MqttConnection.of("mqtt://gateway:s3cret%21@broker.local:1884");
        assertThat(c.host()).isEqualTo("broker.local");
        assertThat(c.port()).isEqualTo(1884);
        assertThat(c.username()).isEqualTo("gateway");
        assertThat(c.hasPassword()).isTrue();
        assertThat(c.password()).isEqualTo("s3cret!");
        assertThat(c.tls()).isNull();
    }

    @Test
    void defaultsThePortToTheScheme() {
        assertThat(MqttConnection.of("mqtt://localhost").port()).isEqualTo(1883);
        MqttConnection tls = MqttConnection.of("mqtts://localhost");
        assertThat(tls.port()).isEqualTo(8883);
        assertThat(tls.tls()).isNotNull();
        assertThat(tls.serverUri()).isEqualTo("mqtts://localhost:8883");
    }

    @Test
    void neverShowsThePassword() {
        MqttConnection c = MqttConnection.builder().host("h").credentials("user", "hunter2").build();
        assertThat(c.toString()).contains("username=user").contains("password=****").doesNotContain("hunter2");
    }

    @Test
    void aClientIdOfYourOwnMakesTheSessionPersistent() {
        MqttConnection own = MqttConnection.builder().host("h").clientId("bridge-1").build();
        assertThat(own.cleanStart()).isFalse();
        assertThat(own.sessionExpiry()).isEqualTo(MqttConnection.DEFAULT_SESSION_EXPIRY);
        assertThat(own.clientIdGenerated()).isFalse();

        MqttConnection random = MqttConnection.builder().host("h").build();
        assertThat(random.clientIdGenerated()).isTrue();
        assertThat(random.clientId()).startsWith("edgeflow-");
        assertThat(random.cleanStart()).isTrue();
        assertThat(random.sessionExpiry()).isZero();
    }

    @Test
    void explicitSessionSettingsWin() {
        MqttConnection c = MqttConnection.builder().host("h").clientId("x").cleanStart(true)
                .sessionExpiry(Duration.ofMinutes(5)).build();
        assertThat(c.cleanStart()).isTrue();
        assertThat(c.sessionExpiry()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void rejectsAUriThatIsNotMqtt() {
        assertThatThrownBy(() -> MqttConnection.of("http://localhost:1883"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'http'").hasMessageContaining("mqtt://host:1883");
        assertThatThrownBy(() -> MqttConnection.of("mqtt:///nohost"))
                .hasMessageContaining("names no host");
    }

    @Test
    void rejectsOutOfRangeSettingsNamingThem() {
        assertThatThrownBy(() -> MqttConnection.builder().port(70000)).hasMessageContaining("70000");
        assertThatThrownBy(() -> MqttConnection.builder().keepAlive(Duration.ofSeconds(-1)))
                .hasMessageContaining("keepAlive");
        assertThatThrownBy(() -> MqttConnection.builder().reconnect(Duration.ofSeconds(10), Duration.ofSeconds(1)))
                .hasMessageContaining("max delay");
        assertThatThrownBy(() -> MqttConnection.builder().build()).hasMessageContaining("no broker");
    }

    @Test
    void backoffDoublesUpToTheMaximumWithJitter() {
        MqttConnection c = MqttConnection.builder().host("h")
                .reconnect(Duration.ofMillis(100), Duration.ofMillis(1000)).build();
        ClientSession session = ClientSession.create(c, 10, new ClientSession.Listener() {
            @Override
            public void connected() {
            }

            @Override
            public void disconnected(MqttConnectionException problem, boolean reconnecting) {
            }
        });
        assertThat(session.backoffMillis(0)).isBetween(75L, 100L);
        assertThat(session.backoffMillis(2)).isBetween(300L, 400L);
        assertThat(session.backoffMillis(10)).isBetween(750L, 1000L);
        assertThat(session.backoffMillis(40)).isBetween(750L, 1000L);
    }
}
