package dev.edgeflow.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeflow.aws.internal.PublishRateLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PublishRateLimiterTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void letsAtMostThePermitsThroughInOneWindowAndKeepsTheOrder() {
        AtomicLong now = new AtomicLong(0);
        PublishRateLimiter limiter = new PublishRateLimiter(3, 1_000, now::get, timer);
        List<Integer> started = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            limiter.execute(() -> {
                synchronized (started) {
                    started.add(n);
                }
            });
        }
        synchronized (started) {
            assertThat(started).containsExactly(0, 1, 2);
        }
        assertThat(limiter.waiting()).isEqualTo(2);
        now.set(1_000); // the window of the first three has passed
        Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> limiter.waiting() == 0);
        synchronized (started) {
            assertThat(started).containsExactly(0, 1, 2, 3, 4);
        }
    }

    @Test
    void spacesPublishesOnARealClock() {
        long spacing = TimeUnit.MILLISECONDS.toNanos(10);
        PublishRateLimiter limiter = new PublishRateLimiter(1, spacing, System::nanoTime, timer);
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            limiter.execute(() -> {
                synchronized (times) {
                    times.add(System.nanoTime());
                }
            });
        }
        Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> limiter.started() == 20);
        // The limiter spaces the moments it starts publishes; a publish notes its time a little
        // later, on the timer's thread, so a gap seen here may be short by that delay (9.98 ms of
        // 10 was seen on a loaded machine). 1 ms of it is allowed; without the limiter the gaps
        // would be microseconds.
        long slack = TimeUnit.MILLISECONDS.toNanos(1);
        synchronized (times) {
            for (int i = 1; i < times.size(); i++) {
                assertThat(times.get(i) - times.get(i - 1)).as("gap before publish " + i)
                        .isGreaterThanOrEqualTo(spacing - slack);
            }
            assertThat(times.get(times.size() - 1) - times.get(0)).as("20 publishes, one per 10 ms")
                    .isGreaterThanOrEqualTo(19 * spacing - slack);
        }
    }

    @Test
    void clearHandsBackWhatWaits() {
        AtomicLong now = new AtomicLong();
        PublishRateLimiter limiter = new PublishRateLimiter(1, 1_000_000_000L, now::get, timer);
        limiter.execute(() -> { });
        Runnable second = () -> { };
        limiter.execute(second);
        assertThat(limiter.clear()).containsExactly(second);
        assertThat(limiter.waiting()).isZero();
    }
}
