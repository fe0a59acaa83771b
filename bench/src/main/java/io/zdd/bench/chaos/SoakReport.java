package io.zdd.bench.chaos;

import io.zdd.common.config.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The soak's Markdown report: set-up, faults by kind, deployments by outcome, requests, invariants. */
final class SoakReport {
  private final ChaosSoak.Settings s;
  private final Journal journal;
  private final Duration took;
  private final long sent;
  private final long ok;
  private final int kills;
  private final List<String> skipped;

  SoakReport(ChaosSoak.Settings s, Journal journal, Duration took, long sent, long ok, int kills, List<String> skipped) {
    this.s = s;
    this.journal = journal;
    this.took = took;
    this.sent = sent;
    this.ok = ok;
    this.kills = kills;
    this.skipped = List.copyOf(skipped);
  }

  String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("## Chaos soak, seed ").append(s.seed()).append("\n\n");
    b.append(String.format(Locale.ROOT, "Faults and deployments for %s (whole run %d s): 3 ZooKeeper servers, %d coordinators "
        + "(each its own JVM), %d lb-agents with real HAProxies in %d Marathon-LB groups, %d apps, up to %d deployments at "
        + "once, %.0f req/s per app through every LB of its group; and %d port-swap lb-agents (each LB in its own network "
        + "namespace, the load passing its nat redirect) in a Marathon-LB group of %d port-swap apps.%n%n",
        Durations.format(s.duration()), took.toSeconds(), s.coordinators(), s.agents(), s.lbGroups(), s.apps(), s.inFlight(),
        s.ratePerApp(), s.swapAgents(), s.swapApps()));
    b.append("| fault | injected |\n|---|---:|\n");
    Map<Fault, Integer> faults = journal.faults();
    for (Fault f : Fault.values()) {
      b.append("| ").append(f.description).append(" | ").append(faults.getOrDefault(f, 0)).append(" |\n");
    }
    if (!skipped.isEmpty()) {
      b.append("\nNot injected: ").append(String.join("; ", skipped)).append('\n');
    }
    Map<String, Map<String, Integer>> byKind = new TreeMap<>();
    for (Journal.Finished f : journal.deployments()) {
      byKind.computeIfAbsent(f.kind().name(), k -> new TreeMap<>()).merge(f.outcome(), 1, Integer::sum);
    }
    b.append("\n| deployment kind | outcomes |\n|---|---|\n");
    byKind.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    b.append(String.format(Locale.ROOT, "%nRequests: %d sent, %d ok; failed: %d through an LB whose agent and HAProxy were "
        + "restarting, %d on an app being aborted, **%d otherwise**.%n", sent, ok, journal.failedOnRestartingLb(),
        journal.failedOnAbortedRoute(), journal.failedUnexcused()));
    b.append(String.format(Locale.ROOT, "Kills seen by Marathon: %d; LB connection checks at a kill: %d made, %d impossible "
        + "(that LB's agent was down).%n%n", kills, journal.killsChecked(), journal.killsUnverifiable()));
    List<String> violations = journal.violations();
    b.append("| invariant | held |\n|---|---|\n");
    for (Invariant i : Invariant.values()) {
      int n = journal.violations(i);
      b.append("| ").append(i.description).append(" | ").append(n == 0 ? "yes" : "**no** (" + n + ")").append(" |\n");
    }
    if (!violations.isEmpty()) {
      b.append("\nViolations:\n\n");
      violations.forEach(v -> b.append("- ").append(v).append('\n'));
    }
    List<String> excused = journal.excusedSamples();
    if (!excused.isEmpty()) {
      b.append("\nExcused failures (first ").append(excused.size()).append("):\n\n");
      excused.forEach(v -> b.append("- ").append(v).append('\n'));
    }
    return b.toString();
  }
}
