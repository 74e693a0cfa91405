package dev.edgeflow.dashboard;

import static dev.edgeflow.dashboard.TestData.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgeflow.core.Message;
import dev.edgeflow.timeseries.FieldStatistics;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.TimeSeriesException;
import dev.edgeflow.timeseries.analysis.AlertStage;
import dev.edgeflow.timeseries.analysis.Detectors;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardApiTest {
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private final TestData data = new TestData();
    private Stores.Opened store;
    private Dashboard dashboard;
    private Http http;

    @BeforeAll
    void start() throws TimeSeriesException {
        store = Stores.open("dashboard-api");
        data.writeTo(store.store());
        dashboard = Dashboard.builder().queries(store.queries()).port(0).clock(CLOCK).start();
        http = new Http(dashboard.url());
    }

    @AfterAll
    void stop() {
        dashboard.close();
        store.close();
    }

    @Test
    void listsEveryDeviceWithItsLastReading() {
        HttpResponse<String> response = http.get("api/devices");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode body = Http.json(response);
        assertThat(body.get("count").asInt()).isEqualTo(3);
        List<String> ids = new ArrayList<>();
        body.get("devices").forEach(d -> ids.add(d.get("device_id").asText()));
        assertThat(ids).containsExactly(TestData.ODD_DEVICE, "pi-1", "pi-2");

        JsonNode pi1 = body.get("devices").get(1);
        Instant newest = NOW.minus(Duration.ofMinutes(10));
        assertThat(pi1.get("last_seen").asText()).isEqualTo(newest.toString());
        assertThat(pi1.has("reading_count")).as("no count: it would scan every row").isFalse();
        JsonNode last = pi1.get("last_reading");
        assertThat(last.get("timestamp").asText()).isEqualTo(newest.toString());
        Point expected = data.of("pi-1", p -> p.time().equals(newest)).get(0);
        assertThat(last.get("fields").get("temperature").asDouble()).isEqualTo(expected.fields().get("temperature"));
        assertThat(last.get("fields").get("pressure").asDouble()).isEqualTo(expected.fields().get("pressure"));
    }

    @Test
    void returnsTheNewestReadingsFirstUpToTheLimit() {
        JsonNode body = ok(http, "api/devices/pi-1/readings?limit=5");

        assertThat(body.get("count").asInt()).isEqualTo(5);
        assertThat(body.get("hours").asInt()).isEqualTo(24);
        List<String> times = new ArrayList<>();
        body.get("readings").forEach(r -> times.add(r.get("timestamp").asText()));
        assertThat(times).containsExactly(NOW.minusSeconds(600).toString(), NOW.minusSeconds(1200).toString(),
                NOW.minusSeconds(1800).toString(), NOW.minusSeconds(2400).toString(), NOW.minusSeconds(3000).toString());
        JsonNode first = body.get("readings").get(0);
        assertThat(first.get("device_id").asText()).isEqualTo("pi-1");
        assertThat(first.get("fields").get("humidity").asDouble()).isEqualTo(40.0 + 1);
    }

    @Test
    void returnsOnlyTheReadingsInTheHoursWindow() {
        // Readings lie 10, 20, ... 60 minutes back within the last hour; the one at exactly an
        // hour is inside, as the window's start is inclusive.
        JsonNode hour = ok(http, "api/devices/pi-1/readings?hours=1");
        assertThat(hour.get("count").asInt()).isEqualTo(6);

        JsonNode day = ok(http, "api/devices/pi-1/readings?hours=24&limit=10000");
        assertThat(day.get("count").asInt()).isEqualTo(data.of("pi-1",
                p -> !p.time().isBefore(NOW.minus(Duration.ofHours(24)))).size()).isEqualTo(144);

        JsonNode defaults = ok(http, "api/devices/pi-1/readings");
        assertThat(defaults.get("count").asInt()).isEqualTo(100);
        assertThat(defaults.get("limit").asInt()).isEqualTo(100);
    }

    @Test
    void answersAnEmptyListForAKnownDeviceWithoutRecentReadings() {
        JsonNode recent = ok(http, "api/devices/pi-2/readings");
        assertThat(recent.get("count").asInt()).isZero();
        assertThat(recent.get("readings")).isEmpty();

        JsonNode older = ok(http, "api/devices/pi-2/readings?hours=48");
        assertThat(older.get("count").asInt()).isEqualTo(3);
    }

    @Test
    void computesStatisticsPerFieldOverTheWindow() {
        HttpResponse<String> response = http.get("api/devices/pi-1/stats?hours=24");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = Http.json(response);
        assertThat(body.get("device_id").asText()).isEqualTo("pi-1");
        assertThat(body.get("period_hours").asInt()).isEqualTo(24);
        Map<String, FieldStatistics> expected = data.statistics("pi-1", NOW.minus(Duration.ofHours(24)), NOW);
        assertThat(expected).containsOnlyKeys("humidity", "pressure", "temperature");
        JsonNode fields = body.get("fields");
        assertThat(fields.size()).isEqualTo(3);
        expected.forEach((field, stats) -> assertStatistics(fields.get(field), stats));
    }

    @Test
    void statisticsOfAShorterWindowDifferFromTheDay() {
        JsonNode body = ok(http, "api/devices/pi-1/stats?hours=2");

        Map<String, FieldStatistics> expected = data.statistics("pi-1", NOW.minus(Duration.ofHours(2)), NOW);
        assertThat(expected.get("temperature").count()).isEqualTo(12);
        expected.forEach((field, stats) -> assertStatistics(body.get("fields").get(field), stats));
    }

    @Test
    void aggregatesEachDayOfTheZone() {
        JsonNode body = ok(http, "api/devices/pi-1/daily?days=2");

        assertThat(body.get("days").asInt()).isEqualTo(2);
        assertThat(body.get("zone").asText()).isEqualTo("UTC");
        assertThat(body.get("first_day").asText()).isEqualTo("2026-03-14");
        assertThat(body.get("last_day").asText()).isEqualTo("2026-03-15");
        assertDaily(body, ZoneOffset.UTC, LocalDate.parse("2026-03-14"), LocalDate.parse("2026-03-15"));
    }

    @Test
    void dividesDaysAtTheMidnightsOfTheConfiguredZone() throws TimeSeriesException {
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        try (Dashboard inTokyo = Dashboard.builder().queries(store.queries()).port(0).clock(CLOCK).zone(tokyo)
                .start()) {
            JsonNode body = ok(new Http(inTokyo.url()), "api/devices/pi-1/daily?days=3");

            // Noon UTC is 21:00 in Tokyo: the last day is 03-15 there as well, but it began at 15:00 UTC on 03-14.
            assertThat(body.get("zone").asText()).isEqualTo("Asia/Tokyo");
            assertThat(body.get("last_day").asText()).isEqualTo("2026-03-15");
            assertDaily(body, tokyo, LocalDate.parse("2026-03-13"), LocalDate.parse("2026-03-15"));
            long utcCount = data.daily("pi-1", LocalDate.parse("2026-03-15"), ZoneOffset.UTC).get("temperature").count();
            long tokyoCount = data.daily("pi-1", LocalDate.parse("2026-03-15"), tokyo).get("temperature").count();
            assertThat(tokyoCount).isNotEqualTo(utcCount);
        }
    }

    @Test
    void findsADeviceWhoseIdNeedsEscaping() {
        String id = URLEncoder.encode(TestData.ODD_DEVICE, StandardCharsets.UTF_8).replace("+", "%20");
        JsonNode body = ok(http, "api/devices/" + id + "/readings");

        assertThat(body.get("device_id").asText()).isEqualTo(TestData.ODD_DEVICE);
        assertThat(body.get("count").asInt()).isEqualTo(1);
        assertThat(body.get("readings").get(0).get("fields").get("temperature").asDouble()).isEqualTo(18.25);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "api/devices/pi-1/readings?hours=abc | hours must be a whole number from 1 to 8760; it was 'abc'",
        "api/devices/pi-1/readings?hours=1.5 | hours must be a whole number from 1 to 8760; it was '1.5'",
        "api/devices/pi-1/readings?hours=0 | hours must be a whole number from 1 to 8760; it was '0'",
        "api/devices/pi-1/readings?hours=8761 | hours must be a whole number from 1 to 8760; it was '8761'",
        "api/devices/pi-1/readings?limit=0 | limit must be a whole number from 1 to 10000; it was '0'",
        "api/devices/pi-1/readings?limit=10001 | limit must be a whole number from 1 to 10000; it was '10001'",
        "api/devices/pi-1/readings?limit= | limit must be a whole number from 1 to 10000; it was ''",
        "api/devices/pi-1/stats?hours=-3 | hours must be a whole number from 1 to 8760; it was '-3'",
        "api/devices/pi-1/daily?days=0 | days must be a whole number from 1 to 366; it was '0'",
        "api/devices/pi-1/daily?days=367 | days must be a whole number from 1 to 366; it was '367'",
        "api/devices/pi-1/daily?days=week | days must be a whole number from 1 to 366; it was 'week'",
    })
    void rejectsABadNumberNamingTheParameterAndItsRange(String path, String message) {
        assertError(http.get(path), 400, message);
    }

    @ParameterizedTest
    @CsvSource({"readings", "stats", "daily"})
    void answers404ForAnUnknownDevice(String resource) {
        assertError(http.get("api/devices/nope/" + resource), 404,
                "unknown device nope: the store has no readings of it; GET /api/devices lists the devices it has");
    }

    @Test
    void answers404WhenADeviceHasNoReadingsInTheStatisticsWindow() {
        assertError(http.get("api/devices/pi-2/stats"), 404, "no readings for device pi-2 in the last 24 hours");
        assertError(http.get("api/devices/pi-2/stats?hours=1"), 404, "no readings for device pi-2 in the last 1 hour");
        assertThat(http.get("api/devices/pi-2/stats?hours=48").statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @CsvSource({"api/nothing", "api/devices/pi-1", "api/devices/pi-1/minutes", "api", "nothing.html",
        "vendor/uplot/README.md", "../pom.xml"})
    void answers404ForAnUnknownPath(String path) {
        HttpResponse<String> response = http.get(path);
        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode body = Http.json(response);
        assertThat(body.get("status").asInt()).isEqualTo(404);
        assertThat(body.get("error").asText()).startsWith("no such resource /").contains("/api/devices");
    }

    @ParameterizedTest
    @CsvSource({"POST, api/devices", "DELETE, api/alerts", "PUT, api/devices/pi-1/readings", "POST, api/stream",
        "PATCH, ''"})
    void answers405WithAllowForAWrongMethod(String method, String path) {
        HttpResponse<String> response = http.send(method, path);

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("GET, OPTIONS");
        JsonNode body = Http.json(response);
        assertThat(body.get("status").asInt()).isEqualTo(405);
        assertThat(body.get("error").asText()).contains("method " + method + " is not allowed").contains("use GET");
    }

    @Test
    void servesThePageAndTheVendoredChartLibrary() {
        HttpResponse<String> page = http.get("");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<ul id=\"devices\">", "vendor/uplot/uPlot.iife.min.js", "dashboard.js");

        HttpResponse<String> uplot = http.get("vendor/uplot/uPlot.iife.min.js");
        assertThat(uplot.statusCode()).isEqualTo(200);
        assertThat(uplot.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(uplot.body()).contains("uPlot");
        assertThat(http.get("index.html").body()).isEqualTo(page.body());
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_METHOD)
    class Alerts {
        @Test
        void keepsTheNewestAlertsAndTheActiveConditions() {
            try (Dashboard d = Dashboard.builder().queries(store.queries()).port(0).clock(CLOCK).start()) {
                d.alertsTap().accept(alert("pi-1", "temperature", "threshold", "raised", 36.5, 1));
                d.alertsTap().accept(alert("pi-2", "humidity", "zscore", "raised", 95, 2));
                d.publishAlert(alert("pi-1", "temperature", "threshold", "cleared", 30, 3));

                JsonNode body = ok(new Http(d.url()), "api/alerts");

                assertThat(body.get("count").asInt()).isEqualTo(3);
                assertThat(states(body.get("alerts"))).containsExactly("pi-1 temperature cleared",
                        "pi-2 humidity raised", "pi-1 temperature raised");
                assertThat(states(body.get("active"))).containsExactly("pi-2 humidity raised");
                JsonNode newest = body.get("alerts").get(0);
                assertThat(newest.get("reason").asText()).isEqualTo("temperature 30.0 cleared");
                assertThat(newest.get("timestamp").asLong()).isEqualTo(NOW.getEpochSecond() + 3);
                assertThat(newest.get("expected_max").asDouble()).isEqualTo(35);
                assertThat(newest.get("expected_min").isNull()).isTrue();
            }
        }

        @Test
        void showsWhatAnAlertStageRaisesAndClears() {
            AlertStage stage = AlertStage.builder().detector(Detectors.above("temperature", 35)).build();
            try (Dashboard d = Dashboard.builder().queries(store.queries()).port(0).clock(CLOCK).start()) {
                Consumer<Message> tap = stage.tap(d.alertsTap());
                tap.accept(DashboardStreamTest.reading("pi-1", 36.2, NOW.getEpochSecond() - 60));
                tap.accept(DashboardStreamTest.reading("pi-2", 37, NOW.getEpochSecond() - 30));
                tap.accept(DashboardStreamTest.reading("pi-1", 30, NOW.getEpochSecond()));

                JsonNode body = ok(new Http(d.url()), "api/alerts");

                assertThat(states(body.get("alerts"))).containsExactly("pi-1 temperature cleared",
                        "pi-2 temperature raised", "pi-1 temperature raised");
                assertThat(states(body.get("active"))).containsExactly("pi-2 temperature raised");
                JsonNode raised = body.get("alerts").get(2);
                assertThat(raised.get("detector").asText()).isEqualTo("threshold");
                assertThat(raised.get("value").asDouble()).isEqualTo(36.2);
                assertThat(raised.get("expected_max").asDouble()).isEqualTo(35);
                assertThat(raised.get("timestamp").asLong()).isEqualTo(NOW.getEpochSecond() - 60);
            }
        }

        @Test
        void boundsTheAlertListToTheNewest() {
            try (Dashboard d = Dashboard.builder().queries(store.queries()).port(0).maxAlerts(2).start()) {
                for (int i = 1; i <= 5; i++) {
                    d.publishAlert(alert("pi-" + i, "temperature", "threshold", "raised", 40, i));
                }

                JsonNode body = ok(new Http(d.url()), "api/alerts");

                assertThat(body.get("count").asInt()).isEqualTo(2);
                assertThat(states(body.get("alerts"))).containsExactly("pi-5 temperature raised",
                        "pi-4 temperature raised");
                assertThat(states(body.get("active"))).containsExactly("pi-5 temperature raised",
                        "pi-4 temperature raised");
            }
        }

        @Test
        void countsAnAlertThatIsNotAJsonObjectAndKeepsNothing() {
            try (Dashboard d = Dashboard.builder().queries(store.queries()).port(0).start()) {
                d.publishAlert(Message.of("alert/pi-1/temperature", "too hot"));
                d.publishAlert(Message.of("alert/pi-1/temperature", "[1, 2]"));

                assertThat(d.skippedMessageCount()).isEqualTo(2);
                assertThat(ok(new Http(d.url()), "api/alerts").get("count").asInt()).isZero();
            }
        }

        private List<String> states(JsonNode alerts) {
            List<String> states = new ArrayList<>();
            alerts.forEach(a -> states.add(a.get("device_id").asText() + " " + a.get("field").asText() + " "
                    + a.get("state").asText()));
            return states;
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_METHOD)
    class StoreFailures {
        @Test
        void answers503WithTheStoresReasonAndNoStackTrace() {
            FailingQueries failing = new FailingQueries(
                    new TimeSeriesException("h2:mem:readings cannot be read: connection refused", null, true));
            try (Dashboard d = Dashboard.builder().queries(failing).port(0).start()) {
                Http h = new Http(d.url());
                for (String path : List.of("api/devices", "api/devices/pi-1/readings", "api/devices/pi-1/stats",
                        "api/devices/pi-1/daily")) {
                    HttpResponse<String> response = h.get(path);
                    assertError(response, 503,
                            "the store could not be read: h2:mem:readings cannot be read: connection refused");
                    assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
                    assertThat(response.body()).doesNotContain("Exception", "\tat ", "dev.edgeflow");
                }
            }
        }

        @Test
        void answers503WhenTheStoreThrowsUnchecked() {
            FailingQueries failing = new FailingQueries(new IllegalStateException("store is closed"));
            try (Dashboard d = Dashboard.builder().queries(failing).port(0).start()) {
                HttpResponse<String> response = new Http(d.url()).get("api/devices/pi-1/stats");

                assertError(response, 503, "the store could not be read: store is closed");
                assertThat(response.headers().firstValue("Retry-After")).isEmpty();
            }
        }

        @Test
        void keepsServingAlertsWhileTheStoreIsDown() {
            FailingQueries failing = new FailingQueries(new TimeSeriesException("down", null, true));
            try (Dashboard d = Dashboard.builder().queries(failing).port(0).start()) {
                d.publishAlert(alert("pi-1", "temperature", "threshold", "raised", 40, 0));

                HttpResponse<String> response = new Http(d.url()).get("api/alerts");

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(Http.json(response).get("count").asInt()).isEqualTo(1);
            }
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_METHOD)
    class Cors {
        private static final String ORIGIN = "http://localhost:3000";

        @Test
        void sendsNoCorsHeadersByDefault() {
            HttpResponse<String> get = http.get("api/devices", "Origin", ORIGIN);
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

            HttpResponse<String> preflight = http.send("OPTIONS", "api/devices", "Origin", ORIGIN,
                    "Access-Control-Request-Method", "GET");
            assertThat(preflight.statusCode()).isEqualTo(204);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).isEmpty();
        }

        @Test
        void allowsAConfiguredOriginOnly() {
            try (Dashboard d = Dashboard.builder().queries(store.queries()).port(0).corsOrigins(ORIGIN).start()) {
                Http h = new Http(d.url());

                HttpResponse<String> allowed = h.get("api/devices", "Origin", ORIGIN);
                assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
                assertThat(allowed.headers().firstValue("Vary")).hasValue("Origin");

                HttpResponse<String> error = h.get("api/devices/nope/stats", "Origin", ORIGIN);
                assertThat(error.statusCode()).isEqualTo(404);
                assertThat(error.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);

                HttpResponse<String> other = h.get("api/devices", "Origin", "http://evil.example");
                assertThat(other.statusCode()).isEqualTo(200);
                assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

                HttpResponse<String> preflight = h.send("OPTIONS", "api/devices/pi-1/stats", "Origin", ORIGIN,
                        "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "Last-Event-ID");
                assertThat(preflight.statusCode()).isEqualTo(204);
                assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
                assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET, OPTIONS");
                assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).hasValue("Last-Event-ID");
                assertThat(preflight.headers().firstValue("Access-Control-Max-Age")).hasValue("600");

                HttpResponse<String> otherPreflight = h.send("OPTIONS", "api/devices", "Origin", "http://evil.example",
                        "Access-Control-Request-Method", "GET");
                assertThat(otherPreflight.headers().firstValue("Access-Control-Allow-Methods")).isEmpty();
            }
        }

        @Test
        void allowsEveryOriginWithAStar() {
            try (Dashboard d = Dashboard.builder().queries(store.queries()).port(0).corsOrigins("*").start()) {
                HttpResponse<String> response = new Http(d.url()).get("api/alerts", "Origin", "http://any.example");

                assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
            }
        }
    }

    private void assertDaily(JsonNode body, ZoneId zone, LocalDate first, LocalDate last) {
        List<String> expectedRows = new ArrayList<>();
        for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
            LocalDate d = day;
            data.daily("pi-1", day, zone).keySet().forEach(f -> expectedRows.add(d + " " + f));
        }
        List<String> rows = new ArrayList<>();
        body.get("daily").forEach(row -> {
            rows.add(row.get("day").asText() + " " + row.get("field").asText());
            FieldStatistics expected = data.daily("pi-1", LocalDate.parse(row.get("day").asText()), zone)
                    .get(row.get("field").asText());
            assertStatistics(row, expected);
        });
        assertThat(rows).isEqualTo(expectedRows.stream().sorted(Comparator.naturalOrder()).toList())
                .isNotEmpty();
        assertThat(body.get("count").asInt()).isEqualTo(rows.size());
    }

    private static void assertStatistics(JsonNode json, FieldStatistics expected) {
        assertThat(json).as("statistics of %s", expected.field()).isNotNull();
        assertThat(json.get("count").asLong()).as("count of %s", expected.field()).isEqualTo(expected.count());
        assertThat(json.get("min").asDouble()).as("min of %s", expected.field()).isEqualTo(expected.min());
        assertThat(json.get("max").asDouble()).as("max of %s", expected.field()).isEqualTo(expected.max());
        assertThat(json.get("avg").asDouble()).as("avg of %s", expected.field())
                .isCloseTo(expected.mean(), within(1e-9));
        assertThat(json.get("stddev").asDouble()).as("stddev of %s", expected.field())
                .isCloseTo(expected.stddev(), within(1e-6));
    }

    /** Asserts a 200 and returns its JSON, showing the body when it was an error. */
    private static JsonNode ok(Http http, String path) {
        HttpResponse<String> response = http.get(path);
        assertThat(response.statusCode()).as("GET %s answered %s", path, response.body()).isEqualTo(200);
        return Http.json(response);
    }

    private static void assertError(HttpResponse<String> response, int status, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode body = Http.json(response);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("error").asText()).isEqualTo(message);
    }

    static Message alert(String device, String field, String detector, String state, double value, long secondsAfterNow) {
        String json = "{\"device_id\":\"" + device + "\",\"field\":\"" + field + "\",\"value\":" + value
                + ",\"expected_min\":null,\"expected_max\":35,\"detector\":\"" + detector + "\",\"state\":\"" + state
                + "\",\"reason\":\"" + field + " " + value + " " + state + "\",\"timestamp\":"
                + (NOW.getEpochSecond() + secondsAfterNow) + "}";
        return Message.of("alert/" + device + "/" + field, json);
    }
}
