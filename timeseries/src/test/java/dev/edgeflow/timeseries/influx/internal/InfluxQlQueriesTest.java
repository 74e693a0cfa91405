package dev.edgeflow.timeseries.influx.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class InfluxQlQueriesTest {
    @Test
    void namesZonesAsInfluxDbsTzKnowsThem() {
        assertThat(InfluxQlQueries.influxZone(ZoneOffset.UTC)).isEqualTo("UTC");
        assertThat(InfluxQlQueries.influxZone(ZoneId.of("UTC"))).isEqualTo("UTC");
        assertThat(InfluxQlQueries.influxZone(ZoneOffset.ofHours(2))).isEqualTo("Etc/GMT-2");
        assertThat(InfluxQlQueries.influxZone(ZoneOffset.ofHours(-5))).isEqualTo("Etc/GMT+5");
        assertThat(InfluxQlQueries.influxZone(ZoneId.of("Europe/Berlin"))).isEqualTo("Europe/Berlin");
        assertThatThrownBy(() -> InfluxQlQueries.influxZone(ZoneOffset.ofHoursMinutes(5, 30)))
                .hasMessageContaining("+05:30").hasMessageContaining("Asia/Kolkata");
    }

    @Test
    void quotesStringsAndIdentifiersSoThatADeviceIdCannotEndTheLiteral() {
        assertThat(InfluxQlQueries.stringLiteral("pi 'q2' \\")).isEqualTo("'pi \\'q2\\' \\\\'");
        assertThat(InfluxHttpStore.quoteIdentifier("my \"db\"")).isEqualTo("\"my \\\"db\\\"\"");
    }
}
