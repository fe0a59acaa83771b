package io.zdd.bench.fleet;

import io.zdd.bench.LatencySummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The fleet benchmark's result as Markdown: latency per fleet size, then CPU and memory, then the conditions. */
record FleetReport(List<FleetRun.Result> results, List<String> notRun, String startedAt, String loadAvgStart,
    String loadAvgEnd, int cores, String haproxyVersion, String command) {

  String markdown() {
    List<String> out = new ArrayList<>();
    out.add("### Fleet: one coordinator's fleet layer driving N lb-agents, weight-only traffic steps");
    out.add("");
    out.add("Latency of one traffic step: from the call into the coordinator's fleet layer "
        + "(`FleetPortAdapter.applyEverywhere`) to its return with every agent's `ApplyBackends` read-back; a step "
        + "counts as confirmed on an agent when its read-back shows the step's version and every server's new "
        + "weight.");
    out.add("");
    out.add("| agents (real HAProxy + stand-in) | steps | read-backs confirmed | first set (creates the group) ms "
        + "| p50 ms | p90 ms | p99 ms | max ms | mean ms |");
    out.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (FleetRun.Result r : results) {
      LatencySummary l = r.steps();
      out.add(String.format(Locale.ROOT, "| %d (%d + %d) | %d | %d / %d | %.0f%s | %.1f | %.1f | %.1f | %.1f | %.1f |",
          r.settings().agents(), r.real(), r.settings().agents() - r.real(), l.count(), r.confirmed(), r.expected(),
          r.firstApplyMs(), r.firstApplyAttempts() > 1 ? " (" + r.firstApplyAttempts() + " attempts)" : "",
          l.p50Ms(), l.p90Ms(), l.p99Ms(), l.maxMs(), l.meanMs()));
    }
    for (String n : notRun) {
      out.add("| " + n.replace("|", "/") + " | - | - | - | - | - | - | - | - |");
    }
    out.add("");
    out.add("CPU in % of one core over the window (utime+stime from /proc); memory is RSS at the end of the window. "
        + "**per agent (average)** is the agents' JVM divided by N: all N agents share one JVM, so this is an "
        + "average share, not a process of its own. The runtime-API stand-ins answer on two threads of the agents' "
        + "JVM (work a real HAProxy does in its own process): their CPU is shown apart and left out of the per-agent "
        + "figure (their memory is not separable and stays in). `haproxy -c` is the agents' config checks (short-lived "
        + "children of the agents' JVM); real HAProxy is the masters and workers of the K real agents, summed.");
    out.add("");
    out.add("| agents | window | coordinator side CPU % | agents' JVM CPU % | of which stand-ins % "
        + "| per agent (average, without stand-ins) CPU % | `haproxy -c` CPU % | real HAProxy CPU % "
        + "| coordinator side RSS MiB | agents' JVM RSS MiB | per agent (average) RSS MiB | real HAProxy RSS MiB | agents' JVM threads |");
    out.add("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (FleetRun.Result r : results) {
      out.add(usageRow(r, "idle " + Math.round(r.idle().seconds()) + " s", r.idle()));
      out.add(usageRow(r, r.steps().count() + " steps, " + Math.round(r.busy().seconds()) + " s", r.busy()));
    }
    out.add("");
    out.add("| condition | value |");
    out.add("|---|---|");
    out.add("| started (UTC) | " + startedAt + " |");
    out.add("| command | `" + command + "` |");
    out.add("| agents | the real lb-agent code (`AgentMain.Running`, flags parsed as its main does), all in one child "
        + "JVM; mutual TLS 1.3 both ways with certificates of a CA made for the run; no ZooKeeper |");
    out.add("| real HAProxy | agents 1..K each supervise their own HAProxy " + haproxyVersion
        + " (master-worker), frontends on their own loopback address |");
    out.add("| **stand-in** | agents K+1..N attach (`--haproxy-mode attach`) to `RuntimeApiStandIn`, an in-process "
        + "**stand-in for HAProxy's runtime API, not HAProxy**: it answers the agent's stats-socket and master-CLI "
        + "commands over unix sockets with HAProxy 2.6.12's reply formats and keeps backends, servers and weights, "
        + "so read-backs are true; it forwards no traffic and runs no health checks. Those agents still run the "
        + "real `haproxy -c` on the files they write. The stand-ins share the agents' JVM, so its GC pauses and "
        + "scheduling delays also delay their answers (a real HAProxy would not pause with it) |");
    out.add("| agent directory | static list (`StaticAgentDirectory`, the coordinator's `--agents`): no ZooKeeper "
        + "session per agent |");
    out.add("| coordinator side | this JVM: `AgentFleet` (one channel and one WatchConnections stream per agent) and "
        + "`FleetPortAdapter` on a cached call pool, wired as `Coordinator` does; plus the bench's own loop |");
    out.add("| change per step | one group, 4 servers, every weight changes (green 5→15→…→85 %), epoch 1, "
        + "version +1: weight-only, no reload |");
    if (!results.isEmpty()) {
      FleetRun.Settings s = results.get(0).settings();
      out.add(String.format(Locale.ROOT, "| warm-up steps (not counted) | %d per fleet size |", s.warmup()));
      out.add("| agent call deadline of a step / sample interval | " + s.callDeadline().toMillis() + " ms / "
          + s.sampleInterval().toMillis() + " ms (the coordinator's defaults: 5000 ms / 250 ms) |");
      out.add("| first set | creates the group on every agent (`haproxy -c` and a reload each, all at once), through "
          + "a fleet layer of its own with a " + s.setupDeadline().toMillis() + " ms call deadline; retried for "
          + "agents that did not confirm it; not a measured step |");
      out.add("| agents' JVM options | " + (s.agentsJvmOptions().isEmpty() ? "(none)"
          : String.join(" ", s.agentsJvmOptions())) + " |");
    }
    for (FleetRun.Result r : results) {
      out.add(String.format(Locale.ROOT, "| N=%d: agents' JVM start | %.1f s |", r.settings().agents(),
          r.agentsStartSeconds()));
      if (!r.failures().isEmpty()) {
        out.add("| N=" + r.settings().agents() + ": first unconfirmed read-backs | "
            + String.join("; ", r.failures()).replace("|", "/") + " |");
      }
    }
    out.add("| CPU cores seen by the JVM | " + cores + " |");
    out.add("| /proc/loadavg at start | " + loadAvgStart + " |");
    out.add("| /proc/loadavg at end | " + loadAvgEnd + " |");
    out.add("");
    return String.join("\n", out);
  }

  private static String usageRow(FleetRun.Result r, String label, UsageSnapshot.Window w) {
    int n = r.settings().agents();
    UsageSnapshot end = w.end();
    return String.format(Locale.ROOT,
        "| %d | %s | %.1f | %.1f | %.1f | %.2f | %.1f | %s | %.0f | %.0f | %.1f | %s | %d |",
        n, label, w.percent(w.coordinatorCpu()), w.percent(w.agentsCpu()), w.percent(w.standInCpu()),
        w.percent(w.agentsCpu() - w.standInCpu()) / n,
        w.percent(w.checkCpu()),
        r.real() == 0 ? "-" : String.format(Locale.ROOT, "%.1f (%d processes)", w.percent(w.haproxyCpu()),
            end.haproxyProcesses()),
        end.coordinator().rssKib() / 1024.0, end.agents().rssKib() / 1024.0, end.agents().rssKib() / 1024.0 / n,
        r.real() == 0 ? "-" : String.format(Locale.ROOT, "%.0f", end.haproxyRssKib() / 1024.0),
        end.agents().threads());
  }
}
