package io.zdd.deploy.dashboard;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's Chromium, headless and offline (no network services, QUIC, component updates or sync;
 * its own fresh profile), driven by Debian's chromedriver through Selenium. Selenium's own driver
 * download is never used: both binaries are named here.
 */
final class DashboardBrowser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private final ChromeDriver driver;
  private final ChromeDriverService service;

  DashboardBrowser(Path profile) throws IOException {
    Files.createDirectories(profile);
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--window-size=1400,2000", "--hide-scrollbars");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    o.setCapability("goog:loggingPrefs", logs);
    service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
        .usingAnyFreePort().withTimeout(Duration.ofSeconds(60)).build();
    driver = new ChromeDriver(service, o);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(30));
  }

  void open(String url) {
    driver.get(url);
  }

  /*
   * The page redraws its parts every second, so an element found now may be gone a moment later:
   * every look and click below is one script run in the page, never a kept element.
   */

  /** How many elements match {@code css} now. */
  int count(String css) {
    return ((Number) driver.executeScript("return document.querySelectorAll(arguments[0]).length", css)).intValue();
  }

  /** The text of the first element matching {@code css}, or empty when there is none (yet). */
  String text(String css) {
    Object t = driver.executeScript("const e = document.querySelector(arguments[0]); return e ? e.textContent : ''", css);
    return t == null ? "" : t.toString();
  }

  /** An attribute of the first element matching {@code css}, or empty. */
  String attribute(String css, String name) {
    Object t = driver.executeScript(
        "const e = document.querySelector(arguments[0]); return e ? (e.getAttribute(arguments[1]) || '') : ''", css, name);
    return t == null ? "" : t.toString();
  }

  /** Whether each element matching {@code css} is enabled (a button's {@code disabled} is false). */
  List<Boolean> enabled(String css) {
    @SuppressWarnings("unchecked")
    List<Boolean> r = (List<Boolean>) driver.executeScript(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => !e.disabled)", css);
    return r;
  }

  /** Clicks the first element matching {@code css} if it is there and enabled; true if it did. */
  boolean click(String css) {
    return Boolean.TRUE.equals(driver.executeScript(
        "const e = document.querySelector(arguments[0]); if (!e || e.disabled) { return false; } e.click(); return true;",
        css));
  }

  /** Console errors the page logged (script errors, refused requests, CSP violations). */
  List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage).toList();
  }

  /** Runs a same-origin fetch in the page, as the page's own script could. */
  Map<String, Object> fetch(String script) {
    @SuppressWarnings("unchecked")
    Map<String, Object> r = (Map<String, Object>) driver.executeAsyncScript(script);
    return r;
  }

  void screenshot(Path png) throws IOException {
    Files.createDirectories(png.getParent());
    File shot = driver.getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), png, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.close();
    }
  }
}
