package io.zdd.coordinator.engine;

import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.coordinator.engine.port.LbAgentView;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Waits for tasks at weight 0 to drain, blue's on the way forward and green's in a rollback:
 * first no connection to them on any LB (every LB must report it, in a fresh sample), then the
 * app's own pending-operations gauge at 0. At max-wait the drain policy decides; no task some LB
 * has not reported drained is ever killed.
 */
final class Drain {
  private final Deployment d;
  private List<LbDrainProgress> progress = List.of();
  /** Drained tasks whose pending-operations gauge read 0 (re-read after a restart). */
  private final Set<String> pendingCleared = new HashSet<>();

  Drain(Deployment d) {
    this.d = d;
  }

  /** What a look at the drain found. */
  record Look(boolean ready, Set<String> lingeringServers, Set<String> pendingTasks, String summary) {}

  /** Per-LB progress as last judged. */
  List<LbDrainProgress> progress() {
    return progress;
  }

  /** Connections first (every LB), then the app's pending-operations gauge per drained task. */
  Look look(Map<String, TaskStatus> tasks, BackendSet set) {
    DeploymentRecord rec = d.rec();
    List<LbAgentView> agents = d.ports().fleet().agents(rec.group(), d.lbGroups());
    Map<String, TaskStatus> byServer = new TreeMap<>();
    tasks.values().forEach(t -> byServer.put(ServerNames.of(t), t));
    Set<String> listed = set.servers().stream().map(BackendServer::name).collect(Collectors.toSet());
    DrainJudge.Verdict v = DrainJudge.judge(rec.group(), agents, d.ports().fleet().latestSamples(rec.group(), d.lbGroups()),
        byServer.keySet(), listed, rec.drain().startedAt(), d.now(), rec.options().sampleMaxAge());
    if (!v.perLb().equals(progress)) {
      progress = v.perLb();
      d.emit(EventKind.DRAIN_PROGRESS, "drain: " + v.perLb().stream()
          .map(p -> p.agent() + " " + p.serversDrained() + "/" + p.serversTotal() + (p.fresh() ? "" : " (no fresh sample)"))
          .collect(Collectors.joining(", ")));
    }
    Set<String> lingering = new TreeSet<>(byServer.keySet());
    lingering.removeAll(v.drainedEverywhere());
    Set<String> pending = new TreeSet<>();
    for (Map.Entry<String, TaskStatus> e : byServer.entrySet()) {
      TaskStatus t = e.getValue();
      if (lingering.contains(e.getKey()) || pendingCleared.contains(t.id())) {
        continue;
      }
      if (pendingGaugeIsZero(t)) {
        pendingCleared.add(t.id());
      } else {
        pending.add(t.id());
      }
    }
    boolean ready = lingering.isEmpty() && pending.isEmpty();
    String summary = ready ? "drained" : "waiting: " + (lingering.isEmpty() ? "" : "connections on " + lingering + " ")
        + (pending.isEmpty() ? "" : "pending operations on " + pending);
    return new Look(ready, lingering, pending, summary.trim());
  }

  private boolean pendingGaugeIsZero(TaskStatus task) {
    DeploymentOptions o = d.rec().options();
    Optional<String> metric = o.pendingMetric();
    if (metric.isEmpty()) {
      return true;
    }
    int port = task.port(o.pendingMetricPortIndex().orElse(0));
    if (port < 1) {
      return false;
    }
    OptionalDouble value = d.ports().pendingProbe().read(metric.get(), task.address(), port,
        o.pendingMetricPath().orElse("/metrics"));
    return value.isPresent() && value.getAsDouble() == 0.0;
  }

  /** The next tick after a look that was not ready: wait, or at max-wait, what the policy says. */
  Tick notReady(Look o, boolean green) {
    DeploymentRecord rec = d.rec();
    return rec.drain().pastMaxWait(d.now(), rec.options().maxWait()) ? applyPolicy(o, green)
        : Tick.waitFor(rec.options().stepDelay(), o.summary());
  }

  /** At max-wait. Never kills a task some LB has not reported drained. */
  private Tick applyPolicy(Look o, boolean green) {
    DeploymentRecord rec = d.rec();
    DrainPolicy policy = rec.options().drainPolicy();
    String who = green ? "green" : "blue";
    if (!o.lingeringServers().isEmpty()) {
      switch (policy) {
        case ABORT -> {
          return giveUp(green, who + " servers " + o.lingeringServers()
              + " still hold connections (or an LB sent no fresh sample) at max-wait");
        }
        case SHUTDOWN -> {
          if (rec.drain().shutdownAt() == null) {
            d.save(rec.toBuilder().drain(rec.drain().sessionsShutDown(d.now())).build());
            for (String server : o.lingeringServers()) {
              List<String> failed = FleetConvergence.failures(d.ports().fleet().shutdownSessions(rec.group(), d.lbGroups(),
                  server, d.ports().epoch().get()));
              d.emit(EventKind.WARNING, "max-wait reached: shut down sessions of " + server
                  + (failed.isEmpty() ? " on every LB" : "; failed on " + failed));
            }
          } else if (rec.drain().pastMaxWaitAfterShutdown(d.now(), rec.options().maxWait())) {
            return giveUp(green, who + " servers " + o.lingeringServers()
                + " not drained on every LB even after shutting sessions down");
          }
        }
        case WAIT -> warnOnce("max-wait reached; still waiting (drain policy WAIT): " + o.summary());
      }
    } else if (!o.pendingTasks().isEmpty()) {
      // Cutting sessions cannot empty an app's own queue, so only ABORT gives up on it.
      if (policy == DrainPolicy.ABORT) {
        return giveUp(green, who + " tasks " + o.pendingTasks() + " still report pending operations at max-wait");
      }
      warnOnce("max-wait reached; tasks " + o.pendingTasks() + " still report pending operations; not killing them");
    }
    return Tick.waitFor(rec.options().stepDelay(), o.summary());
  }

  /** Blue that will not drain rolls the deployment back; green that will not drain (in a rollback) fails it. */
  private Tick giveUp(boolean green, String why) {
    return green ? d.done(Outcome.FAILED, why + "; green left at weight 0") : d.rollback().start(why);
  }

  private void warnOnce(String message) {
    if (!d.rec().drain().warned()) {
      d.save(d.rec().toBuilder().drain(d.rec().drain().warningEmitted()).message(message).build());
      d.emit(EventKind.WARNING, message);
    }
  }
}
