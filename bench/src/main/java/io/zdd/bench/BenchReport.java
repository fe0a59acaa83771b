package io.zdd.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The benchmark's result as Markdown: one row per kind of change, the ratios, then the conditions. */
record BenchReport(
    LatencySummary weightOnly, long weightOnlyReloaded, double weightOnlyCommandsMean,
    LatencySummary reload, long reloadReloaded, double reloadCommandsMean,
    LatencySummary weightAlways, long weightAlwaysReloaded, double weightAlwaysCommandsMean,
    Optional<LatencySummary> configCheck,
    int warmup, int servers, String loadDuring, String loadAvgStart, String loadAvgEnd, int cores,
    String background, List<String> backgroundFailures, String haproxyVersion, String startedAt,
    double elapsedSeconds, String bigBackends) {

  String markdown() {
    List<String> out = new ArrayList<>();
    out.add("### ApplyBackends round-trip latency (client side, gRPC over 127.0.0.1)");
    out.add("");
    out.add("| change | n | reloaded=true | runtime cmds/call (mean) | p50 ms | p90 ms | p99 ms | max ms | mean ms |");
    out.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    out.add(row(ChangePlan.Kind.WEIGHT_ONLY.label, weightOnly, weightOnlyReloaded, weightOnlyCommandsMean));
    out.add(row(ChangePlan.Kind.WEIGHT_ONLY_ALWAYS.label, weightAlways, weightAlwaysReloaded, weightAlwaysCommandsMean));
    out.add(row(ChangePlan.Kind.RELOAD.label, reload, reloadReloaded, reloadCommandsMean));
    configCheck.ifPresent(c -> out.add(String.format(Locale.ROOT,
        "| reference: `haproxy -c` alone on the same files (not an ApplyBackends call) | %d | - | - "
            + "| %.2f | %.2f | %.2f | %.2f | %.2f |", c.count(), c.p50Ms(), c.p90Ms(), c.p99Ms(), c.maxMs(), c.meanMs())));
    out.add("");
    out.add(String.format(Locale.ROOT, "Ratio reload / weight-only: p50 **%sx**, p99 **%sx**.",
        ratio(reload.p50Ms(), weightOnly.p50Ms()), ratio(reload.p99Ms(), weightOnly.p99Ms())));
    out.add("");
    out.add(String.format(Locale.ROOT, "Ratio weight-only `always` / weight-only fast path: p50 **%sx**, p90 **%sx**, "
        + "p99 **%sx**, max **%sx**.", ratio(weightAlways.p50Ms(), weightOnly.p50Ms()),
        ratio(weightAlways.p90Ms(), weightOnly.p90Ms()), ratio(weightAlways.p99Ms(), weightOnly.p99Ms()),
        ratio(weightAlways.maxMs(), weightOnly.maxMs())));
    out.add("");
    out.add("| condition | value |");
    out.add("|---|---|");
    out.add("| started (UTC) | " + startedAt + " |");
    out.add(String.format(Locale.ROOT, "| wall time of the measured phase | %.1f s |", elapsedSeconds));
    out.add("| warm-up calls per kind (not counted) | " + warmup + " |");
    out.add("| order | interleaved rounds of the three kinds, cycling through all 6 orders, so each kind follows "
        + "each other kind equally often |");
    out.add("| agents | two, each with its own supervised HAProxy, frontend and backends' group: `--config-sync "
        + "structure` (default: weight-only and reload rows) and `--config-sync always` |");
    out.add("| backends | " + servers + " local HTTP servers, one group, HTTP mode, roundrobin, health check every 1 s |");
    out.add("| HAProxy | " + haproxyVersion + " (supervised by the agent, master-worker) |");
    out.add("| CPU cores seen by the JVM | " + cores + " |");
    out.add("| /proc/loadavg at start | " + loadAvgStart + " |");
    out.add("| /proc/loadavg at end | " + loadAvgEnd + " |");
    out.add("| 1-min load average during the run | " + loadDuring + " |");
    out.add("| background HTTP load through the frontend | " + background + " |");
    if (!backgroundFailures.isEmpty()) {
      out.add("| first background failures | " + String.join("; ", backgroundFailures).replace("|", "/") + " |");
    }
    out.add("");
    if (!bigBackends.isEmpty()) {
      out.add(bigBackends);
    }
    return String.join("\n", out);
  }

  private static String row(String label, LatencySummary s, long reloaded, double commands) {
    return String.format(Locale.ROOT, "| %s | %d | %d | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f |",
        label, s.count(), reloaded, commands, s.p50Ms(), s.p90Ms(), s.p99Ms(), s.maxMs(), s.meanMs());
  }

  static String ratio(double a, double b) {
    return b <= 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", a / b);
  }
}
