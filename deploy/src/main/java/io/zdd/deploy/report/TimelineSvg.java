package io.zdd.deploy.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleFunction;
import java.util.function.ToDoubleFunction;

/**
 * The report's timeline: one inline SVG with panels stacked on a shared time axis: the phases of
 * each deployment, traffic share per role (stacked area), connections per server on each LB,
 * and the request rate with errors. Phase changes are drawn as vertical lines through every
 * panel so a drop or a drain lines up with the step that caused it. Plain SVG, no script: it
 * renders the same in a browser, an e-mail or a CI artefact viewer.
 */
final class TimelineSvg {
  static final int WIDTH = 1200;
  private static final int LEFT = 64;
  private static final int RIGHT = 210;
  private static final int PLOT_W = WIDTH - LEFT - RIGHT;
  private static final int PANEL_GAP = 34;
  private static final int PHASE_ROW = 24;
  private static final int SHARE_H = 150;
  private static final int LB_H = 110;
  private static final int REQ_H = 130;

  private final DemoTimeline timeline;
  private final double end;
  private final StringBuilder svg = new StringBuilder();
  private final StringBuilder guides = new StringBuilder();
  /** Every panel's {top, height}, for the phase guides drawn over all of them. */
  private final List<int[]> panels = new ArrayList<>();
  /** Phase marker times {t, kind} (see {@link #guide}). */
  private final List<double[]> guideTimes = new ArrayList<>();
  private int y = 8;

  private TimelineSvg(DemoTimeline timeline) {
    this.timeline = timeline;
    this.end = Math.max(1, timeline.durationSeconds());
  }

  static String render(DemoTimeline timeline) {
    return new TimelineSvg(timeline).draw();
  }

  private String draw() {
    phasePanel();
    sharePanel();
    connectionPanels();
    requestPanel();
    timeAxisLabels();
    int height = y + 40;
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 " + WIDTH + " " + height
        + "\" width=\"" + WIDTH + "\" height=\"" + height + "\" role=\"img\" aria-label=\"Timeline of "
        + Html.escape(timeline.title()) + "\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""
        + " font-size=\"12\">\n" + svg + "<g class=\"phase-guides\">\n" + guides + "</g>\n</svg>\n";
  }

  // ---------------------------------------------------------------- panels

