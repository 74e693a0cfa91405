package dev.edgeflow.dashboard;

import static dev.edgeflow.dashboard.TestData.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgeflow.testkit.Peers;
import dev.edgeflow.timeseries.TimeSeriesException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Drives the dashboard page in the system's headless Chromium: the page lists the store's
 * devices, draws a reading published through the tap on that device's chart, and shows an alert
 * as it arrives.
 */
class DashboardPageIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String INSTALL = "apt-get install -y chromium chromium-driver";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestData data = new TestData();
    private Stores.Opened store;
    private Dashboard dashboard;
    private ChromeDriver browser;
    private Path profile;

    @BeforeEach
    void start() throws TimeSeriesException, IOException {
        for (Path program : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(program)) {
                Peers.skip(program + " is not installed (" + INSTALL + "); the browser test of the dashboard page "
                        + "is skipped, not passed");
            }
        }
        store = Stores.open("dashboard-page");
        data.writeTo(store.store());
        dashboard = Dashboard.builder().queries(store.queries()).port(0).clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .start();

        profile = Files.createTempDirectory("edgeflow-dashboard-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1500", "--user-data-dir=" + profile);
        // An explicit driver and binary: Selenium Manager then has nothing to look up or download.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (dashboard != null) {
            dashboard.close();
        }
        if (store != null) {
            store.close();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void showsTheStoresDevicesAndDrawsLiveReadingsAndAlerts() throws IOException {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        browser.get(dashboard.url().toString());

        // The device list shows the devices of the store.
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#devices li[data-device]"), 3));
        List<String> devices = browser.findElements(By.cssSelector("#devices li[data-device]")).stream()
                .map(li -> li.getDomAttribute("data-device")).toList();
        assertThat(devices).containsExactly(TestData.ODD_DEVICE, "pi-1", "pi-2");

        // Each device's chart holds its readings of the last 24 hours, as the API returns them.
        By pi1Chart = By.cssSelector("#charts .chart[data-device='pi-1']");
        wait.until(ExpectedConditions.attributeToBe(pi1Chart, "data-points", "144"));
        assertThat(browser.findElement(pi1Chart).findElements(By.tagName("canvas"))).isNotEmpty();
        assertThat(browser.findElement(By.cssSelector("#charts .chart[data-device='pi-2']"))
                .getDomAttribute("data-points")).isEqualTo("0");

        // The first device is selected, and its daily statistics fill the table.
        wait.until(ExpectedConditions.attributeToBe(
                By.cssSelector("#devices li[data-device='" + TestData.ODD_DEVICE + "']"), "aria-selected", "true"));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#daily tbody tr"), 1));
        browser.findElement(By.cssSelector("#devices li[data-device='pi-1']")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#daily tbody tr[data-day='2026-03-15'][data-field='pressure']")));
        // pi-1 has readings on 03-13, 03-14 and 03-15, three fields each.
        assertThat(browser.findElements(By.cssSelector("#daily tbody tr"))).hasSize(9);

        // A reading published through the tap appears on that device's chart.
        wait.until(ExpectedConditions.attributeToBe(By.id("stream-status"), "data-state", "open"));
        await().atMost(WAIT).until(() -> dashboard.streamClientCount() == 1);
        dashboard.readingsTap().accept(DashboardStreamTest.reading("pi-1", 23.75, NOW.getEpochSecond() - 1));
        wait.until(ExpectedConditions.attributeToBe(pi1Chart, "data-points", "145"));
        assertThat(browser.findElement(By.cssSelector("#devices li[data-device='pi-1'] .values")).getText())
                .startsWith("23.8 °C");

        // A reading of a device the store does not know yet adds it to the list, with a chart.
        dashboard.publishReading(DashboardStreamTest.reading("pi-new", 19, NOW.getEpochSecond()));
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector("#charts .chart[data-device='pi-new']"),
                "data-points", "1"));
        assertThat(browser.findElements(By.cssSelector("#devices li[data-device='pi-new']"))).hasSize(1);

        // An alert appears in the alert list as it is published.
        dashboard.alertsTap().accept(DashboardApiTest.alert("pi-1", "temperature", "threshold", "raised", 36.5, 0));
        By alert = By.cssSelector("#alerts li[data-device='pi-1'][data-state='raised']");
        wait.until(ExpectedConditions.presenceOfElementLocated(alert));
        WebElement item = browser.findElement(alert);
        assertThat(item.getText()).contains("temperature 36.5 raised");
        assertThat(browser.findElement(By.id("active-count")).getText()).isEqualTo("1 active");

        Path screenshot = Path.of("target", "screenshots", "dashboard.png");
        Files.createDirectories(screenshot.getParent());
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), screenshot, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(screenshot)).isPositive();
    }
}
