package io.imgfed.replicator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page in a real headless browser (Debian's Chromium, driven by Selenium): it loads, shows the
 * federation's DCs, and a transfer's progress bar moves while a pull runs.
 */
class StatusPageBrowserTest {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String DRIVER = "/usr/bin/chromedriver";

    @TempDir
    static Path dir;
    static TestFederation fed;
    static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(DRIVER)),
                "needs Debian's chromium and chromium-driver (ops/ci/prepare installs them)");
        fed = TestFederation.builder(dir).dc("a", "").dc("b", "transfer: {rateLimit: 8388608}").start();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--user-data-dir=" + Files.createTempDirectory(dir, "chrome"),
                "--window-size=1200,900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (fed != null) {
            fed.close();
        }
    }

    private static String text(String css) {
        List<WebElement> found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    private static double progress(String uuid) {
        List<WebElement> bars = browser.findElements(By.cssSelector("tr.transfer[data-image='" + uuid + "'] .bar"));
        return bars.isEmpty() ? -1 : Double.parseDouble(bars.get(0).getAttribute("data-pct"));
    }

    @Test
    void pageShowsTheDcsAndAProgressBarThatMovesDuringAPull() throws Exception {
        browser.get("http://127.0.0.1:" + fed.httpPort("b") + "/");
        assertEquals("imgfed", browser.getTitle());
        Await.until("both DCs alive on the page", Duration.ofSeconds(20),
                () -> text(".dc[data-dc='a'] .status").equals("alive") && text(".dc[data-dc='b'] .status").equals("alive"));
        assertEquals("b", text("#dc-name"));

        byte[] file = new byte[48 << 20];
        new Random(81).nextBytes(file);
        String uuid = fed.client("a").activeImage("watched", file);
        fed.awaitHolding("b", uuid, "a");
        CompletableFuture<ImgapiClient.Digested> pull = CompletableFuture.supplyAsync(
                () -> fed.client("b").getDigest("/images/" + uuid + "/file"));

        double first = Await.value("a progress bar on the page", Duration.ofSeconds(20), () -> {
            double p = progress(uuid);
            return p > 0 && p < 100 ? p : null;
        });
        double later = Await.value("the bar to move", Duration.ofSeconds(20), () -> {
            double p = progress(uuid);
            return p > first ? p : null;
        });
        assertTrue(later > first, "progress went from " + first + "% to " + later + "%");
        assertEquals(ImgapiClient.sha1(file), pull.get(60, TimeUnit.SECONDS).sha1());
        Await.until("the matrix shows the file present at b", Duration.ofSeconds(20),
                () -> text("#matrix tr[data-image='" + uuid + "'] td[data-dc='b']").equals("present"));
        Await.until("the transfer shown completed", Duration.ofSeconds(10), () -> browser.findElements(
                By.cssSelector("tr.transfer[data-image='" + uuid + "'][data-state='completed']")).size() == 1);
    }
}
