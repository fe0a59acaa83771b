package io.zdd.deploy.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The report page on a synthetic run: header numbers, deployment rows, and a drawn timeline. */
class ReportWriterTest {
  private static final Pattern PATH = Pattern.compile("<path class=\"(area|line)\" data-series=\"([^\"]*)\" d=\"([^\"]*)\"");
  private static final Pattern VIEWBOX = Pattern.compile("viewBox=\"0 0 (\\d+) (\\d+)\"");

  private final DemoTimeline timeline = SyntheticTimeline.demo(0);
  private final String html = ReportWriter.render(timeline);

  static String metric(String html, String name) {
    Matcher m = Pattern.compile("data-metric=\"" + name + "\">([^<]*)<").matcher(html);
    assertThat(m.find()).as("metric %s in the page", name).isTrue();
    return m.group(1);
  }

  @Test
  void headerShowsTheTotalsOfTheInput() {
    DemoTimeline.Totals totals = timeline.totals();
    assertThat(metric(html, "requests")).isEqualTo(String.format("%,d", totals.requests()));
    assertThat(metric(html, "failed_requests")).isEqualTo("0");
    assertThat(metric(html, "requests_per_s")).isEqualTo(String.format("%,d", Math.round(totals.requestsPerS())));
    assertThat(metric(html, "deployments_succeeded")).isEqualTo("2 / 2");
    // Zero failures is shown green; any failure red.
    assertThat(html).contains("<div class=\"kpi good\"><div class=\"value\" data-metric=\"failed_requests\">0</div>");
  }

  @Test
  void failedRequestsAreRedInTheHeaderAndMarkedOnTheTimeline() {
    DemoTimeline failing = SyntheticTimeline.demo(25);
    String page = ReportWriter.render(failing);
    assertThat(metric(page, "failed_requests")).isEqualTo("25");
    assertThat(page).contains("<div class=\"kpi bad\"><div class=\"value\" data-metric=\"failed_requests\">25</div>");
    assertThat(page).contains("<rect class=\"failed\"").contains("<title>25 failed at 40 s</title>");
  }

  @Test
  void everyDeploymentHasItsOutcomeDurationAndDrainPerLb() {
    for (DemoTimeline.DeploymentSummary d : timeline.deployments()) {
      int row = html.indexOf("<tr data-deployment=\"" + d.name() + "\">");
      assertThat(row).as("row of %s", d.name()).isPositive();
      String tr = html.substring(row, html.indexOf("</tr>", row));
      assertThat(tr).contains(">" + d.outcome() + "</span>")
          .contains(String.format("data-metric=\"duration_s\">%.1f s<", d.durationS()));
      d.drainS().forEach((lb, s) -> assertThat(tr).contains(
          String.format("data-metric=\"drain_s\" data-lb=\"%s\">%.1f s<", lb, s)));
    }
  }

  @Test
  void timelineHasANonEmptySeriesForEveryColourServerAndTheRequestRate() {
    assertThat(html).containsOnlyOnce("<svg ");
    List<String> series = new ArrayList<>();
    Matcher m = PATH.matcher(html);
    while (m.find()) {
      series.add(m.group(1) + ":" + m.group(2));
      assertThat(m.group(3)).as("path of %s", m.group(2)).startsWith("M").contains("L");
      assertThat(m.group(3).split("[ML]").length).as("points of %s", m.group(2)).isGreaterThan(5);
    }
    assertThat(series).contains("area:blue", "area:green", "line:ok", "line:v1-blue-1", "line:v2-green-3", "line:v3-blue-2");
    for (String lb : SyntheticTimeline.LBS) {
      assertThat(html).contains("<g class=\"connections\" data-lb=\"" + lb + "\">");
    }
  }

  @Test
  void everyPointLiesInsideTheDrawing() {
    Matcher vb = VIEWBOX.matcher(html);
    assertThat(vb.find()).isTrue();
    double w = Double.parseDouble(vb.group(1));
    double h = Double.parseDouble(vb.group(2));
    Matcher m = PATH.matcher(html);
    int points = 0;
    while (m.find()) {
      for (String p : m.group(3).replace("Z", "").split("[ML]")) {
        if (p.isEmpty()) {
          continue;
        }
        String[] xy = p.split(",");
        assertThat(Double.parseDouble(xy[0])).isBetween(0.0, w);
        assertThat(Double.parseDouble(xy[1])).isBetween(0.0, h);
        points++;
      }
    }
    assertThat(points).isGreaterThan(1000);
  }

