package io.zdd.deploy.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a demo run's report: one self-contained HTML file (inline CSS and SVG, no script, no
 * external resources), so it opens anywhere, offline, and can be attached to a CI run. The top
 * answers "did anything fail?" in big type (requests, failed requests: green when 0), then one
 * line per deployment (outcome, duration, drain per LB), then the {@link TimelineSvg timeline}.
 * Numbers carry {@code data-metric} attributes so tools and tests can read them back.
 */
public final class ReportWriter {
  private static final DateTimeFormatter STARTED =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private static final String CSS = """
      :root { color-scheme: light; }
      body { margin: 0; background: #f3f5f7; color: #1f2933;
             font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
      main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 40px; }
      h1 { font-size: 22px; margin: 0 0 2px; }
      .sub { color: #57606a; margin: 0 0 18px; }
      .kpis { display: flex; gap: 14px; flex-wrap: wrap; margin-bottom: 18px; }
      .kpi { background: #fff; border: 1px solid #d0d7de; border-radius: 10px; padding: 12px 20px; min-width: 170px; }
      .kpi .value { font-size: 40px; font-weight: 700; line-height: 1.1; font-variant-numeric: tabular-nums; }
      .kpi .label { color: #57606a; text-transform: uppercase; letter-spacing: .04em; font-size: 12px; }
      .kpi.good { border-color: #2e9e4f; background: #eef8f0; } .kpi.good .value { color: #1b7f3b; }
      .kpi.bad { border-color: #d93025; background: #fdeeed; } .kpi.bad .value { color: #b3261e; }
      table { border-collapse: collapse; background: #fff; border: 1px solid #d0d7de; border-radius: 10px;
              overflow: hidden; margin-bottom: 18px; min-width: 60%; }
      th, td { padding: 7px 14px; text-align: left; border-bottom: 1px solid #eaeef2; font-variant-numeric: tabular-nums; }
      th { background: #f6f8fa; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #57606a; }
      td.num { text-align: right; }
      .outcome { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; }
      .outcome.ok { background: #dafbe1; color: #1b7f3b; } .outcome.other { background: #ffebe9; color: #b3261e; }
      .drain { color: #57606a; } .drain b { color: #1f2933; font-weight: 600; }
      figure { margin: 0; background: #fff; border: 1px solid #d0d7de; border-radius: 10px; padding: 12px 8px 4px; }
      figure svg { width: 100%; height: auto; display: block; }
      figcaption, .note { color: #57606a; font-size: 12.5px; margin: 8px 12px; }
      """;

  private ReportWriter() {}

