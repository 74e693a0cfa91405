package dev.edgeflow.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeflow.timeseries.TimeSeriesException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DashboardBuilderTest {
    private Stores.Opened store;

    @BeforeEach
    void open() throws TimeSeriesException {
        store = Stores.open("dashboard-builder");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void rejectsOutOfRangeSettingsNamingTheSettingAndTheRange() {
        assertThatThrownBy(() -> Dashboard.builder().port(70_000))
                .hasMessage("port is 70000; give 1 to 65535, or 0 for a free port");
        assertThatThrownBy(() -> Dashboard.builder().maxAlerts(0))
                .hasMessage("maxAlerts is 0; give 1 to 100000, such as 100");
        assertThatThrownBy(() -> Dashboard.builder().maxStreamClients(1001))
                .hasMessage("maxStreamClients is 1001; give 1 to 1000, such as 8");
        assertThatThrownBy(() -> Dashboard.builder().streamQueueCapacity(0))
                .hasMessage("streamQueueCapacity is 0; give 1 to 1000000, such as 1000");
        assertThatThrownBy(() -> Dashboard.builder().threads(0))
                .hasMessage("threads is 0; give 1 to 64, such as 4");
        assertThatThrownBy(() -> Dashboard.builder().heartbeat(Duration.ofMillis(1)))
                .hasMessage("heartbeat is PT0.001S; give 10 ms to 10 minutes, such as Duration.ofSeconds(15)");
        assertThatThrownBy(() -> Dashboard.builder().bindAddress(" "))
                .hasMessageStartingWith("bindAddress is blank");
    }

    @Test
    void rejectsACorsOriginWithAPathOrWithoutAScheme() {
        for (String origin : new String[] {"http://localhost:3000/", "localhost:3000", "http://a.example/app", ""}) {
            assertThatThrownBy(() -> Dashboard.builder().corsOrigins(origin))
                    .hasMessage("CORS origin '" + origin + "' must be * or scheme://host[:port] without a path or "
                            + "trailing slash, such as http://localhost:3000");
        }
        Dashboard.builder().corsOrigins("*", "https://ops.example.com", "http://[::1]:8080");
    }

    @Test
    void needsTheStoresQueries() {
        assertThatThrownBy(() -> Dashboard.builder().port(0).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("a dashboard needs the store's queries: call queries(store)");
    }

    @Test
    void saysWhichAddressIsTakenWhenThePortIsInUse() {
        try (Dashboard first = Dashboard.builder().queries(store.queries()).port(0).start()) {
            assertThatThrownBy(() -> Dashboard.builder().queries(store.queries()).port(first.port()).start())
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("the dashboard could not listen on 127.0.0.1:" + first.port() + ": ")
                    .hasMessageEndingWith("; choose another port, or port(0) for a free one");
        }
    }

    @Test
    void namesLocalhostInItsUrlWhenListeningOnEveryInterface() {
        try (Dashboard everywhere = Dashboard.builder().queries(store.queries()).port(0).bindAddress("0.0.0.0")
                .start()) {
            assertThat(everywhere.url().toString()).isEqualTo("http://localhost:" + everywhere.port() + "/");
            assertThat(new Http(everywhere.url()).get("api/devices").statusCode()).isEqualTo(200);
        }
        try (Dashboard loopback = Dashboard.builder().queries(store.queries()).port(0).start()) {
            assertThat(loopback.url().toString()).isEqualTo("http://127.0.0.1:" + loopback.port() + "/");
            assertThat(loopback.port()).isPositive();
        }
    }
}
