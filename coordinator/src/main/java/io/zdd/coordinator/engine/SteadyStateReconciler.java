package io.zdd.coordinator.engine;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.error.NotFoundException;
import io.zdd.coordinator.engine.port.AgentCallResult;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the LBs right between deployments: when Marathon replaces, adds or loses tasks of a
 * group's live app (a crash, a failed health check, a scale), the group's backend set is
 * recomputed and pushed to every LB, as marathon-lb does on Marathon's events. The same rules as
 * during a deployment apply: a new task is listed at weight 0 until every LB reports it UP, then
 * gets its weight; a vanished task is dropped. Each new set is saved (version, fingerprint,
 * admitted tasks) before it is sent. Groups with a running deployment are left to it.
 */
public final class SteadyStateReconciler {
  private static final Logger log = LoggerFactory.getLogger(SteadyStateReconciler.class);

  private final EnginePorts ports;
  private final Supplier<List<GroupName>> groups;

  /** @param groups the groups that have a deployment record */
  public SteadyStateReconciler(EnginePorts ports, Supplier<List<GroupName>> groups) {
    this.ports = ports;
    this.groups = groups;
  }

  /** One pass over every group; never throws (a failing group is logged and retried next pass). */
  public void reconcileAll() {
    for (GroupName g : groups.get()) {
      try {
        reconcile(g);
      } catch (RuntimeException e) {
        log.warn("[group={}] steady-state reconcile failed: {}", g, e.getMessage());
      }
    }
  }

  /** @return true when a new backend set was sent */
  public boolean reconcile(GroupName group) {
    Optional<DeploymentRecord> stored = ports.store().load(group);
    if (stored.isEmpty() || stored.get().running()) {
      return false;
    }
    DeploymentRecord rec = stored.get();
    // The live app: green after a success, blue after a rollback. After a failure that needs an
    // operator it is not clear which app should serve, so the LBs are left as the deployment left them.
    boolean greenLive = rec.outcome() == Outcome.SUCCEEDED;
    String liveId = greenLive ? rec.greenAppId() : rec.outcome() == Outcome.ROLLED_BACK ? rec.blueAppId() : "";
    if (liveId.isEmpty()) {
      return false;
    }
    AppStatus live;
    try {
      live = ports.marathon().getApp(liveId);
    } catch (NotFoundException e) {
      return false;
    }
    // Forget tasks Marathon no longer has, so the admitted list does not grow forever.
    TreeSet<String> present = new TreeSet<>();
    live.tasks().forEach(t -> present.add(t.id()));
    List<String> admitted = rec.admittedTaskIds().stream().filter(present::contains).toList();
    Epoch epoch = ports.epoch().get();
    // Killed and retired ids are blue's; the live app's replacements have new ids.
    DeploymentRecord current = rec.toBuilder().epoch(epoch.value()).admittedTaskIds(admitted).killedTaskIds(List.of())
        .killingTaskIds(List.of()).retiredTaskIds(List.of()).build();
    BackendSet set = BackendSetComposer.compose(current, rec.backendVersion() + 1,
        greenLive ? Optional.of(live) : Optional.empty(), greenLive ? Optional.empty() : Optional.of(live)).set();
    String fingerprint = set.contentDigest();
    boolean changed = !fingerprint.equals(rec.backendFingerprint()) || !admitted.equals(rec.admittedTaskIds());
    if (changed) {
      current = current.toBuilder().backendVersion(rec.backendVersion() + 1)
          .backendFingerprint(fingerprint).killedTaskIds(rec.killedTaskIds()).retiredTaskIds(rec.retiredTaskIds())
          .build();
      ports.store().save(current);
    } else if (admittedEverywhereAlready(live, admitted)) {
      return false;
    } else {
      current = current.toBuilder().killedTaskIds(rec.killedTaskIds()).retiredTaskIds(rec.retiredTaskIds()).build();
    }
    Map<AgentId, AgentCallResult> results = ports.fleet().applyEverywhere(set.withVersion(current.backendVersion()),
        LbGroups.of(live.labels()), epoch);
    List<String> nowUp = upOnEveryLb(live, set.withVersion(current.backendVersion()), results);
    if (!nowUp.isEmpty()) {
      TreeSet<String> all = new TreeSet<>(current.admittedTaskIds());
      all.addAll(nowUp);
      // Saved now; the next pass gives the newly admitted tasks their weight.
      ports.store().save(current.toBuilder().admittedTaskIds(List.copyOf(all)).build());
      log.info("[group={}] tasks UP on every LB, admitted: {}", group, nowUp);
    }
    if (changed) {
      log.info("[group={}] steady state: backend set v{} with {} servers sent to {} LB(s)", group,
          current.backendVersion(), set.servers().size(), results.size());
    }
    return changed;
  }

  private static boolean admittedEverywhereAlready(AppStatus live, List<String> admitted) {
    return live.tasks().stream().filter(TaskStatus::serving).allMatch(t -> admitted.contains(t.id()));
  }

  /** Serving tasks whose server every LB reported UP in this apply's read-back. */
  private static List<String> upOnEveryLb(AppStatus live, BackendSet set, Map<AgentId, AgentCallResult> results) {
    TreeSet<String> serving = new TreeSet<>();
    live.tasks().stream().filter(TaskStatus::serving).forEach(t -> serving.add(t.id()));
    List<String> notUp = FleetConvergence.judge(set, List.copyOf(results.keySet()), results).notUpEverywhere(serving);
    return serving.stream().filter(id -> !notUp.contains(id)).toList();
  }
}
