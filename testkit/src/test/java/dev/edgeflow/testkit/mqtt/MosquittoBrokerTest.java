package dev.edgeflow.testkit.mqtt;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Settings that cannot work are refused before any process starts, so these run without Mosquitto. */
class MosquittoBrokerTest {

    @Test
    void requiringClientCertificatesWithoutTlsIsRefusedWithTheFix() {
        assertThatThrownBy(() -> MosquittoBroker.builder().requireCertificate(true).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("requireCertificate(true) needs a TLS listener")
                .hasMessageContaining("tls(TestCertificates.generate(dir))");
    }

    @Test
    void servingAnotherCertificateWithoutTlsIsRefusedWithTheFix() {
        assertThatThrownBy(() -> MosquittoBroker.builder()
                .serverCertificate(Path.of("expired.pem"), Path.of("expired.key")).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("serverCertificate(expired.pem, ...) needs a TLS listener");
    }

    @Test
    void negativeLimitsAreRefusedNamingTheSettingAndTheValue() {
        assertThatThrownBy(() -> MosquittoBroker.builder().maxInflightMessages(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("MosquittoBroker maxInflightMessages must be 0 (no limit) or more, was -1");
        assertThatThrownBy(() -> MosquittoBroker.builder().maxQueuedMessages(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("MosquittoBroker maxQueuedMessages must be 0 (no limit) or more, was -5");
    }

    @Test
    void aUserThatCannotGoIntoAPasswordFileIsRefused() {
        assertThatThrownBy(() -> MosquittoBroker.builder().user("sensor:1", "secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user name 'sensor:1'");
        assertThatThrownBy(() -> MosquittoBroker.builder().user("", "secret"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MosquittoBroker.builder().user("sensor", "two\nlines"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("password of user 'sensor'")
                .hasMessageNotContaining("two");
    }
}