  /** Writes the report to {@code file} (parent directories created) and returns the file. */
  public static Path write(DemoTimeline timeline, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, render(timeline), StandardCharsets.UTF_8);
    return file;
  }

  public static String render(DemoTimeline t) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(Html.escape(t.title())).append("</title>\n")
        .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
    h.append("<h1>").append(Html.escape(t.title())).append("</h1>\n");
    h.append("<p class=\"sub\">started ").append(STARTED.format(t.startedAt())).append(" · ")
        .append(seconds(t.durationSeconds())).append(" s · ").append(t.deployments().size())
        .append(t.deployments().size() == 1 ? " deployment" : " deployments").append("</p>\n");
    kpis(h, t);
    deployments(h, t);
    analysis(h, t);
    h.append("<figure>\n").append(TimelineSvg.render(t))
        .append("<figcaption>Dashed lines mark phase changes (dark: a deployment starts; red: a new leader took over). ")
        .append("Traffic share is the")
        .append(" weight each colour gets for new requests; connections are what each LB held to each server;")
        .append(" old servers are removed only once no LB holds a connection to them.</figcaption>\n</figure>\n");
    h.append("</main>\n</body>\n</html>\n");
    return h.toString();
  }

  private static void kpis(StringBuilder h, DemoTimeline t) {
    DemoTimeline.Totals totals = t.totals();
    h.append("<section class=\"kpis\">\n");
    kpi(h, "", "requests", count(totals.requests()), "requests");
    kpi(h, totals.otherFailures() == 0 ? "good" : "bad", "failed_requests", count(totals.otherFailures()),
        totals.canaryFailures() == 0 ? "failed requests" : "failed requests (not counting the bad canary's own)");
    if (totals.canaryFailures() > 0) {
      kpi(h, "", "canary_failures", count(totals.canaryFailures()), "answered with an error by the bad canary before its rollback");
    }
    kpi(h, "", "requests_per_s", count(Math.round(totals.requestsPerS())), "requests / s");
    long ok = t.deployments().stream().filter(DemoTimeline.DeploymentSummary::asExpected).count();
    kpi(h, ok == t.deployments().size() ? "" : "bad", "deployments_succeeded",
        ok + " / " + t.deployments().size(), "deployments ended as expected");
    h.append("</section>\n");
  }

  private static void kpi(StringBuilder h, String cls, String metric, String value, String label) {
    h.append("<div class=\"kpi").append(cls.isEmpty() ? "" : " " + cls).append("\"><div class=\"value\" data-metric=\"")
        .append(metric).append("\">").append(Html.escape(value)).append("</div><div class=\"label\">")
        .append(Html.escape(label)).append("</div></div>\n");
  }

  private static void deployments(StringBuilder h, DemoTimeline t) {
    if (t.deployments().isEmpty()) {
      h.append("<p class=\"note\">No deployments ran.</p>\n");
      return;
    }
    h.append("<table class=\"deployments\">\n<thead><tr><th>deployment</th><th>outcome</th><th>duration</th>")
        .append("<th>drain per LB</th></tr></thead>\n<tbody>\n");
    for (DemoTimeline.DeploymentSummary d : t.deployments()) {
      h.append("<tr data-deployment=\"").append(Html.escape(d.name())).append("\"><td>").append(Html.escape(d.name()))
          .append("</td><td><span class=\"outcome ").append(d.asExpected() ? "ok" : "other").append("\" data-metric=\"outcome\">")
          .append(Html.escape(d.outcome())).append(d.asExpected() && !d.succeeded() ? " (as expected)" : "")
          .append("</span></td><td class=\"num\" data-metric=\"duration_s\">")
          .append(seconds(d.durationS())).append(" s</td><td class=\"drain\">")
          .append(drain(d.drainS())).append("</td></tr>\n");
    }
    h.append("</tbody>\n</table>\n");
  }

  /** The canary analysis panel: every measurement and decision, with each check's result. */
  private static void analysis(StringBuilder h, DemoTimeline t) {
    if (t.analysis().isEmpty()) {
      return;
    }
    h.append("<h2>Canary analysis</h2>\n<table class=\"analysis\">\n<thead><tr><th>t</th><th>deployment</th>")
        .append("<th>measurement or decision</th><th>checks</th></tr></thead>\n<tbody>\n");
    for (DemoTimeline.AnalysisEntry a : t.analysis()) {
      h.append("<tr data-deployment=\"").append(Html.escape(a.deployment())).append("\"><td class=\"num\">")
          .append(seconds(a.t())).append(" s</td><td>").append(Html.escape(a.deployment())).append("</td><td>")
          .append(Html.escape(a.message())).append("</td><td>")
          .append(a.checks().stream().map(Html::escape).collect(Collectors.joining("<br>"))).append("</td></tr>\n");
    }
    h.append("</tbody>\n</table>\n");
  }

  private static String drain(Map<String, Double> drainS) {
    if (drainS.isEmpty()) {
      return "nothing to drain";
    }
    return drainS.entrySet().stream()
        .map(e -> Html.escape(e.getKey()) + " <b data-metric=\"drain_s\" data-lb=\"" + Html.escape(e.getKey()) + "\">"
            + seconds(e.getValue()) + " s</b>")
        .collect(Collectors.joining(" · "));
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1f", s);
  }
}