  /** One row per deployment: a coloured segment per phase, named inside when it fits. */
  private void phasePanel() {
    Map<String, List<DemoTimeline.PhaseMarker>> byDeployment = new LinkedHashMap<>();
    for (DemoTimeline.PhaseMarker m : timeline.markers()) {
      byDeployment.computeIfAbsent(m.deployment(), k -> new ArrayList<>()).add(m);
    }
    title("Deployment phases", byDeployment.isEmpty() ? "(no deployments)" : "");
    int top = y;
    int rows = Math.max(1, byDeployment.size());
    int height = rows * PHASE_ROW;
    frame(top, height);
    int row = 0;
    for (Map.Entry<String, List<DemoTimeline.PhaseMarker>> e : byDeployment.entrySet()) {
      int ry = top + row * PHASE_ROW + 3;
      List<DemoTimeline.PhaseMarker> ms = e.getValue();
      svg.append("<g class=\"phase-row\">\n");
      for (int i = 0; i < ms.size(); i++) {
        DemoTimeline.PhaseMarker m = ms.get(i);
        double x0 = x(m.t());
        double x1 = i + 1 < ms.size() ? x(ms.get(i + 1).t()) : Math.min(LEFT + PLOT_W, x0 + 4);
        double w = Math.max(2, x1 - x0);
        svg.append(String.format(Locale.ROOT,
            "<rect class=\"phase\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" stroke=\"#fff\""
                + " stroke-width=\"0.5\"><title>%s: %s at %s s</title></rect>\n",
            x0, ry, w, PHASE_ROW - 6, SeriesColours.phase(m.phase()), Html.escape(e.getKey()),
            Html.escape(m.phase()), seconds(m.t())));
        String label = phaseLabel(m.phase());
        if (label.length() * 6.2 + 6 < w) {
          svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10.5\" fill=\"#1f2933\">%s</text>\n",
              x0 + 3, ry + PHASE_ROW - 10, Html.escape(label)));
        }
        guide(m.t(), i == 0 ? 1 : SeriesColours.isLeaderChange(m.phase()) ? 2 : 0);
      }
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"600\" fill=\"#1f2933\">%s</text>\n",
          LEFT + PLOT_W + 10, ry + PHASE_ROW - 10, Html.escape(shorten(e.getKey(), 28))));
      svg.append("</g>\n");
      row++;
    }
    int keyLines = phaseKey(top + height + 16);
    y = top + height + 4 + 16 * keyLines + PANEL_GAP;
  }

  /** Which colour is which phase, in the order the phases first appear; returns the lines used. */
  private int phaseKey(int baseline) {
    Set<String> phases = new LinkedHashSet<>();
    timeline.markers().forEach(m -> phases.add(m.phase()));
    double x = LEFT;
    int lines = 1;
    for (String phase : phases) {
      String label = phaseLabel(phase);
      double width = 14 + label.length() * 6.3 + 16;
      if (x > LEFT && x + width > LEFT + PLOT_W + RIGHT - 10) {
        x = LEFT;
        baseline += 16;
        lines++;
      }
      svg.append(String.format(Locale.ROOT, "<rect class=\"phase-key\" x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
          + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#57606a\">%s</text>\n",
          x, baseline - 9, SeriesColours.phase(phase), x + 14, baseline, Html.escape(label)));
      x += width;
    }
    return lines;
  }

  /** Stacked area of each role's share of new traffic (blue = live, green = new). */
  private void sharePanel() {
    title("Traffic share per role (blue = live, green = new)", "% of new requests");
    int top = y;
    frame(top, SHARE_H);
    yAxis(top, SHARE_H, 100, v -> String.format(Locale.ROOT, "%.0f%%", v));
    Set<String> colours = new LinkedHashSet<>();
    timeline.samples().forEach(s -> colours.addAll(s.trafficShare().keySet()));
    SeriesColours palette = new SeriesColours();
    List<DemoTimeline.Sample> samples = timeline.samples();
    double[] below = new double[samples.size()];
    List<String[]> legend = new ArrayList<>();
    svg.append("<g class=\"traffic-share\">\n");
    for (String colour : colours) {
      double[] above = new double[samples.size()];
      for (int i = 0; i < samples.size(); i++) {
        above[i] = below[i] + samples.get(i).trafficShare().getOrDefault(colour, 0.0);
      }
      StringBuilder d = new StringBuilder();
      for (int i = 0; i < samples.size(); i++) {
        d.append(i == 0 ? "M" : "L").append(point(samples.get(i).t(), yOf(top, SHARE_H, 100, above[i])));
      }
      for (int i = samples.size() - 1; i >= 0; i--) {
        d.append("L").append(point(samples.get(i).t(), yOf(top, SHARE_H, 100, below[i])));
      }
      String fill = palette.colour(colour);
      if (!samples.isEmpty()) {
        svg.append("<path class=\"area\" data-series=\"").append(Html.escape(colour)).append("\" d=\"").append(d.append("Z"))
            .append("\" fill=\"").append(fill).append("\" fill-opacity=\"0.85\" stroke=\"").append(fill)
            .append("\" stroke-width=\"1\"/>\n");
      }
      legend.add(new String[] {fill, colour});
      below = above;
    }
    svg.append("</g>\n");
    legend(top, legend, true);
    y = top + SHARE_H + PANEL_GAP;
  }

  /** One panel per LB, a line per server; the same server has the same colour on every LB. */
  private void connectionPanels() {
    Map<String, Set<String>> servers = new LinkedHashMap<>();
    long max = 0;
    for (DemoTimeline.Sample s : timeline.samples()) {
      for (Map.Entry<String, Map<String, Long>> lb : s.connections().entrySet()) {
        servers.computeIfAbsent(lb.getKey(), k -> new LinkedHashSet<>()).addAll(lb.getValue().keySet());
        for (long n : lb.getValue().values()) {
          max = Math.max(max, n);
        }
      }
    }
    SeriesColours palette = new SeriesColours();
    Map<String, String> colourOf = new LinkedHashMap<>();
    servers.values().forEach(set -> set.forEach(srv -> colourOf.computeIfAbsent(srv, palette::server)));
    double top = NiceTicks.top(Math.max(1, max), 4);
    for (Map.Entry<String, Set<String>> lb : servers.entrySet()) {
      title("Connections on " + lb.getKey(), "per server");
      int panelTop = y;
      // Tall enough for a legend line per server (up to 12), so no server hides behind "+N more".
      int height = Math.max(LB_H, Math.min(12, lb.getValue().size()) * 16 + 8);
      frame(panelTop, height);
      yAxis(panelTop, height, top, v -> String.format(Locale.ROOT, "%.0f", v));
      List<String[]> legend = new ArrayList<>();
      svg.append("<g class=\"connections\" data-lb=\"").append(Html.escape(lb.getKey())).append("\">\n");
      for (String server : lb.getValue()) {
        String path = line(s -> {
          Long n = s.connections().getOrDefault(lb.getKey(), Map.of()).get(server);
          return n == null ? Double.NaN : n;
        }, panelTop, height, top);
        if (!path.isEmpty()) {
          svg.append("<path class=\"line\" data-series=\"").append(Html.escape(server)).append("\" d=\"").append(path)
              .append("\" fill=\"none\" stroke=\"").append(colourOf.get(server))
              .append("\" stroke-width=\"1.8\" stroke-linejoin=\"round\"/>\n");
        }
        legend.add(new String[] {colourOf.get(server), server});
      }
      svg.append("</g>\n");
      legend(panelTop, legend, false);
      y = panelTop + height + PANEL_GAP;
    }
  }

  /** Requests per second that succeeded, and those that failed, on one axis. */
  private void requestPanel() {
    long failed = timeline.samples().stream().mapToLong(DemoTimeline.Sample::requestsFailed).sum();
    title("Requests per second", failed == 0 ? "no failed requests" : failed + " failed requests");
    int top = y;
    frame(top, REQ_H);
    List<DemoTimeline.Sample> samples = timeline.samples();
    double max = 1;
    for (int i = 0; i < samples.size(); i++) {
      max = Math.max(max, (samples.get(i).requestsOk() + samples.get(i).requestsFailed()) / interval(i));
    }
    double axisTop = NiceTicks.top(max, 4);
    yAxis(top, REQ_H, axisTop, TimelineSvg::compact);
    Map<DemoTimeline.Sample, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < samples.size(); i++) {
      index.put(samples.get(i), i);
    }
    String ok = line(s -> s.requestsOk() / interval(index.get(s)), top, REQ_H, axisTop);
    svg.append("<g class=\"requests\">\n");
    if (!ok.isEmpty()) {
      svg.append("<path class=\"line\" data-series=\"ok\" d=\"").append(ok).append("\" fill=\"none\" stroke=\"")
          .append(SeriesColours.REQUESTS).append("\" stroke-width=\"1.8\" stroke-linejoin=\"round\"/>\n");
    }
    int labelled = 0;
    for (int i = 0; i < samples.size(); i++) {
      DemoTimeline.Sample s = samples.get(i);
      if (s.requestsFailed() > 0) {
        double rate = s.requestsFailed() / interval(i);
        double yTop = yOf(top, REQ_H, axisTop, rate);
        double w = Math.max(2, PLOT_W * interval(i) / end * 0.8);
        svg.append(String.format(Locale.ROOT,
            "<rect class=\"failed\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%d failed at %s s</title></rect>\n",
            x(s.t()) - w / 2, Math.min(yTop, top + REQ_H - 6), w, Math.max(6, top + REQ_H - yTop), SeriesColours.FAILED,
            s.requestsFailed(), seconds(s.t())));
        // A handful of failures is a sliver on a 1,000 req/s axis: name the count beside it.
        if (labelled++ < 20) {
          svg.append(String.format(Locale.ROOT,
              "<text class=\"failed-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" font-weight=\"600\" fill=\"%s\">%d</text>\n",
              x(s.t()), Math.min(yTop, top + REQ_H - 6) - 4, SeriesColours.FAILED, s.requestsFailed()));
        }
      }
    }
    svg.append("</g>\n");
    legend(top, List.of(new String[] {SeriesColours.REQUESTS, "ok / s"}, new String[] {SeriesColours.FAILED, "failed / s"}), false);
    y = top + REQ_H + 12;
  }

  // ---------------------------------------------------------------- pieces

  private void title(String text, String note) {
    svg.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"%d\" font-size=\"13.5\" font-weight=\"600\" fill=\"#1f2933\">%s"
            + "<tspan font-weight=\"400\" fill=\"#667085\" font-size=\"12\">%s</tspan></text>\n",
        LEFT, y + 4, Html.escape(text), note.isEmpty() ? "" : "  " + Html.escape(note)));
    y += 12;
  }

  /** Plot background and vertical time grid. */
  private void frame(int top, int height) {
    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafbfc\" stroke=\"#d0d7de\"/>\n",
        LEFT, top, PLOT_W, height));
    for (double t : NiceTicks.ticks(NiceTicks.top(end, 12), 12)) {
      if (t > 0 && t <= end) {
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eaeef2\"/>\n",
            x(t), top, x(t), top + height));
      }
    }
    // Phase guides are collected as the markers are drawn and laid over every panel at the end.
    panels.add(new int[] {top, height});
  }

  /** kind: 0 a phase change, 1 a deployment starts, 2 a new leader took over. */
  private void guide(double t, int kind) {
    guideTimes.add(new double[] {t, kind});
  }

  private void yAxis(int top, int height, double axisTop, DoubleFunction<String> label) {
    for (double v : NiceTicks.ticks(axisTop, 4)) {
      double yy = yOf(top, height, axisTop, v);
      if (v > 0) {
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eaeef2\"/>\n",
            LEFT, yy, LEFT + PLOT_W, yy));
      }
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#57606a\" font-size=\"11\">%s</text>\n",
          LEFT - 6, yy + 4, label.apply(v)));
    }
  }

  private void legend(int top, List<String[]> entries, boolean squares) {
    int ly = top + 12;
    int shown = 0;
    int room = Math.max(1, (panels.get(panels.size() - 1)[1] - 4) / 16);
    for (String[] e : entries) {
      if (shown == room - 1 && entries.size() > room) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#57606a\">+%d more</text>\n",
            LEFT + PLOT_W + 28, ly, entries.size() - shown));
        break;
      }
      svg.append(squares
          ? String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
              LEFT + PLOT_W + 10, ly - 10, e[0])
          : String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>\n",
              LEFT + PLOT_W + 8, ly - 4, LEFT + PLOT_W + 22, ly - 4, e[0]));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#1f2933\">%s</text>\n",
          LEFT + PLOT_W + 28, ly, Html.escape(shorten(e[1], 26))));
      ly += 16;
      shown++;
    }
  }

  /** Bottom axis: tick labels in seconds under the last panel, and the guides over all panels. */
  private void timeAxisLabels() {
    int[] last = panels.get(panels.size() - 1);
    int axisY = last[0] + last[1];
    for (double t : NiceTicks.ticks(NiceTicks.top(end, 12), 12)) {
      if (t <= end + 1e-9) {
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#57606a\"/>\n",
            x(t), axisY, x(t), axisY + 5));
        svg.append(String.format(Locale.ROOT,
            "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#57606a\" font-size=\"11\">%s</text>\n",
            x(t), axisY + 18, seconds(t)));
      }
    }
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#57606a\">time since start (s)</text>\n",
        LEFT + PLOT_W / 2, axisY + 34));
    for (double[] g : guideTimes) {
      for (int[] p : panels) {
        guides.append(String.format(Locale.ROOT,
            "<line class=\"phase-marker\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%s\" stroke-dasharray=\"%s\"/>\n",
            x(g[0]), p[0], x(g[0]), p[0] + p[1], g[1] == 2 ? SeriesColours.FAILED : g[1] == 1 ? "#1f2933" : "#8c959f",
            g[1] > 0 ? "1.4" : "0.8", g[1] == 2 ? "6 2" : g[1] == 1 ? "5 3" : "2 3"));
      }
    }
    y = axisY + 10;
  }

  /** A path through the samples' values, broken where a value is NaN (series absent). */
  private String line(ToDoubleFunction<DemoTimeline.Sample> value, int top, int height, double axisTop) {
    StringBuilder d = new StringBuilder();
    boolean pen = false;
    for (DemoTimeline.Sample s : timeline.samples()) {
      double v = value.applyAsDouble(s);
      if (Double.isNaN(v)) {
        pen = false;
        continue;
      }
      d.append(pen ? "L" : "M").append(point(s.t(), yOf(top, height, axisTop, v)));
      pen = true;
    }
    return d.toString();
  }

  private double interval(int i) {
    List<DemoTimeline.Sample> s = timeline.samples();
    double dt = i == 0 ? s.get(0).t() : s.get(i).t() - s.get(i - 1).t();
    return dt > 0 ? dt : 1;
  }

  private double x(double t) {
    return LEFT + PLOT_W * Math.min(t, end) / end;
  }

  private static double yOf(int top, int height, double axisTop, double v) {
    return top + height - height * Math.min(v, axisTop) / axisTop;
  }

  private String point(double t, double yy) {
    return String.format(Locale.ROOT, "%.1f,%.1f", x(t), yy);
  }

  private static String seconds(double t) {
    return t == Math.rint(t) ? String.valueOf((long) t) : String.format(Locale.ROOT, "%.1f", t);
  }

  private static String compact(double v) {
    return v >= 10_000 ? String.format(Locale.ROOT, "%.0fk", v / 1000)
        : v >= 1000 ? String.format(Locale.ROOT, "%.1fk", v / 1000).replace(".0k", "k")
        : String.format(Locale.ROOT, "%.0f", v);
  }

  private static String phaseLabel(String phase) {
    return phase.toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
