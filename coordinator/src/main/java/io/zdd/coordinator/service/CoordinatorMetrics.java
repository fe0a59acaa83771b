package io.zdd.coordinator.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.LbDrainProgress;
import io.zdd.coordinator.engine.TrafficShare;
import io.zdd.coordinator.fleet.AgentFleet;
import io.zdd.coordinator.engine.analysis.CheckResult;
import io.zdd.coordinator.engine.analysis.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The coordinator's Prometheus metrics (docs/architecture.md, "Metrics"), fed by deployment events: what a
 * Prometheus user graphs to watch a deployment — phase, traffic share per role, connections
 * left on draining servers per LB, drain progress — plus leadership and fleet health.
 */
public final class CoordinatorMetrics {
  private final MeterRegistry registry;
  /** Gauge values keyed by their tag string; Micrometer holds the map values weakly otherwise. */
  private final Map<String, AtomicReference<Double>> values = new ConcurrentHashMap<>();

  public CoordinatorMetrics(MeterRegistry registry, Supplier<Boolean> leader, Supplier<Long> epoch, AgentFleet fleet) {
    this.registry = registry;
    Gauge.builder("zdd_leader", () -> leader.get() ? 1 : 0)
        .description("1 while this coordinator leads").register(registry);
    Gauge.builder("zdd_leader_epoch", () -> epoch.get())
        .description("epoch of this coordinator's leader term (0 when not leading)").register(registry);
    Gauge.builder("zdd_agents_connected", () -> fleet.members().stream().filter(m -> m.subscription().connected()).count())
        .description("lb-agents whose connection-count stream is open").register(registry);
    Gauge.builder("zdd_agents_known", () -> fleet.members().size())
        .description("lb-agents known from the registry").register(registry);
  }

  private void set(String name, String description, Tags tags, double v) {
    String key = name + tags;
    values.computeIfAbsent(key, k -> {
      AtomicReference<Double> ref = new AtomicReference<>(0.0);
      Gauge.builder(name, ref, r -> r.get()).description(description).tags(tags).register(registry);
      return ref;
    }).set(v);
  }

  /**
   * One analysis measurement: each check's value over every LB, and its result, the worst of its
   * results over every LB and on each (a check failing on one LB failed).
   */
  private void analysis(String group, List<CheckResult> results) {
    Map<String, List<Verdict>> byCheck = new TreeMap<>();
    for (CheckResult r : results) {
      byCheck.computeIfAbsent(r.check(), k -> new ArrayList<>()).add(r.verdict());
      if (r.lb().equals(CheckResult.ALL_LBS)) {
        set("zdd_analysis_value", "last measured value of an analysis check over every LB (ratios as fractions, times in ms; "
            + "NaN when nothing was measured)", Tags.of("group", group, "check", r.check()), r.value());
      }
    }
    byCheck.forEach((check, verdicts) -> registry.counter("zdd_analysis_results_total", "group", group, "check", check,
        "result", Verdict.worst(verdicts).label()).increment());
  }

  /** Feeds one deployment event into the gauges and counters. */
  public void onEvent(DeploymentEvent e) {
    String group = e.deployment().group().value();
    set("zdd_deployment_phase", "current phase of the group's deployment (engine Phase ordinal)",
        Tags.of("group", group), e.deployment().phase().ordinal());
    for (TrafficShare t : e.traffic()) {
      // Roles, as everywhere a person reads: green is the new version, blue the live one, whichever
      // colour label their Marathon app ids carry this time.
      String role = t.colour() == e.deployment().greenColour() ? "green" : "blue";
      set("zdd_deployment_traffic_share", "share of new traffic per role (blue = live, green = new), percent",
          Tags.of("group", group, "role", role), t.percent());
    }
    if (!e.drain().isEmpty() || e.kind() == EventKind.DRAIN_PROGRESS) {
      long total = 0;
      long drained = 0;
      for (LbDrainProgress d : e.drain()) {
        set("zdd_drain_connections", "connections still held to draining servers, per LB",
            Tags.of("group", group, "lb", d.agent().value()), d.connections());
        total += d.serversTotal();
        drained += d.serversDrained();
      }
      set("zdd_drain_remaining_servers", "draining server entries (server x LB) not drained yet",
          Tags.of("group", group), total - drained);
      set("zdd_drain_progress_ratio", "drained fraction of the draining server entries (1 = done)",
          Tags.of("group", group), total == 0 ? 1.0 : (double) drained / total);
    }
    if (e.kind() == EventKind.ANALYSIS && !e.analysis().isEmpty()) {
      analysis(group, e.analysis());
    }
    if (e.kind() == EventKind.TASKS_KILLED) {
      registry.counter("zdd_tasks_killed_total", "group", group).increment(e.killedTaskIds().size());
    }
    if (e.kind() == EventKind.EPOCH_CHANGED) {
      registry.counter("zdd_deployment_takeovers_total", "group", group).increment();
    }
    if (e.kind() == EventKind.FINISHED && e.deployment().startedAt() != null) {
      Timer.builder("zdd_deployment_duration_seconds")
          .description("wall time of finished deployments")
          .tag("outcome", e.deployment().outcome().name().toLowerCase(Locale.ROOT))
          .publishPercentileHistogram()
          .register(registry)
          .record(Duration.between(e.deployment().startedAt(), e.at()));
    }
  }
}
