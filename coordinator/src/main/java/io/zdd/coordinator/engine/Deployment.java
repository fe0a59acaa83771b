package io.zdd.coordinator.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.logging.LogContext;
import io.zdd.common.model.Colour;
import io.zdd.coordinator.engine.analysis.CheckResult;
import io.zdd.coordinator.engine.analysis.HookType;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployment as a persisted state machine (docs/architecture.md). A driver calls {@link #tick()}
 * until it answers DONE or HELD. Each tick re-reads Marathon and the fleet, saves the record
 * before any action it takes, and takes at most one kind of action, so every step is idempotent
 * and a new leader can rebuild the deployment from the stored record and carry on.
 *
 * <p>Threads: one driver at a time calls {@link #tick()} (a second concurrent call is refused).
 * Controls ({@link #request}) and {@link #record()} may be called from any thread at any time and
 * never wait for a tick: a control appends a request to the record ({@link Controls}) and the next
 * tick applies it. The record has two writers, the tick and the controls; {@link RecordWriter}
 * serialises their writes.
 */
public final class Deployment {
  private static final Logger log = LoggerFactory.getLogger(Deployment.class);

  private final EnginePorts ports;
  /** The Marathon-LB groups serving green (and blue): from green's definition, fixed for the deployment. */
  private final LbGroups lbGroups;
  /** Holds the record; once the leader term closed, nothing more is written or emitted here. */
  private final RecordWriter writer;
  private final AtomicBoolean ticking = new AtomicBoolean();
  private final AtomicLong eventSequence = new AtomicLong();
  // The parts, and the fields below them, belong to the ticking thread.
  private final FleetConvergence fleet = new FleetConvergence(this);
  private final Drain drain = new Drain(this);
  private final Rollback rollback = new Rollback(this);
  private final CanaryAnalysis analysis = new CanaryAnalysis(this);
  private final Rollout rollout;
  /** Marathon as this deployment sees it: {@link #ports}' Marathon is this, so every read is remembered. */
  private final SeenApps seen;
  /** First failure of the Marathon call being retried; null when the last tick succeeded. */
  private Instant retryingSince;

  Deployment(EnginePorts ports, DeploymentRecord record) {
    this.seen = new SeenApps(ports.marathon(), ports.clock());
    this.ports = new EnginePorts(seen, ports.fleet(), ports.store(), ports.pendingProbe(), ports.preKillHook(),
        ports.events(), ports.clock(), ports.epoch(), ports.analysis());
    this.writer = new RecordWriter(ports.store(), record);
    this.lbGroups = LbGroups.ofAppJson(record.greenAppJson());
    this.rollout = new Rollout(this, TrafficShift.of(record.options().strategy(), this));
  }

  public DeploymentRecord record() {
    return writer.current();
  }

  public String id() {
    return writer.current().id();
  }

  /**
   * The leader term that drives this deployment closed (leadership lost or the process stopping):
   * a tick still in flight writes and emits nothing more, and no new one starts. The next leader
   * resumes from the stored record.
   */
  public void stop() {
    writer.stop();
  }

  /** Emits an event outside a tick (the engine's "started" and "resumed by epoch N"). */
  void announce(EventKind kind, String message) {
    emit(kind, message);
  }

  // ---------------------------------------------------------------- controls

  /**
   * Keeps an operator's action in the record (and so in its history). Saved with the fence like
   * every record change; a finished deployment keeps the record it finished with.
   */
  public DeploymentRecord recordOperatorAction(String entry) {
    return writer.update(r -> r.running() ? r.toBuilder().audit(now() + " " + entry).build() : r);
  }

  /**
   * Accepts an operator's request: checked against the record as it is now (a refusal throws
   * PreconditionException and changes nothing), then persisted, to be applied by the next tick
   * (at once when the deployment is waiting or held; after the step in progress otherwise). Never
   * waits for a tick; use {@link #awaitControls} to wait a bounded time for the effect.
   *
   * @param auditEntry who asked, kept in the record's audit list in the same write; null for none
   */
  public DeploymentRecord request(Control control, String auditEntry) {
    return writer.update(r -> {
      ControlRules.refusal(control, r).ifPresent(why -> {
        throw new PreconditionException(why);
      });
      if (r.controls().pending().size() >= Controls.MAX_PENDING) {
        throw new PreconditionException("deployment " + r.id() + " already has " + r.controls().pending().size()
            + " requests waiting for its current step to end; try again when they are applied");
      }
      DeploymentRecord.Builder b = r.toBuilder().controls(r.controls().plus(control, now()));
      return (auditEntry == null ? b : b.audit(now() + " " + auditEntry)).build();
    });
  }

  public DeploymentRecord pause() {
    return request(Control.PAUSE, null);
  }

  public DeploymentRecord resume() {
    return request(Control.RESUME, null);
  }

  public DeploymentRecord promote() {
    return request(Control.PROMOTE, null);
  }

  public DeploymentRecord abort() {
    return request(Control.ABORT, null);
  }

  /**
   * Waits up to {@code max} until no request is pending (or the deployment finished) and returns
   * the record then: a control's answer shows its effect when the deployment was idle.
   */
  public DeploymentRecord awaitControls(Duration max) throws InterruptedException {
    return writer.awaitControls(max);
  }

  /** Applies every pending request, oldest first, each in one write with its effect. */
  private void applyControls() {
    for (ControlRequest c : rec().controls().pending()) {
      Controls applied = rec().controls().appliedThrough(c.seq());
      Optional<String> refused = ControlRules.refusal(c.control(), rec());
      if (refused.isPresent()) {
        save(rec().toBuilder().controls(applied).build());
        emit(EventKind.WARNING, c.control().verb() + " not applied: " + refused.get());
      } else if (c.control() == Control.ABORT && rec().phase() != Phase.ROLLBACK) {
        rollback.start("aborted by operator", applied);
      } else {
        save(ControlRules.effect(c.control(), rec()).controls(applied).build());
        if (c.control() != Control.ABORT) {
          boolean promoted = c.control() == Control.PROMOTE || c.control() == Control.SKIP_ANALYSIS;
          emit(promoted ? EventKind.PHASE_CHANGED : EventKind.WARNING, c.control().done() + " by operator");
        }
      }
    }
  }

  // ---------------------------------------------------------------- the machine

  /** Runs one step. Never throws for Marathon or LB trouble: that becomes a wait, a rollback or FAILED. */
  public Tick tick() {
    if (!ticking.compareAndSet(false, true)) {
      throw new IllegalStateException("deployment " + rec().id() + " is already ticking on another thread");
    }
    try {
      return tickOnce();
    } finally {
      ticking.set(false);
    }
  }

  private Tick tickOnce() {
    if (!rec().running()) {
      return Tick.done();
    }
    if (writer.stopped()) {
      return Tick.held("leader term closed");
    }
    try (LogContext d = LogContext.deployment(rec().id()); LogContext g = LogContext.group(rec().group().value())) {
      applyControls();
      if (rec().paused() && rec().phase() != Phase.ROLLBACK) {
        return Tick.held("paused");
      }
      try {
        Tick t = switch (rec().phase()) {
          case ROLLBACK -> rollback.tick();
          case DONE -> Tick.done();
          default -> rollout.tick(rec().phase());
        };
        retryingSince = null;
        return t;
      } catch (UnavailableException | ConflictException | DeadlineExceededException e) {
        return retryLater(e);
      } catch (InvalidInputException e) {
        return rollback.failOrRollback("Marathon refused a request (422): " + e.getMessage());
      } catch (NotFoundException e) {
        return rollback.failOrRollback("not found in Marathon: " + e.getMessage());
      } catch (PreconditionException e) {
        // Marathon refused for good (an app locked past the policy's wait, credentials refused).
        return rollback.failOrRollback(e.getMessage());
      }
    }
  }

  // ---------------------------------------------------------------- the context the parts share

  /** The record as last written; the parts read it through here, on the ticking thread. */
  DeploymentRecord rec() {
    return writer.current();
  }

  EnginePorts ports() {
    return ports;
  }

  LbGroups lbGroups() {
    return lbGroups;
  }

  FleetConvergence fleet() {
    return fleet;
  }

  Drain drain() {
    return drain;
  }

  Rollback rollback() {
    return rollback;
  }

  Rollout rollout() {
    return rollout;
  }

  CanaryAnalysis analysis() {
    return analysis;
  }

  Optional<AppStatus> blueApp() {
    return rec().blueAppId().isEmpty() ? Optional.empty() : findApp(rec().blueAppId());
  }

  Optional<AppStatus> findApp(String id) {
    try {
      return Optional.of(getApp(id));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /** Reads an app from Marathon (NotFoundException when it does not exist). */
  AppStatus getApp(String id) {
    return ports.marathon().getApp(id);
  }

  /**
   * Green and blue as this deployment's ticks read them within the last two step delays (while it
   * waits, a deployment ticks at least every step delay, plus the tick's own time: so the reads of
   * the tick before), without asking Marathon; empty when either was not read that recently (a new
   * leader, a long hold) or the deployment wrote to Marathon since. Green must exist; blue may be gone.
   */
  Optional<Apps> recentApps() {
    Instant after = now().minus(rec().options().stepDelay().multipliedBy(2));
    Optional<Optional<AppStatus>> green = seen.readAfter(rec().greenAppId(), after);
    Optional<Optional<AppStatus>> blue = rec().blueAppId().isEmpty() ? Optional.of(Optional.empty())
        : seen.readAfter(rec().blueAppId(), after);
    if (green.isEmpty() || green.get().isEmpty() || blue.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Apps(green.get().get(), blue.get()));
  }

  /** Green and (if any) blue, as read from Marathon. */
  record Apps(AppStatus green, Optional<AppStatus> blue) {}

  /** Asks Marathon for {@code instances} of {@code appId} and waits a step for it. */
  Tick scale(String appId, int instances, String why) {
    ports.marathon().scaleApp(appId, instances);
    emit(EventKind.MARATHON_CALL, "PUT /v2/apps" + appId + " instances=" + instances);
    return Tick.waitFor(rec().options().stepDelay(), why);
  }

  /** Why {@code app} is not fully serving in Marathon (a deployment of it running, tasks not healthy). */
  static Optional<String> notServing(String who, AppStatus app) {
    long serving = app.tasks().stream().filter(TaskStatus::serving).count();
    if (app.deploymentsInProgress() || serving < app.instances()) {
      return Optional.of(who + " has " + serving + " of " + app.instances() + " tasks healthy in Marathon");
    }
    return Optional.empty();
  }

  /**
   * Serving tasks of {@code app} that every LB reported UP in {@code applied} may get traffic:
   * they are saved as admitted. Returns the serving tasks not UP on every LB yet (then nothing is
   * admitted: a set is admitted together).
   */
  List<String> admitServing(AppStatus app, FleetConvergence.Applied applied) {
    Set<String> waiting = TaskSets.unadmittedServing(rec(), app);
    if (waiting.isEmpty()) {
      return List.of();
    }
    List<String> notUp = applied.notUpEverywhere(waiting);
    if (!notUp.isEmpty()) {
      return notUp;
    }
    Set<String> admitted = new TreeSet<>(rec().admittedTaskIds());
    admitted.addAll(waiting);
    save(rec().toBuilder().admittedTaskIds(List.copyOf(admitted)).build());
    log.info("tasks {} are UP on every LB; they may now get traffic", waiting);
    return List.of();
  }

  int frontendPort(Colour colour) {
    return colour == Colour.GREEN ? rec().options().greenFrontendPort() : rec().options().blueFrontendPort();
  }

  ObjectNode greenJson() {
    try {
      return (ObjectNode) AppJson.MAPPER.readTree(rec().greenAppJson());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored green definition is not JSON", e);
    }
  }

  static String toJson(List<String> ids) {
    try {
      return AppJson.MAPPER.writeValueAsString(ids);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private Tick retryLater(RuntimeException e) {
    Instant now = now();
    if (retryingSince == null) {
      retryingSince = now;
    }
    emit(EventKind.WARNING, "Marathon: " + e.getMessage() + "; retrying");
    if (!now.isBefore(retryingSince.plus(rec().options().marathonRetryTimeout()))) {
      retryingSince = null;
      return rollback.failOrRollback("Marathon kept failing for " + rec().options().marathonRetryTimeout() + ": "
          + e.getMessage());
    }
    return Tick.waitFor(rec().options().stepDelay(), "retrying: " + e.getMessage());
  }

  // ---------------------------------------------------------------- writes and events

  Instant now() {
    return ports.clock().instant();
  }

  void go(DeploymentRecord.Builder b) {
    Phase before = rec().phase();
    DeploymentRecord next = b.build();
    if (next.phase() != before) {
      next = next.toBuilder().phaseStartedAt(now()).build();
    }
    save(next);
    if (next.phase() != before) {
      log.info("phase {} -> {}", before, next.phase());
      emit(EventKind.PHASE_CHANGED, before + " -> " + next.phase());
    }
  }

  /**
   * A fenced write immediately before a call that destroys something (a kill, a delete), after
   * any reads and hooks of the tick: a leader deposed while it read Marathon or ran the hook
   * fails here (StaleEpochException, or no ZooKeeper session) and destroys nothing.
   */
  void fence(String what) {
    save(rec().toBuilder().message(what).build());
  }

  Tick done(Outcome outcome, String message) {
    // Requests accepted during this tick come too late: dropped, each with a reason.
    List<ControlRequest> dropped = rec().controls().pending();
    long last = dropped.isEmpty() ? 0 : dropped.get(dropped.size() - 1).seq();
    go(rec().toBuilder().phase(Phase.DONE).outcome(outcome).message(message).finishedAt(now()).traffic(rec().traffic().released())
        .controls(rec().controls().appliedThrough(last)));
    ports.store().appendHistory(rec());
    log.info("deployment finished: {} ({})", outcome, message);
    dropped.forEach(c -> emit(EventKind.WARNING, c.control().name().toLowerCase(Locale.ROOT)
        + " not applied: the deployment finished first"));
    emit(EventKind.FINISHED, outcome + ": " + message);
    if (outcome == Outcome.SUCCEEDED) {
      analysis.announce(HookType.POST_ROLLOUT);
    }
    return Tick.done();
  }

  /** A tick's write (see {@link RecordWriter#save}). */
  void save(DeploymentRecord next) {
    writer.save(next);
  }

  void emitKilled(List<String> ids) {
    if (writer.stopped()) {
      return;
    }
    ports.events().accept(new DeploymentEvent(eventSequence.incrementAndGet(), now(), EventKind.TASKS_KILLED,
        "killed " + ids + " (drained on every LB)", rec(), ids, drain.progress(), fleet.traffic()));
  }

  void emit(EventKind kind, String message) {
    emit(kind, message, List.of());
  }

  /** An ANALYSIS event carrying each check's result in a measurement. */
  void emitAnalysis(String message, List<CheckResult> results) {
    emit(EventKind.ANALYSIS, message, results);
  }

  private void emit(EventKind kind, String message, List<CheckResult> results) {
    if (writer.stopped()) {
      return;
    }
    try {
      ports.events().accept(new DeploymentEvent(eventSequence.incrementAndGet(), now(), kind, message, rec(), List.of(),
          kind == EventKind.DRAIN_PROGRESS ? drain.progress() : List.of(), fleet.traffic(), results));
    } catch (RuntimeException e) {
      // A broken listener must not stop a deployment half-way.
      log.warn("event sink failed: {}", e.toString());
    }
  }
}
