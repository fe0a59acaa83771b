package io.zdd.coordinator.engine;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import io.zdd.coordinator.engine.port.AgentCallResult;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.LbAgentView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Brings every LB of the deployment to the desired backend set and says whether they are there:
 * the set is composed from the record and Marathon, saved with a new version when its content
 * changed (persist-before-act), sent to every agent, and each agent's read-back compared with it.
 * Also times how long the fleet has not converged, against max-wait.
 */
final class FleetConvergence {
  private final Deployment d;
  private List<TrafficShare> traffic = List.of();
  /** Since when the fleet has not confirmed what it was asked; null when it has. */
  private Instant convergingSince;

  FleetConvergence(Deployment d) {
    this.d = d;
  }

  /**
   * A set sent everywhere and what came back.
   *
   * @param agents the agents serving the group when it was sent
   * @param observed each answering agent's read-back
   */
  record Applied(BackendSet set, List<String> problemList, boolean converged, List<AgentId> agents,
      Map<AgentId, ObservedBackend> observed) {
    String problems() {
      return String.join("; ", problemList);
    }

    /** The same set, judged not converged for {@code why} (a later call, such as a port swap, failed). */
    Applied failing(List<String> why) {
      return new Applied(set, why, false, agents, observed);
    }

    /** Task ids (of {@code waiting}) whose server is not UP on every agent in this read-back. */
    List<String> notUpEverywhere(Set<String> waiting) {
      List<String> notUp = new ArrayList<>();
      Map<String, String> nameOf = new HashMap<>();
      set.servers().forEach(s -> nameOf.put(s.taskId(), s.name()));
      for (String taskId : waiting) {
        String name = nameOf.get(taskId);
        boolean up = name != null && !agents.isEmpty();
        for (AgentId a : agents) {
          ObservedBackend ob = observed.get(a);
          up &= ob != null && ob.server(name).map(ObservedServer::isUp).orElse(false);
        }
        if (!up) {
          notUp.add(taskId);
        }
      }
      return notUp;
    }
  }

  /** Traffic shares of the last set composed. */
  List<TrafficShare> traffic() {
    return traffic;
  }

  /** Green's share of the last set composed, in percent. */
  double greenShare() {
    return traffic.stream().filter(t -> t.colour() == d.rec().greenColour()).mapToDouble(TrafficShare::percent)
        .findFirst().orElse(0);
  }

  /** Records the shares a change outside the backend set (a port swap) produced. */
  void trafficChanged(List<TrafficShare> shares) {
    traffic = shares;
  }

  /**
   * Computes the desired set; when it differs from the last one sent, saves the record with a new
   * version first (persist-before-act); then sends it to every agent and checks the read-back.
   */
  Applied apply(Optional<AppStatus> green, Optional<AppStatus> blue) {
    return apply(d.rec(), green, blue);
  }

  /**
   * As {@link #apply(Optional, Optional)} for the record {@code next} (the current one with a
   * decision of this tick, such as the next traffic step): saved in one write with the new set's
   * version, before the set is sent.
   */
  Applied apply(DeploymentRecord next, Optional<AppStatus> green, Optional<AppStatus> blue) {
    DeploymentRecord rec = next;
    BackendSetComposer.Composed c = BackendSetComposer.compose(rec, Math.max(1, rec.backendVersion()), green, blue);
    String fingerprint = c.set().contentDigest();
    if (!fingerprint.equals(rec.backendFingerprint())) {
      rec = rec.toBuilder().backendVersion(rec.backendVersion() + 1).backendFingerprint(fingerprint).build();
    }
    if (!rec.equals(d.rec())) {
      d.save(rec);
    }
    BackendSet set = c.set().withVersion(d.rec().backendVersion());
    traffic = c.traffic();
    EnginePorts ports = d.ports();
    List<AgentId> agents = ports.fleet().agents(rec.group(), d.lbGroups()).stream().map(LbAgentView::id).toList();
    Applied applied = judge(set, agents, ports.fleet().applyEverywhere(set, d.lbGroups(), ports.epoch().get()));
    if (agents.isEmpty()) {
      return applied.failing(List.of("no LB agent serves group " + rec.group() + " (Marathon-LB groups "
          + d.lbGroups().describe() + ")"));
    }
    return applied;
  }

  /**
   * Pure: how far {@code agents} are from {@code set}, from their answers to it (an agent that
   * did not answer, failed or sent no read-back is a problem, as is any server not as desired).
   */
  static Applied judge(BackendSet set, List<AgentId> agents, Map<AgentId, AgentCallResult> results) {
    List<String> problems = new ArrayList<>();
    Map<AgentId, ObservedBackend> observed = new HashMap<>();
    for (AgentId a : agents) {
      AgentCallResult r = results.get(a);
      if (r == null || !r.ok() || r.applied().isEmpty()) {
        problems.add(a + ": " + (r == null ? "no answer" : r.error().isEmpty() ? "no read-back" : r.error()));
        continue;
      }
      ObservedBackend ob = r.applied().get().observed();
      observed.put(a, ob);
      String mismatch = mismatch(set, ob);
      if (!mismatch.isEmpty()) {
        problems.add(a + ": " + mismatch);
      }
    }
    return new Applied(set, problems, problems.isEmpty(), agents, observed);
  }

  /** Points the public port at {@code frontendPort} on every LB; the agents that failed, empty when none. */
  List<String> swapPort(int frontendPort) {
    DeploymentRecord rec = d.rec();
    return failures(d.ports().fleet().swapPort(rec.group(), d.lbGroups(), rec.servicePort(), frontendPort,
        d.ports().epoch().get()));
  }

  /** Empty when the read-back shows every desired server with its weight and state. */
  static String mismatch(BackendSet set, ObservedBackend ob) {
    if (ob.appliedVersion() < set.version()) {
      return "applied v" + ob.appliedVersion() + " < v" + set.version();
    }
    for (BackendServer s : set.servers()) {
      Optional<ObservedServer> o = ob.server(s.name());
      if (o.isEmpty()) {
        return s.name() + " missing";
      }
      if (o.get().weight() != s.weight() || o.get().adminState() != s.adminState()) {
        return s.name() + " is " + o.get().adminState() + "/" + o.get().weight() + ", want " + s.adminState() + "/" + s.weight();
      }
    }
    return "";
  }

  static List<String> failures(Map<AgentId, AgentCallResult> results) {
    return results.values().stream().filter(r -> !r.ok()).map(r -> r.agent() + ": " + r.error()).sorted().toList();
  }

  /** Waits for the fleet to confirm {@code what}; rolls back once that has taken max-wait. */
  Tick waitConverged(String what, Applied applied) {
    if (overdue()) {
      return d.rollback().start(what + " not applied on every LB within max-wait: " + applied.problems());
    }
    return Tick.waitFor(d.rec().options().stepDelay(), what + ": " + applied.problems());
  }

  /** True once the fleet has failed to converge for max-wait (the timer then restarts). */
  boolean overdue() {
    Instant now = d.now();
    if (convergingSince == null) {
      convergingSince = now;
    }
    if (!now.isBefore(convergingSince.plus(d.rec().options().maxWait()))) {
      convergingSince = null;
      return true;
    }
    return false;
  }

  /** The fleet confirmed what it was asked: the max-wait timer starts afresh next time. */
  void settled() {
    convergingSince = null;
  }
}
