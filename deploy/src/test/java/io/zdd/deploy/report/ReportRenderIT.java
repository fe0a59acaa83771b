package io.zdd.deploy.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report opens in a real browser (headless Chromium, Debian package chromium): it loads with
 * no console errors, the rendered DOM holds the timeline SVG with non-empty paths, and the
 * screenshot really shows it: blue and green areas and the green "0 failed" box are painted.
 */
class ReportRenderIT {
  @TempDir Path dir;
  private HeadlessChromium chromium;
  private Path page;

  @BeforeEach
  void writeReport() throws Exception {
    chromium = new HeadlessChromium(dir.resolve("profile"));
    page = ReportWriter.write(SyntheticTimeline.demo(0), dir.resolve("report/index.html"));
  }

  @Test
  void renderedDomHoldsTheTimelineAndThePageLogsNoErrors() throws Exception {
    HeadlessChromium.Run run = chromium.dumpDom(page);

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.consoleLines()).as("console output of the page").isEmpty();
    String dom = run.stdout();
    assertThat(dom).contains("<svg").contains("data-metric=\"failed_requests\">0<");
    Matcher area = Pattern.compile("<path class=\"area\" data-series=\"green\" d=\"(M[^\"]+)\"").matcher(dom);
    assertThat(area.find()).as("green traffic-share area in the rendered DOM").isTrue();
    assertThat(area.group(1).split("L")).hasSizeGreaterThan(100);
    assertThat(dom).contains("<g class=\"connections\" data-lb=\"lb-3\">");
    assertThat(chromium.leftovers()).as("chromium processes left running").isEmpty();
  }

  @Test
  void screenshotShowsTheChartsAndTheGreenZero() throws Exception {
    Path png = dir.resolve("report.png");
    HeadlessChromium.Run run = chromium.screenshot(page, png, 1280, 1700);

    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.consoleLines()).isEmpty();
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(1280);
    // The share areas are drawn at 85 % opacity over the plot background (#fafbfc).
    assertThat(pixelsNear(image, 0x4d84dc, 6)).as("blue area pixels").isGreaterThan(20_000);
    assertThat(pixelsNear(image, 0x4dac69, 6)).as("green area pixels").isGreaterThan(20_000);
    // The failed-requests box is tinted green (#eef8f0) when nothing failed, not red (#fdeeed).
    // Flat fills are painted exactly; a tight tolerance keeps the page background (#f3f5f7) out.
    assertThat(pixelsNear(image, 0xeef8f0, 2)).as("green 'failed requests' box").isGreaterThan(5_000);
    assertThat(pixelsNear(image, 0xfdeeed, 2)).as("red box (a few anti-aliased edge pixels aside)").isLessThan(500);
    assertThat(chromium.leftovers()).isEmpty();
  }

  /** The check above can see a failing page: a script error shows up in the console lines. */
  @Test
  void aPageWithAnErrorIsNoticed() throws Exception {
    Path bad = dir.resolve("bad.html");
    Files.writeString(bad, "<!DOCTYPE html><html><body><script>console.error('broken report')</script></body></html>");
    HeadlessChromium.Run run = chromium.dumpDom(bad);
    assertThat(run.consoleLines()).anySatisfy(l -> assertThat(l).contains("broken report"));
  }

  private static int pixelsNear(BufferedImage image, int rgb, int tolerance) {
    int r = rgb >> 16 & 0xff;
    int g = rgb >> 8 & 0xff;
    int b = rgb & 0xff;
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int p = image.getRGB(x, y);
        if (Math.abs((p >> 16 & 0xff) - r) <= tolerance && Math.abs((p >> 8 & 0xff) - g) <= tolerance
            && Math.abs((p & 0xff) - b) <= tolerance) {
          n++;
        }
      }
    }
    return n;
  }
}
