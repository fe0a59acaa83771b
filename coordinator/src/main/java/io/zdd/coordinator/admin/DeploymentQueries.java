package io.zdd.coordinator.admin;

import io.zdd.common.error.NotFoundException;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.Deployment;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.service.DeploymentSupervisor;
import io.zdd.coordinator.service.EventLog;
import io.zdd.coordinator.zk.ZkDeploymentStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The reads every view of deployments shares (the admin API and the dashboard), so both show the
 * same numbers: records from the leader's running deployments or ZooKeeper (any coordinator
 * answers), with the traffic and drain figures of the newest event this coordinator logged.
 */
public final class DeploymentQueries {
  /** A record and the figures of its newest event here (none on a coordinator that did not drive it). */
  public record View(DeploymentRecord record, Optional<DeploymentEvent> latest) {}

  private final Supplier<Optional<DeploymentSupervisor>> leaderWork;
  private final ZkDeploymentStore store;
  private final EventLog events;

  public DeploymentQueries(Supplier<Optional<DeploymentSupervisor>> leaderWork, ZkDeploymentStore store,
      EventLog events) {
    this.leaderWork = leaderWork;
    this.store = store;
    this.events = events;
  }

  /**
   * The record with the figures of its newest engine event. An operator's action is logged as an
   * event without figures (the audit trail has no traffic or drain to report), so it is skipped:
   * after a pause the view still shows where traffic stands.
   */
  public View view(DeploymentRecord r) {
    return new View(r, events.latest(r.id(), e -> e.kind() != EventKind.OPERATOR_ACTION));
  }

  /** @throws NotFoundException when neither the leader nor ZooKeeper knows the id */
  public DeploymentRecord find(String id) {
    Optional<DeploymentRecord> live = leaderWork.get().flatMap(s -> s.find(id, "")).map(Deployment::record);
    if (live.isPresent()) {
      return live.get();
    }
    for (GroupName g : store.groups()) {
      Optional<DeploymentRecord> r = store.load(g).filter(x -> x.id().equals(id));
      if (r.isPresent()) {
        return r.get();
      }
      for (DeploymentRecord h : store.history(g)) {
        if (h.id().equals(id)) {
          return h;
        }
      }
    }
    throw new NotFoundException("no deployment with id '" + id + "'");
  }

  /** Running deployments, newest first; then, with {@code includeFinished}, finished ones, newest first. */
  public List<DeploymentRecord> list(boolean includeFinished) {
    return list(includeFinished, Optional.empty());
  }

  /** As {@link #list(boolean)}, of one deployment group when {@code group} is given. */
  public List<DeploymentRecord> list(boolean includeFinished, Optional<String> group) {
    List<DeploymentRecord> running = new ArrayList<>();
    List<DeploymentRecord> finished = new ArrayList<>();
    for (GroupName g : store.groups()) {
      if (group.isPresent() && !g.value().equals(group.get())) {
        continue;
      }
      store.load(g).ifPresent(r -> (r.running() ? running : finished).add(r));
      if (includeFinished) {
        store.history(g).forEach(h -> {
          if (finished.stream().noneMatch(f -> f.id().equals(h.id()))) {
            finished.add(h);
          }
        });
      }
    }
    Comparator<DeploymentRecord> newestFirst = Comparator.comparing(
        (DeploymentRecord r) -> r.startedAt() == null ? Instant.EPOCH : r.startedAt()).reversed();
    running.sort(newestFirst);
    finished.sort(newestFirst);
    List<DeploymentRecord> out = new ArrayList<>(running);
    if (includeFinished) {
      out.addAll(finished);
    }
    return out;
  }

  /** The current record of every deployment group (running or last finished), by group. */
  public List<DeploymentRecord> groups() {
    List<DeploymentRecord> out = new ArrayList<>();
    for (GroupName g : store.groups()) {
      store.load(g).ifPresent(out::add);
    }
    return out;
  }

  /** The events this coordinator logged for a deployment (empty where it did not drive it). */
  public List<DeploymentEvent> events(String id) {
    return events.events(id);
  }

  public EventLog eventLog() {
    return events;
  }
}
