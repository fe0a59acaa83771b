package io.zdd.coordinator.service;

import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.Deployment;
import io.zdd.coordinator.engine.DeploymentEngine;
import io.zdd.coordinator.engine.DeploymentOptions;
import io.zdd.coordinator.engine.DeploymentPlan;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.DrainJudge;
import io.zdd.coordinator.engine.Phase;
import io.zdd.coordinator.engine.RollbackStep;
import io.zdd.coordinator.ha.LeaderTerm;
import io.zdd.coordinator.marathon.MarathonEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's deployment work for one leader term: resumes every deployment the store says is
 * running, starts new ones, and drives each with a {@link DeploymentDriver} (its ticks run one at a
 * time on a shared pool; waits are scheduled, not slept) until it is done. Controls (pause,
 * resume, promote, abort) are persisted requests on the {@link Deployment}; they wake its driver
 * and are answered without waiting for a tick in progress. {@link #close()} stops every driver;
 * since the engine persists before it acts, the next leader carries on from the stored record.
 */
public final class DeploymentSupervisor implements LeaderTerm {
  private static final Logger log = LoggerFactory.getLogger(DeploymentSupervisor.class);
  /** How long a control's answer waits for the request to take effect (the CLI's deadline is 10 s). */
  static final Duration CONTROL_ANSWER_WAIT = Duration.ofMillis(500);

  private final Epoch epoch;
  private final DeploymentEngine engine;
  private final ExecutorService work;
  private final ScheduledExecutorService timer;
  private final Map<GroupName, Running> running = new ConcurrentHashMap<>();
  /** Per agent, the servers of each group its last sample showed not drained (see {@link #onSample}). */
  private final Map<AgentId, Map<GroupName, Set<String>>> notDrained = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private record Running(Deployment deployment, DeploymentDriver driver) {}

  public DeploymentSupervisor(Epoch epoch, DeploymentEngine engine) {
    this.epoch = epoch;
    this.engine = engine;
    // At most one tick per running deployment at a time, and deployments are bounded by groups.
    this.work = Executors.newCachedThreadPool(new NamedThreadFactory("deployment-e" + epoch.value()));
    this.timer = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("deployment-timer-e" + epoch.value()));
  }

  @Override
  public Epoch epoch() {
    return epoch;
  }

  /** Takes over every deployment the store lists as running. */
  public void resumeAll(List<GroupName> groups) {
    for (GroupName g : groups) {
      try {
        engine.resume(g).ifPresent(this::drive);
      } catch (RuntimeException e) {
        log.error("[group={}] cannot resume its deployment under epoch {}: {}", g, epoch, e.getMessage(), e);
      }
    }
  }

  /**
   * Starts a deployment. Synchronized with {@link #betweenDeployments}, so the steady-state
   * reconciler never saves a group's record over one a starting deployment just wrote.
   */
  public synchronized DeploymentRecord start(String appJson, DeploymentOptions options) {
    Deployment d = engine.start(appJson, options);
    drive(d);
    return d.record();
  }

  /** Runs work that must not interleave with a deployment start (see {@link #start}). */
  public synchronized void betweenDeployments(Runnable work) {
    if (!closed) {
      work.run();
    }
  }

  public DeploymentPlan plan(String appJson, DeploymentOptions options) {
    return engine.plan(appJson, options);
  }

  /** The running deployment with this id, or of this group when id is empty. */
  public Optional<Deployment> find(String id, String group) {
    return running.values().stream().map(Running::deployment)
        .filter(d -> id.isEmpty() ? d.record().group().value().equals(group) : d.id().equals(id))
        .findFirst();
  }

  /**
   * Applies a control (a persisted request, see {@link Deployment#request}), wakes the
   * deployment's driver, and answers with the record once the request took effect or after
   * {@link #CONTROL_ANSWER_WAIT}, whichever is first: a step in progress (a pre-kill hook, a
   * Marathon call) never delays the answer.
   */
  public DeploymentRecord control(String id, String group, Function<Deployment, DeploymentRecord> op) {
    Running r = running.values().stream()
        .filter(x -> id.isEmpty() ? x.deployment().record().group().value().equals(group) : x.deployment().id().equals(id))
        .findFirst()
        .orElseThrow(() -> new NotFoundException("no running deployment "
            + (id.isEmpty() ? "for group " + group : id) + " on the leader"));
    DeploymentRecord after = op.apply(r.deployment());
    r.driver().wake();
    try {
      return r.deployment().awaitControls(CONTROL_ANSWER_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return after;
    }
  }

  private void drive(Deployment d) {
    GroupName g = d.record().group();
    DeploymentDriver driver = new DeploymentDriver(d, work, timer,
        () -> running.computeIfPresent(g, (k, r) -> r.deployment() == d ? null : r));
    if (running.putIfAbsent(g, new Running(d, driver)) != null) {
      throw new ConflictException("group " + g + " already has a running deployment");
    }
    driver.wake();
  }

  /**
   * Acts on the agents' connection streams: when a sample shows a server of a group stop being
   * busy on its LB (out of rotation with no session left in any worker), a deployment of that
   * group waiting for a drain runs its next tick now instead of after its step delay. Cheap, and
   * called on the stream's thread: it only compares and wakes.
   */
  public void onSample(ConnectionSample sample) {
    Map<GroupName, Set<String>> now = DrainJudge.notDrained(sample);
    Map<GroupName, Set<String>> before = notDrained.put(sample.agent(), now);
    if (closed || before == null) {
      return;
    }
    before.forEach((group, busy) -> {
      if (!now.getOrDefault(group, Set.of()).containsAll(busy)) {
        Running r = running.get(group);
        if (r != null && waitsForDrain(r.deployment().record())) {
          r.driver().wake();
        }
      }
    });
  }

  /**
   * Acts on Marathon's event stream: an event about the blue or green app of a running deployment
   * (a task started, died or turned healthy) runs that deployment's next tick now instead of after
   * its step delay, so green joins the LBs as soon as Marathon calls it healthy. Cheap, and called
   * on the stream's thread: it only compares app ids and wakes. Wakes while a tick runs coalesce
   * into one more tick ({@link DeploymentDriver#wake()}), so a burst of events costs at most that.
   *
   * @return whether a deployment was woken (events about other apps, or without an app id, wake nothing)
   */
  public boolean onMarathonEvent(MarathonEvent event) {
    if (closed) {
      return false;
    }
    String app = event.appId().map(DeploymentSupervisor::withoutSlash).orElse("");
    if (app.isEmpty()) {
      return false;
    }
    boolean woke = false;
    for (Running r : running.values()) {
      DeploymentRecord rec = r.deployment().record();
      if (app.equals(withoutSlash(rec.greenAppId())) || app.equals(withoutSlash(rec.blueAppId()))) {
        r.driver().wake();
        woke = true;
      }
    }
    return woke;
  }

  /** Marathon writes app ids with a leading slash; records and events need not agree on it. */
  private static String withoutSlash(String appId) {
    return appId.startsWith("/") ? appId.substring(1) : appId;
  }

  private static boolean waitsForDrain(DeploymentRecord r) {
    return r.phase() == Phase.DRAIN_BLUE || (r.phase() == Phase.ROLLBACK && r.rollback().step() == RollbackStep.DRAIN_GREEN);
  }

  public List<DeploymentRecord> runningRecords() {
    return running.values().stream().map(r -> r.deployment().record()).toList();
  }

  @Override
  public void close() {
    closed = true;
    running.values().forEach(r -> {
      r.driver().stop();
      r.deployment().stop();
    });
    timer.shutdownNow();
    work.shutdownNow();
    try {
      if (!work.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("deployment ticks of epoch {} did not stop within 10 s", epoch);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