  @Test
  void stackedShareReachesTheTopWhereOneColourHasAllTraffic() {
    // At t=1 blue has 100 %: blue's upper edge starts at the top of the share panel, which is
    // the "100%" grid label's line; green's area there is flat on blue.
    Matcher m = PATH.matcher(html);
    String blue = null;
    while (m.find()) {
      if (m.group(2).equals("blue")) {
        blue = m.group(3);
      }
    }
    assertThat(blue).isNotNull();
    double firstY = Double.parseDouble(blue.substring(1).split("L")[0].split(",")[1]);
    Matcher label = Pattern.compile("y=\"([0-9.]+)\" text-anchor=\"end\" fill=\"#57606a\" font-size=\"11\">100%<").matcher(html);
    assertThat(label.find()).isTrue();
    assertThat(Double.parseDouble(label.group(1)) - 4).isCloseTo(firstY, org.assertj.core.data.Offset.offset(0.15));
  }

  @Test
  void phaseMarkersAreDrawnWithLabels() {
    int phases = count(html, "<rect class=\"phase\"");
    assertThat(phases).isEqualTo(timeline.markers().size());
    // A guide line per marker through each of the 6 panels (phases, share, 3 LBs, requests).
    assertThat(count(html, "class=\"phase-marker\"")).isEqualTo(timeline.markers().size() * 6);
    assertThat(html).contains(">shift traffic</text>").contains(">v2 blue/green</text>")
        .contains("<title>v3 canary 10,50,100: DRAIN_BLUE at 74 s</title>");
    assertThat(html).contains(">time since start (s)</text>");
    // The leader change is drawn in red through every panel.
    assertThat(count(html, "stroke=\"" + SeriesColours.FAILED + "\" stroke-width=\"1.4\" stroke-dasharray=\"6 2\"")).isEqualTo(6);
    assertThat(html).contains("<title>v2 blue/green: new leader (epoch 2) at 25 s</title>");
  }

  @Test
  void pageIsSelfContained() {
    assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("src=")
        .doesNotContain("href=").doesNotContain("@import").doesNotContain("url(");
    assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http://").doesNotContain("https://");
  }

  @Test
  void textFromTheRunIsEscaped() {
    DemoTimeline t = new DemoTimeline("<b>evil</b> & co", Instant.EPOCH,
        List.of(new DemoTimeline.Sample(1, 10, 0, Map.of("blue", 100.0), Map.of("lb\"1", Map.of("<srv>", 2L)))),
        List.of(new DemoTimeline.PhaseMarker(0.5, "d<1>", "PRE<FLIGHT")),
        List.of(new DemoTimeline.DeploymentSummary("d<1>", "rolled_back", 3, Map.of("lb\"1", 1.0))),
        new DemoTimeline.Totals(10, 0, 10));
    String page = ReportWriter.render(t);
    assertThat(page).doesNotContain("<b>evil").doesNotContain("<srv>").doesNotContain("d<1>").doesNotContain("lb\"1")
        .contains("&lt;b&gt;evil&lt;/b&gt; &amp; co").contains("&lt;srv&gt;");
    // Anything but success is not shown as a success.
    assertThat(page).contains("<span class=\"outcome other\" data-metric=\"outcome\">rolled_back</span>");
    assertThat(metric(page, "deployments_succeeded")).isEqualTo("0 / 1");
  }

  @Test
  void anEmptyRunStillRenders() {
    DemoTimeline empty = new DemoTimeline("nothing happened", Instant.EPOCH, List.of(), List.of(), List.of(),
        new DemoTimeline.Totals(0, 0, 0));
    String page = ReportWriter.render(empty);
    assertThat(page).contains("<svg ").contains("No deployments ran.").contains("(no deployments)");
    assertThat(metric(page, "requests")).isEqualTo("0");
  }

  private static int count(String s, String needle) {
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
