package dev.edgeflow.timeseries.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeflow.testkit.FreePorts;
import dev.edgeflow.timeseries.Point;
import dev.edgeflow.timeseries.TimeSeriesException;
import dev.edgeflow.timeseries.influx.FakeInfluxDb.Answer;
import dev.edgeflow.timeseries.influx.FakeInfluxDb.Request;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InfluxDbStoreTest {
    private static final Instant T = Instant.parse("2026-12-07T10:15:30.123456Z");
    private static final String PASSWORD = "s3cret-pa55";
    private static final String TOKEN = "tok-XYZ-very-secret";

    private final FakeInfluxDb influx = new FakeInfluxDb();
    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    private final List<InfluxDbStore> stores = new ArrayList<>();

    @AfterEach
    void tearDown() {
        stores.forEach(InfluxDbStore::close);
        influx.close();
    }

    private InfluxDbStore.V1Builder v1() {
        return InfluxDbStore.v1(influx.url(), "iot").sleeper(sleeps::add).random(() -> 0.5);
    }

    private InfluxDbStore track(InfluxDbStore store) {
        stores.add(store);
        return store;
    }

    private static List<Point> batch(int size) {
        return IntStream.range(0, size)
                .mapToObj(i -> new Point("pi-" + (i % 3), T.plusMillis(i), Map.of("temperature", 20.0 + i),
                        Map.of("topic", "sensors/pi-" + (i % 3))))
                .collect(Collectors.toList());
    }

    private static String expectedLines(List<Point> points) {
        StringBuilder sb = new StringBuilder();
        for (Point p : points) {
            sb.append("sensor_reading,device_id=").append(p.device()).append(",topic=").append(p.tags().get("topic"))
                    .append(" temperature=").append(p.fields().get("temperature")).append(' ')
                    .append(p.time().toEpochMilli()).append('\n');
        }
        return sb.toString();
    }

    private static Map<String, String> query(Request r) {
        return java.util.Arrays.stream(r.query().split("&")).map(kv -> kv.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> URLDecoder.decode(kv[1], StandardCharsets.UTF_8)));
    }

    @Test
    void v1PostsLinesToWriteWithDatabaseRetentionPolicyAndPrecision() throws Exception {
        InfluxDbStore store = track(v1().retentionPolicy("one week").gzip(false).build());
        List<Point> points = batch(3);

        store.write(points);

        assertThat(influx.requests()).hasSize(1);
        Request r = influx.requests().get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/write");
        assertThat(query(r)).containsExactlyInAnyOrderEntriesOf(Map.of("db", "iot", "rp", "one week", "precision", "ms"));
        assertThat(r.header("Content-Encoding")).isNull();
        assertThat(r.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(r.header("Authorization")).isNull();
        assertThat(r.body()).isEqualTo(expectedLines(points));
    }

    @Test
    void v1WritesMicrosecondsAsUBecauseInfluxDb1ReadsUsAsNanoseconds() throws Exception {
        InfluxDbStore store = track(v1().precision(ChronoUnit.MICROS).build());

        store.write(batch(1));

        assertThat(query(influx.requests().get(0))).containsEntry("precision", "u");
        assertThat(influx.requests().get(0).body()).endsWith(" " + (T.getEpochSecond() * 1_000_000L + 123_456L) + "\n");
    }

    @Test
    void v2PostsToApiV2WriteWithOrgBucketAndTokenHeader() throws Exception {
        InfluxDbStore store = track(InfluxDbStore.v2(URI.create(influx.url() + "/influx/"), "my org", "readings", TOKEN)
                .precision(ChronoUnit.MICROS).sleeper(sleeps::add).build());

        store.write(batch(2));

        Request r = influx.requests().get(0);
        assertThat(r.path()).isEqualTo("/influx/api/v2/write");
        assertThat(query(r)).containsExactlyInAnyOrderEntriesOf(Map.of("org", "my org", "bucket", "readings",
                "precision", "us"));
        assertThat(r.header("Authorization")).isEqualTo("Token " + TOKEN);
        assertThat(store.name()).isEqualTo("influxdb-v2:" + influx.url() + "/influx/my org/readings");
    }

    @Test
    void gzipIsOnByDefaultAndTheBodyDecompressesToTheLines() throws Exception {
        InfluxDbStore store = track(v1().build());
        List<Point> points = batch(500);

        store.write(points);
        store.write(points.subList(0, 10));

        Request big = influx.requests().get(0);
        assertThat(big.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(big.body()).isEqualTo(expectedLines(points));
        assertThat(big.wireBytes()).isLessThan(big.body().length() / 4);
        // The reused buffers carry nothing over from the larger batch.
        assertThat(influx.requests().get(1).body()).isEqualTo(expectedLines(points.subList(0, 10)));
    }

    @Test
    void sendsCredentialsAsBasicAuthenticationAndNeverShowsThePassword() throws Exception {
        InfluxDbStore store = track(v1().credentials("writer", PASSWORD).build());

        store.write(batch(1));

        String expected = "Basic " + Base64.getEncoder().encodeToString(("writer:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertThat(influx.requests().get(0).header("Authorization")).isEqualTo(expected);
        assertThat(influx.requests().get(0).query()).doesNotContain("p=").doesNotContain(PASSWORD);
        assertThat(store.name()).isEqualTo("influxdb-v1:" + influx.url() + "/iot").doesNotContain(PASSWORD);
        assertThat(store.toString()).contains("user writer").doesNotContain(PASSWORD)
                .doesNotContain(expected.substring(6));
        InfluxDbStore v2 = track(InfluxDbStore.v2(influx.url(), "o", "b", TOKEN).build());
        assertThat(v2.toString()).doesNotContain(TOKEN).contains("credentials set");
        assertThat(v2.name()).doesNotContain(TOKEN);
    }

    @Test
    void retriesA503AndSucceedsWithinTheAttemptsWaitingWithJitteredBackoff() throws Exception {
        influx.answer(Answer.of(503, "{\"error\":\"busy\"}"), Answer.of(503, "{\"error\":\"busy\"}"));
        InfluxDbStore store = track(v1().backoff(Duration.ofMillis(100), Duration.ofSeconds(1)).maxAttempts(3).build());
        List<Point> points = batch(4);

        store.write(points);

        assertThat(influx.requests()).hasSize(3);
        assertThat(influx.requests()).extracting(Request::body).containsOnly(expectedLines(points));
        // random 0.5 with equal jitter: half the step plus half of the other half.
        assertThat(sleeps).containsExactly(Duration.ofMillis(75), Duration.ofMillis(150));
    }

    @Test
    void waitsAtLeastTheRetryAfterOfA503InSecondsOrOfA429AsADate() throws Exception {
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(4).atZone(ZoneOffset.UTC));
        influx.answer(Answer.withHeader(503, "", "Retry-After", "3"),
                Answer.withHeader(429, "{\"code\":\"too many requests\"}", "Retry-After", date));
        InfluxDbStore store = track(v1().clock(Clock.fixed(now, ZoneOffset.UTC))
                .backoff(Duration.ofMillis(10), Duration.ofSeconds(30)).build());

        store.write(batch(1));

        assertThat(influx.requests()).hasSize(3);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(4));
    }

    @Test
    void aRetryAfterLongerThanMaxBackoffEndsTheWriteAtOnceAsRetryable() {
        influx.answer(Answer.withHeader(429, "{\"error\":\"slow down\"}", "Retry-After", "120"));
        InfluxDbStore store = track(v1().backoff(Duration.ofMillis(10), Duration.ofSeconds(5)).build());

        TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.write(batch(1)));

        assertThat(e.isRetryable()).isTrue();
        assertThat(e).hasMessageContaining("retry after 120000 ms").hasMessageContaining("maxBackoff of 5000 ms");
        assertThat(influx.requests()).hasSize(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void serverErrorsThroughEveryAttemptFailRetryableWithTheLastAnswer() {
        influx.answer(Answer.of(500, "{\"error\":\"timeout\"}"), Answer.of(502, ""), Answer.of(500, "{\"error\":\"engine: cache full\"}"));
        InfluxDbStore store = track(v1().maxAttempts(3).build());

        TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.write(batch(5)));

        assertThat(e.isRetryable()).isTrue();
        assertThat(e).hasMessageContaining("batch of 5 points in 3 attempts")
                .hasMessageContaining("HTTP 500: {\"error\":\"engine: cache full\"}");
        assertThat(influx.requests()).hasSize(3);
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void aBadRequestIsNotRetriedAndCarriesInfluxDbsError() {
        String error = "{\"error\":\"partial write: invalid field name: input field \\\"time\\\" on measurement"
                + " \\\"sensor_reading\\\" is invalid dropped=1\"}";
        influx.answer(Answer.of(400, error));
        InfluxDbStore store = track(v1().build());

        TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.write(batch(2)));

        assertThat(e.isRetryable()).isFalse();
        assertThat(e).hasMessageContaining("HTTP 400").hasMessageContaining("input field \\\"time\\\"")
                .hasMessageContaining("other points of the batch were stored");
        assertThat(influx.requests()).hasSize(1);
    }

    @Test
    void refusedCredentialsAreNotRetriedAndTheMessageSaysHowToFixThem() {
        influx.answer(Answer.of(401, "{\"error\":\"authorization failed\"}"), Answer.of(403, "{\"code\":\"forbidden\"}"));
        InfluxDbStore v1 = track(v1().credentials("writer", PASSWORD).build());
        InfluxDbStore v2 = track(InfluxDbStore.v2(influx.url(), "org1", "bucket1", TOKEN).build());

        TimeSeriesException e1 = catchThrowableOfType(TimeSeriesException.class, () -> v1.write(batch(1)));
        TimeSeriesException e2 = catchThrowableOfType(TimeSeriesException.class, () -> v2.write(batch(1)));

        assertThat(e1.isRetryable()).isFalse();
        assertThat(e1).hasMessageContaining("HTTP 401").hasMessageContaining("authorization failed")
                .hasMessageContaining("password of user writer").hasMessageNotContaining(PASSWORD);
        assertThat(e2.isRetryable()).isFalse();
        assertThat(e2).hasMessageContaining("HTTP 403").hasMessageContaining("token with write permission on bucket bucket1")
                .hasMessageNotContaining(TOKEN);
        assertThat(influx.requests()).hasSize(2);
    }

    @Test
    void aMissingDatabaseIsNotRetriedAndTheMessageNamesCreateDatabase() {
        influx.answer(Answer.of(404, "{\"error\":\"database not found: \\\"iot\\\"\"}"));
        InfluxDbStore store = track(v1().build());

        TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.write(batch(1)));

        assertThat(e.isRetryable()).isFalse();
        assertThat(e).hasMessageContaining("database iot does not exist")
                .hasMessageContaining("CREATE DATABASE \"iot\"")
                .hasMessageContaining("createDatabaseIfMissing(true)");
        assertThat(influx.requests()).hasSize(1);
    }

    @Test
    void createDatabaseIfMissingRunsCreateDatabaseBeforeTheFirstWriteOnly() throws Exception {
        influx.answer(Answer.of(200, "{\"results\":[{\"statement_id\":0}]}"));
        InfluxDbStore store = track(InfluxDbStore.v1(influx.url(), "my \"db\"").createDatabaseIfMissing(true).build());

        store.write(batch(1));
        store.write(batch(1));

        List<Request> requests = influx.requests();
        assertThat(requests).extracting(Request::path).containsExactly("/query", "/write", "/write");
        assertThat(URLDecoder.decode(requests.get(0).body(), StandardCharsets.UTF_8))
                .isEqualTo("q=CREATE DATABASE \"my \\\"db\\\"\"");
    }

    @Test
    void createDatabaseIfMissingCreatesItAgainWhenAWriteFindsItGone() throws Exception {
        influx.answer(Answer.of(200, "{\"results\":[{\"statement_id\":0}]}"),
                Answer.of(404, "{\"error\":\"database not found: \\\"iot\\\"\"}"),
                Answer.of(200, "{\"results\":[{\"statement_id\":0}]}"));
        InfluxDbStore store = track(v1().createDatabaseIfMissing(true).maxAttempts(1).build());

        store.write(batch(1));

        assertThat(influx.requests()).extracting(Request::path).containsExactly("/query", "/write", "/query", "/write");
    }

    @Test
    void aBatchTooLargeIsNotRetriedAndTheMessageSaysSo() {
        influx.answer(Answer.of(413, "{\"error\":\"Request Entity Too Large\"}"));
        InfluxDbStore store = track(v1().build());

        TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.write(batch(50)));

        assertThat(e.isRetryable()).isFalse();
        assertThat(e).hasMessageContaining("batch of 50 points").hasMessageContaining("larger than")
                .hasMessageContaining("write smaller batches").hasMessageContaining("max-body-size");
    }

    @Test
    void anAnswerThatDoesNotComeWithinTheRequestTimeoutIsRetriedThenFailsRetryable() {
        influx.answer(Answer.hanging(), Answer.hanging());
        InfluxDbStore store = track(v1().requestTimeout(Duration.ofMillis(300)).maxAttempts(2).build());

        TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.write(batch(1)));

        assertThat(e.isRetryable()).isTrue();
        assertThat(e).hasMessageContaining("request timeout of 300 ms").hasMessageContaining("2 attempts");
        assertThat(influx.requests()).hasSize(2);
    }

    @Test
    void aServerThatIsNotListeningFailsRetryableAfterEveryAttempt() {
        URI nothing = URI.create("http://127.0.0.1:" + FreePorts.loopbackPort());
        InfluxDbStore store = track(InfluxDbStore.v1(nothing, "iot").sleeper(sleeps::add).maxAttempts(2).build());

        TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.write(batch(1)));

        assertThat(e.isRetryable()).isTrue();
        assertThat(e).hasMessageContaining("2 attempts").hasMessageContaining("connection refused");
        assertThat(sleeps).hasSize(1);
    }

    @Test
    void aPointThatCannotBeEncodedFailsTheBatchBeforeAnythingIsSent() {
        InfluxDbStore store = track(v1().build());
        List<Point> points = new ArrayList<>(batch(2));
        points.add(new Point("pi-x", T, Map.of("v", 1.0), Map.of("topic", "bad\\")));

        TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.write(points));

        assertThat(e.isRetryable()).isFalse();
        assertThat(e).hasMessageContaining("batch of 3 points").hasMessageContaining("pi-x");
        assertThat(influx.requests()).isEmpty();
    }

    @Test
    void anEmptyBatchSendsNothingAndAClosedStoreRefusesWrites() throws Exception {
        InfluxDbStore store = v1().build();

        store.write(List.of());
        store.close();
        store.close();

        assertThat(influx.requests()).isEmpty();
        TimeSeriesException e = catchThrowableOfType(TimeSeriesException.class, () -> store.write(batch(1)));
        assertThat(e.isRetryable()).isFalse();
        assertThat(e).hasMessageContaining("closed");
    }

    @Test
    void theBuilderRefusesBadSettingsNamingThemWithoutEchoingAPassword() {
        assertThatThrownBy(() -> InfluxDbStore.v1(URI.create("http://admin:" + PASSWORD + "@db:8086"), "iot"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user info").hasMessageNotContaining(PASSWORD);
        assertThatThrownBy(() -> InfluxDbStore.v1(URI.create("ftp://db"), "iot")).hasMessageContaining("ftp://db");
        assertThatThrownBy(() -> InfluxDbStore.v1(URI.create("http://db:8086/?db=x"), "iot"))
                .hasMessageContaining("query");
        assertThatThrownBy(() -> InfluxDbStore.v1(influx.url(), " ")).hasMessageContaining("database is blank");
        assertThatThrownBy(() -> InfluxDbStore.v2(influx.url(), "o", "b", "")).hasMessageContaining("token is blank");
        assertThatThrownBy(() -> v1().maxAttempts(0)).hasMessageContaining("maxAttempts is 0");
        assertThatThrownBy(() -> v1().requestTimeout(Duration.ZERO)).hasMessageContaining("requestTimeout is PT0S");
        assertThatThrownBy(() -> v1().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("backoff max PT1S is below backoff initial PT2S");
        assertThatThrownBy(() -> v1().precision(ChronoUnit.HOURS)).hasMessageContaining("precision HOURS");
        assertThatThrownBy(() -> v1().measurement("#m")).hasMessageContaining("comment");
    }

    @Test
    void v2QueriesRunInfluxQlOnQueryInTheBucketWithTheToken() throws Exception {
        influx.answer(Answer.of(200, "{\"results\":[{\"statement_id\":0}]}"));
        InfluxDbStore store = track(InfluxDbStore.v2(influx.url(), "org1", "readings", TOKEN).build());

        assertThat(store.recent("pi-1", T, 5)).isEmpty();

        Request r = influx.requests().get(0);
        assertThat(r.path()).isEqualTo("/query");
        assertThat(r.header("Authorization")).isEqualTo("Token " + TOKEN);
        String form = URLDecoder.decode(r.body(), StandardCharsets.UTF_8);
        assertThat(form).contains("db=readings").contains("epoch=ns")
                .contains("SELECT *::field FROM \"sensor_reading\" WHERE \"device_id\" = 'pi-1'")
                .contains("LIMIT 5");
    }

    @Test
    void aRefusedQueryIsNotRetryableAndAnUnavailableServerIs() {
        influx.answer(Answer.of(200, "{\"results\":[{\"statement_id\":0,\"error\":\"error parsing query\"}]}"),
                Answer.of(503, "{\"error\":\"busy\"}"));
        InfluxDbStore store = track(v1().build());

        TimeSeriesException refused = catchThrowableOfType(TimeSeriesException.class, () -> store.devices());
        TimeSeriesException busy = catchThrowableOfType(TimeSeriesException.class,
                () -> store.statistics("pi-1", T, T.plusSeconds(60)));

        assertThat(refused.isRetryable()).isFalse();
        assertThat(refused).hasMessageContaining("error parsing query");
        assertThat(busy.isRetryable()).isTrue();
        assertThat(busy).hasMessageContaining("HTTP 503");
        assertThatThrownBy(() -> store.recent("pi-1", T, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.daily("pi-1", java.time.LocalDate.of(2026, 12, 2),
                java.time.LocalDate.of(2026, 12, 1), ZoneOffset.UTC)).isInstanceOf(IllegalArgumentException.class);
    }
}
