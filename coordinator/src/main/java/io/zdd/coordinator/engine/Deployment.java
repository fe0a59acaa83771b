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
import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import io.zdd.coordinator.engine.port.AgentCallResult;
import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.LbAgentView;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
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
 * tick applies it. The record has two writers, the tick and the controls; {@link #writeLock}
 * serialises their writes and is held only for the ZooKeeper write itself (bounded by the
 * store's deadline), never across a Marathon, LB, hook or probe call.
 */
public final class Deployment {
  private static final Logger log = LoggerFactory.getLogger(Deployment.class);
  /** Longest a writer waits for another's ZooKeeper write before giving up (UNAVAILABLE). */
  private static final Duration WRITE_LOCK_WAIT = Duration.ofSeconds(10);

  private final EnginePorts ports;
  /** The Marathon-LB groups serving green (and blue): from green's definition, fixed for the deployment. */
  private final LbGroups lbGroups;
  private final ReentrantLock writeLock = new ReentrantLock();
  /** Signalled after every write, for {@link #awaitControls}. */
  private final Condition written = writeLock.newCondition();
  /** Replaced only under {@link #writeLock}, after the store accepted the new record; read without it. */
  private volatile DeploymentRecord rec;
  private final AtomicBoolean ticking = new AtomicBoolean();
  private final AtomicLong eventSequence = new AtomicLong();
  // The fields below belong to the ticking thread.
  private List<LbDrainProgress> lastDrain = List.of();
  private List<TrafficShare> lastTraffic = List.of();
  /** First failure of the call being retried; null when the last tick succeeded. */
  private Instant retryingSince;
  /** Since when the fleet has not confirmed the current set; null when it has. */
  private Instant convergingSince;
  /** Drained tasks whose pending-operations gauge read 0 (re-read after a restart). */
  private final Set<String> pendingCleared = new HashSet<>();

  Deployment(EnginePorts ports, DeploymentRecord record) {
    this.ports = ports;
    this.rec = record;
    this.lbGroups = LbGroups.ofAppJson(record.greenAppJson());
  }

  public DeploymentRecord record() {
    return rec;
  }

  public String id() {
    return rec.id();
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
    return update(r -> r.running() ? r.toBuilder().audit(now() + " " + entry).build() : r);
  }

  /**
   * Accepts an operator's request: checked against the record as it is now (a refusal throws
   * PreconditionException and changes nothing), then persisted, to be applied by the next tick
   * (at once when the deployment is waiting or held; after the step in progress otherwise). Never
   * waits for a tick; use {@link #awaitControls} to wait a bounded time for the effect.
   */
  public DeploymentRecord request(Control control) {
    return update(r -> {
      refusal(control, r).ifPresent(why -> {
        throw new PreconditionException(why);
      });
      if (r.controls().pending().size() >= Controls.MAX_PENDING) {
        throw new PreconditionException("deployment " + r.id() + " already has " + r.controls().pending().size()
            + " requests waiting for its current step to end; try again when they are applied");
      }
      return r.toBuilder().controls(r.controls().plus(control, now())).build();
    });
  }

  public DeploymentRecord pause() {
    return request(Control.PAUSE);
  }

  public DeploymentRecord resume() {
    return request(Control.RESUME);
  }

  public DeploymentRecord promote() {
    return request(Control.PROMOTE);
  }

  public DeploymentRecord abort() {
    return request(Control.ABORT);
  }

  /**
   * Waits up to {@code max} until no request is pending (or the deployment finished) and returns
   * the record then: a control's answer shows its effect when the deployment was idle.
   */
  public DeploymentRecord awaitControls(Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    writeLock.lockInterruptibly();
    try {
      while (rec.running() && !rec.controls().pending().isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        written.awaitNanos(left);
      }
      return rec;
    } finally {
      writeLock.unlock();
    }
  }

  /** Why {@code control} cannot apply to {@code r}; empty when it can. */
  private static Optional<String> refusal(Control control, DeploymentRecord r) {
    String verb = control.name().toLowerCase(java.util.Locale.ROOT);
    if (!r.running()) {
      return Optional.of("deployment " + r.id() + " already finished (" + r.outcome() + "); cannot " + verb);
    }
    if (control != Control.PROMOTE) {
      return Optional.empty();
    }
    if (r.phase() != Phase.SHIFT_TRAFFIC) {
      return Optional.of("deployment " + r.id() + " is in " + r.phase() + "; nothing to promote");
    }
    boolean heldStep = r.options().strategy() == ShiftStrategy.WEIGHT_STEPS && r.stepStartedAt() != null;
    boolean heldCanary = r.awaitingPromote() && r.goalInstances() < r.targetInstances();
    return heldStep || heldCanary ? Optional.empty()
        : Optional.of("deployment " + r.id() + " is not held at a canary or traffic step");
  }

  /** Applies every pending request, oldest first, each in one write with its effect. */
  private void applyControls() {
    for (ControlRequest c : rec.controls().pending()) {
      Controls applied = rec.controls().appliedThrough(c.seq());
      Optional<String> refused = refusal(c.control(), rec);
      if (refused.isPresent()) {
        save(rec.toBuilder().controls(applied).build());
        emit(EventKind.WARNING, c.control().name().toLowerCase(java.util.Locale.ROOT) + " not applied: " + refused.get());
        continue;
      }
      switch (c.control()) {
        case PAUSE -> {
          save(rec.toBuilder().paused(true).controls(applied).build());
          emit(EventKind.WARNING, "paused by operator");
        }
        case RESUME -> {
          save(rec.toBuilder().paused(false).controls(applied).build());
          emit(EventKind.WARNING, "resumed by operator");
        }
        case PROMOTE -> {
          DeploymentRecord.Builder b = rec.toBuilder().awaitingPromote(false).controls(applied);
          if (rec.options().strategy() == ShiftStrategy.WEIGHT_STEPS && rec.stepStartedAt() != null) {
            b.step(rec.step() + 1).stepStartedAt(null);
          } else {
            b.goalInstances(rec.targetInstances());
          }
          save(b.build());
          emit(EventKind.PHASE_CHANGED, "promoted by operator");
        }
        case ABORT -> {
          if (rec.phase() == Phase.ROLLBACK) {
            save(rec.toBuilder().controls(applied).build());
          } else {
            startRollback("aborted by operator", applied);
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- the machine

  /** Runs one step. Never throws for Marathon or LB trouble: that becomes a wait, a rollback or FAILED. */
  public Tick tick() {
    if (!ticking.compareAndSet(false, true)) {
      throw new IllegalStateException("deployment " + rec.id() + " is already ticking on another thread");
    }
    try {
      return tickOnce();
    } finally {
      ticking.set(false);
    }
  }

  private Tick tickOnce() {
    if (!rec.running()) {
      return Tick.done();
    }
    try (LogContext d = LogContext.deployment(rec.id()); LogContext g = LogContext.group(rec.group().value())) {
      applyControls();
      if (rec.paused() && rec.phase() != Phase.ROLLBACK) {
        return Tick.held("paused");
      }
      try {
        Tick t = switch (rec.phase()) {
          case PREFLIGHT -> preflight();
          case CREATE_GREEN -> createGreen();
          case SCALE_GREEN -> scaleGreen();
          case SHIFT_TRAFFIC -> shiftTraffic();
          case KEEP_PREVIOUS -> keepPrevious();
          case DRAIN_BLUE -> drainBlue();
          case KILL_BLUE -> killBlue();
          case FINISH -> finish();
          case ROLLBACK -> rollback();
          case DONE -> Tick.done();
        };
        retryingSince = null;
        return t;
      } catch (UnavailableException | ConflictException | DeadlineExceededException e) {
        return retryLater(e);
      } catch (InvalidInputException e) {
        return failOrRollback("Marathon refused a request (422): " + e.getMessage());
      } catch (NotFoundException e) {
        return failOrRollback("not found in Marathon: " + e.getMessage());
      }
    }
  }

  private Tick preflight() {
    if (rec.options().strategy() == ShiftStrategy.PORT_SWAP && !rec.blueAppId().isEmpty()) {
      // Port swap routes the public port only through the colour frontends: first blue's own
      // frontend must exist on every LB and the port must point at it, before green gets weights.
      Applied applied = applyDesired(Optional.empty(), blueApp());
      if (!applied.converged()) {
        return waitConverged("blue frontend :" + frontendPort(rec.greenColour().other()), applied);
      }
      int bluePort = frontendPort(rec.greenColour().other());
      List<String> failed = failures(ports.fleet().swapPort(rec.group(), lbGroups, rec.servicePort(), bluePort, ports.epoch().get()));
      if (!failed.isEmpty()) {
        return waitConverged("port " + rec.servicePort() + " -> blue frontend " + bluePort,
            new Applied(applied.set(), failed, false));
      }
      convergingSince = null;
    }
    Phase next = rec.greenCreated() ? Phase.SCALE_GREEN : Phase.CREATE_GREEN;
    go(rec.toBuilder().phase(next).healthDeadline(now().plus(rec.options().healthTimeout())));
    return Tick.proceed();
  }

  private Tick createGreen() {
    if (findApp(rec.greenAppId()).isEmpty()) {
      // A 409 here (the id exists) is retried; the next tick then finds the app and moves on.
      ports.marathon().createApp(new AppDefinition(greenJson()));
      emit(EventKind.MARATHON_CALL, "POST /v2/apps " + rec.greenAppId());
    }
    go(rec.toBuilder().greenCreated(true).phase(Phase.SCALE_GREEN)
        .healthDeadline(now().plus(rec.options().healthTimeout())));
    return Tick.proceed();
  }

  private Tick scaleGreen() {
    AppStatus green = ports.marathon().getApp(rec.greenAppId());
    Optional<AppStatus> blue = blueApp();
    if (rec.plannedGreenInstances() > green.instances()) {
      ports.marathon().scaleApp(rec.greenAppId(), rec.plannedGreenInstances());
      emit(EventKind.MARATHON_CALL, "PUT /v2/apps" + rec.greenAppId() + " instances=" + rec.plannedGreenInstances());
      return Tick.waitFor(rec.options().stepDelay(), "green scaling");
    }
    long serving = green.tasks().stream().filter(TaskStatus::serving).count();
    if (green.deploymentsInProgress() || serving < green.instances()) {
      return waitHealthy("green has " + serving + " of " + green.instances() + " tasks healthy in Marathon");
    }
    Applied applied = applyDesired(Optional.of(green), blue);
    Set<String> waiting = unadmittedServing(green);
    if (!waiting.isEmpty()) {
      List<String> notUp = notUpEverywhere(applied, waiting);
      if (!notUp.isEmpty()) {
        return waitHealthy("not UP on every LB yet: " + notUp);
      }
      Set<String> admitted = new TreeSet<>(rec.admittedTaskIds());
      admitted.addAll(waiting);
      save(rec.toBuilder().admittedTaskIds(List.copyOf(admitted)).build());
      log.info("tasks {} are UP on every LB; they may now get traffic", waiting);
      return Tick.proceed();
    }
    if (!applied.converged()) {
      return waitHealthy("LBs have not applied backend set v" + applied.set().version() + ": " + applied.problems());
    }
    if (rec.options().strategy() != ShiftStrategy.INSTANCE_RATIO && green.instances() < rec.goalInstances()) {
      // Weight steps and port swap move traffic only once green has its full size.
      int next = GrowthPolicy.next(green.instances(), blue.map(AppStatus::instances).orElse(0), rec.goalInstances(),
          rec.options().linearIncrease());
      save(rec.toBuilder().plannedGreenInstances(next).healthDeadline(now().plus(rec.options().healthTimeout())).build());
      return Tick.proceed();
    }
    go(rec.toBuilder().phase(Phase.SHIFT_TRAFFIC).healthDeadline(null).plannedGreenInstances(0));
    return Tick.proceed();
  }

  private Tick shiftTraffic() {
    return switch (rec.options().strategy()) {
      case INSTANCE_RATIO -> shiftByInstances();
      case WEIGHT_STEPS -> shiftByWeights();
      case PORT_SWAP -> shiftBySwap();
    };
  }

  /** zdd.py's loop: drain as many blue tasks as green has grown, then grow green again. */
  private Tick shiftByInstances() {
    AppStatus green = ports.marathon().getApp(rec.greenAppId());
    Optional<AppStatus> blueApp = blueApp();
    if (blueApp.isEmpty()) {
      return finalizeSwitch(List.of());
    }
    AppStatus blue = blueApp.get();
    List<String> activeBlue = activeBlue(blue);
    int target = rec.targetInstances();
    int goal = rec.goalInstances();
    boolean canary = goal < target;
    if (canary && green.instances() >= goal && activeBlue.size() <= target - goal) {
      if (!rec.awaitingPromote()) {
        save(rec.toBuilder().awaitingPromote(true).build());
        emit(EventKind.WAITING_FOR_PROMOTE, "canary of " + goal + " new beside " + activeBlue.size()
            + " old instances; promote to complete, abort to roll back");
      }
      return Tick.held("canary holds; waiting for promote or abort");
    }
    if (!canary && green.instances() >= target) {
      // Green is complete: every remaining blue task drains at once and the app is deleted, as
      // zdd.py does when the tasks to kill are all of the old app's.
      return finalizeSwitch(remainingBlue(blue));
    }
    long admittedGreen = green.tasks().stream().filter(t -> rec.admittedTaskIds().contains(t.id())).count();
    // marathon-lb's rule: drainable = healthy new + old - target, never below the canary's share of old.
    int count = (int) Math.max(0, admittedGreen + activeBlue.size() - target);
    count = Math.min(count, canary ? Math.max(0, activeBlue.size() - (target - goal)) : activeBlue.size());
    List<String> chosen = activeBlue.stream().sorted().limit(count).toList();
    int next = green.instances() < goal
        ? GrowthPolicy.next(green.instances(), blue.instances(), goal, rec.options().linearIncrease()) : 0;
    boolean keep = !rec.options().keepPrevious().isZero();
    DeploymentRecord.Builder b = rec.toBuilder().retiredTaskIds(union(rec.retiredTaskIds(), chosen))
        .plannedGreenInstances(next);
    if (!chosen.isEmpty() && !keep) {
      b.phase(Phase.DRAIN_BLUE).drainingTaskIds(chosen).drainStartedAt(now()).shutdownAt(null).drainWarned(false);
    } else {
      b.phase(Phase.SCALE_GREEN).healthDeadline(now().plus(rec.options().healthTimeout()));
    }
    go(b);
    if (!chosen.isEmpty()) {
      applyDesired(Optional.of(green), blueApp);
      emit(EventKind.TRAFFIC_SHIFTED, "blue tasks " + chosen + " set to drain");
    }
    return Tick.proceed();
  }

  /** Weight steps: each step's split applied and read back on every LB, then a pause or promote. */
  private Tick shiftByWeights() {
    if (rec.step() < 0) {
      save(rec.toBuilder().step(0).stepStartedAt(null).build());
    }
    AppStatus green = ports.marathon().getApp(rec.greenAppId());
    Optional<AppStatus> blue = blueApp();
    if (blue.isEmpty()) {
      return finalizeSwitch(List.of());
    }
    int percent = rec.options().trafficSteps().get(rec.step());
    Applied applied = applyDesired(Optional.of(green), blue);
    if (!applied.converged()) {
      return waitConverged("traffic step " + percent + "%", applied);
    }
    if (rec.stepStartedAt() == null) {
      save(rec.toBuilder().stepStartedAt(now()).build());
      emit(EventKind.TRAFFIC_SHIFTED, "step " + (rec.step() + 1) + "/" + rec.options().trafficSteps().size()
          + ": green requested " + percent + "%, effective " + greenShare() + "% on every LB");
    }
    if (percent == 100) {
      return finalizeSwitch(remainingBlue(blue.get()));
    }
    Duration pause = rec.options().stepPause();
    if (!pause.isZero()) {
      Duration left = Duration.between(now(), rec.stepStartedAt().plus(pause));
      if (left.isNegative() || left.isZero()) {
        save(rec.toBuilder().step(rec.step() + 1).stepStartedAt(null).build());
        return Tick.proceed();
      }
      return Tick.waitFor(min(left, rec.options().stepDelay()), "step pause");
    }
    if (!rec.awaitingPromote()) {
      save(rec.toBuilder().awaitingPromote(true).build());
      emit(EventKind.WAITING_FOR_PROMOTE, "holding green at " + percent + "%; promote to continue, abort to roll back");
    }
    return Tick.held("waiting for promote at " + percent + "%");
  }

  /** Port swap: every LB redirects the public port to green's frontend; blue drains its own. */
  private Tick shiftBySwap() {
    AppStatus green = ports.marathon().getApp(rec.greenAppId());
    Optional<AppStatus> blue = blueApp();
    Applied applied = applyDesired(Optional.of(green), blue);
    if (!applied.converged()) {
      return waitConverged("green frontend", applied);
    }
    if (!rec.swapped()) {
      save(rec.toBuilder().swapped(true).build());
    }
    int target = frontendPort(rec.greenColour());
    List<String> failed = failures(ports.fleet().swapPort(rec.group(), lbGroups, rec.servicePort(), target, ports.epoch().get()));
    if (!failed.isEmpty()) {
      return waitConverged("port " + rec.servicePort() + " -> " + target, new Applied(applied.set(), failed, false));
    }
    convergingSince = null;
    lastTraffic = BackendSetComposer.compose(rec, rec.backendVersion(), Optional.of(green), blue).traffic();
    emit(EventKind.TRAFFIC_SHIFTED, "public port " + rec.servicePort() + " now redirects to green's frontend " + target);
    return finalizeSwitch(blue.map(this::remainingBlue).orElse(List.of()));
  }

  /** Green has all traffic: the remaining blue tasks drain (after keep-previous, if set). */
  private Tick finalizeSwitch(List<String> remainingBlue) {
    DeploymentRecord.Builder b = rec.toBuilder().finalDrain(true).awaitingPromote(false)
        .retiredTaskIds(union(rec.retiredTaskIds(), remainingBlue));
    if (!rec.options().keepPrevious().isZero() && !remainingBlue.isEmpty()) {
      b.phase(Phase.KEEP_PREVIOUS).keepPreviousUntil(now().plus(rec.options().keepPrevious()));
    } else {
      b.phase(Phase.DRAIN_BLUE).drainingTaskIds(remainingBlue).drainStartedAt(now()).shutdownAt(null).drainWarned(false);
    }
    go(b);
    if (!remainingBlue.isEmpty()) {
      applyDesired(findApp(rec.greenAppId()), blueApp());
      emit(EventKind.TRAFFIC_SHIFTED, "green takes all new traffic; blue " + remainingBlue + " at weight 0");
    }
    return Tick.proceed();
  }

  private Tick keepPrevious() {
    Applied applied = applyDesired(findApp(rec.greenAppId()), blueApp());
    Duration left = Duration.between(now(), rec.keepPreviousUntil());
    if (left.isNegative() || left.isZero()) {
      List<String> remaining = blueApp().map(this::remainingBlue).orElse(List.of());
      go(rec.toBuilder().phase(Phase.DRAIN_BLUE).keepPreviousUntil(null).drainingTaskIds(remaining)
          .drainStartedAt(now()).shutdownAt(null).drainWarned(false));
      return Tick.proceed();
    }
    return Tick.waitFor(min(left, rec.options().stepDelay()),
        "keeping blue at weight 0" + (applied.converged() ? "" : " (LBs: " + applied.problems() + ")"));
  }

  private Tick drainBlue() {
    Optional<AppStatus> blue = blueApp();
    Optional<AppStatus> green = findApp(rec.greenAppId());
    Map<String, TaskStatus> present = presentTasks(blue, rec.drainingTaskIds());
    Applied applied = applyDesired(green, blue);
    if (present.isEmpty()) {
      go(rec.toBuilder().phase(Phase.KILL_BLUE).killingTaskIds(List.of()));
      return Tick.proceed();
    }
    DrainOutcome d = awaitDrained(present, applied.set());
    if (d.ready()) {
      go(rec.toBuilder().phase(Phase.KILL_BLUE).killingTaskIds(List.copyOf(present.keySet())));
      return Tick.proceed();
    }
    return pastMaxWait() ? applyDrainPolicy(d, false) : Tick.waitFor(rec.options().stepDelay(), d.summary());
  }

  private Tick killBlue() {
    Optional<AppStatus> blue = blueApp();
    Map<String, TaskStatus> alive = presentTasks(blue, rec.killingTaskIds());
    // A task Marathon already reports as being killed was killed by this step before a failover
    // (possibly by a deposed leader's in-flight call): do not kill, or report, it a second time.
    alive.values().removeIf(Deployment::alreadyKilled);
    // The last drain retires all of blue: deleting the app kills those tasks (zdd.py's order).
    boolean byDelete = rec.finalDrain() && blue.isPresent() && !alive.isEmpty()
        && alive.keySet().containsAll(remainingBlue(blue.get()));
    if (!alive.isEmpty()) {
      List<String> ids = List.copyOf(alive.keySet());
      if (rec.options().preKillHook().isPresent()) {
        int code = ports.preKillHook().run(rec.options().preKillHook().get(), blue.get().json().toString(),
            toJson(ids), findApp(rec.greenAppId()).map(a -> a.json().toString()).orElse(rec.greenAppJson()));
        if (code != 0) {
          return startRollback("pre-kill hook exited with " + code + " before killing " + ids);
        }
      }
      if (byDelete) {
        go(rec.toBuilder().phase(Phase.FINISH));
        return Tick.proceed();
      }
      fence("killing drained blue tasks " + ids);
      ports.marathon().killTasksAndScale(rec.blueAppId(), ids);
      log.info("killed drained blue tasks {}", ids);
      emitKilled(ids);
    }
    List<String> done = rec.killingTaskIds();
    DeploymentRecord.Builder b = rec.toBuilder().killedTaskIds(union(rec.killedTaskIds(), done))
        .killingTaskIds(List.of()).drainingTaskIds(List.of()).drainStartedAt(null).shutdownAt(null)
        .retiredTaskIds(rec.retiredTaskIds().stream().filter(id -> !done.contains(id)).toList());
    if (rec.finalDrain()) {
      b.phase(Phase.FINISH);
    } else {
      b.phase(Phase.SCALE_GREEN).healthDeadline(now().plus(rec.options().healthTimeout()));
    }
    go(b);
    applyDesired(findApp(rec.greenAppId()), blueApp());
    return Tick.proceed();
  }

  private Tick finish() {
    if (!rec.blueAppId().isEmpty() && findApp(rec.blueAppId()).isPresent()) {
      // Every blue task still alive was drained on every LB (KILL_BLUE saved their ids first).
      fence("deleting " + rec.blueAppId());
      ports.marathon().deleteApp(rec.blueAppId());
      emit(EventKind.MARATHON_CALL, "DELETE /v2/apps" + rec.blueAppId());
      if (!rec.killingTaskIds().isEmpty()) {
        emitKilled(rec.killingTaskIds());
      }
    }
    if (!rec.killingTaskIds().isEmpty()) {
      save(rec.toBuilder().killedTaskIds(union(rec.killedTaskIds(), rec.killingTaskIds())).killingTaskIds(List.of())
          .drainingTaskIds(List.of()).retiredTaskIds(List.of()).build());
    }
    applyDesired(findApp(rec.greenAppId()), Optional.empty());
    return done(Outcome.SUCCEEDED, "green " + rec.greenAppId() + " serves all traffic");
  }

  // ---------------------------------------------------------------- rollback

  private Tick startRollback(String reason) {
    return startRollback(reason, rec.controls());
  }

  /** @param controls the record's controls after this write (an abort marks itself applied here) */
  private Tick startRollback(String reason, Controls controls) {
    log.warn("rolling back: {}", reason);
    emit(EventKind.WARNING, "rolling back: " + reason);
    go(rec.toBuilder().phase(Phase.ROLLBACK).rollbackStep(RollbackStep.RESTORE_BLUE).rollbackReason(reason)
        .awaitingPromote(false).paused(false).drainingTaskIds(List.of()).drainStartedAt(null).shutdownAt(null)
        .killingTaskIds(List.of()).healthDeadline(now().plus(rec.options().healthTimeout())).message(reason)
        .controls(controls));
    convergingSince = null;
    return Tick.proceed();
  }

  private Tick failOrRollback(String reason) {
    if (rec.phase() == Phase.FINISH) {
      // Green already serves everything and blue is drained: rolling back now would undo a good
      // deployment because a clean-up call failed. Report the leftover instead.
      return done(Outcome.SUCCEEDED, "green " + rec.greenAppId() + " serves all traffic, but deleting "
          + rec.blueAppId() + " failed (" + reason + "); delete it by hand");
    }
    if (rec.phase() == Phase.ROLLBACK) {
      return done(Outcome.FAILED, "rollback stopped: " + reason + " (rolling back because: " + rec.rollbackReason() + ")");
    }
    return startRollback(reason);
  }

  private Tick rollback() {
    return switch (rec.rollbackStep()) {
      case RESTORE_BLUE -> restoreBlue();
      case ROUTE_TO_BLUE -> routeToBlue();
      case DRAIN_GREEN -> drainGreen();
      case DELETE_GREEN -> deleteGreen();
    };
  }

  /** Blue tasks killed earlier are started again, and checked UP on every LB, before traffic moves. */
  private Tick restoreBlue() {
    if (rec.blueAppId().isEmpty()) {
      save(rec.toBuilder().rollbackStep(RollbackStep.ROUTE_TO_BLUE).build());
      return Tick.proceed();
    }
    AppStatus blue = ports.marathon().getApp(rec.blueAppId());
    Optional<AppStatus> green = findApp(rec.greenAppId());
    if (blue.instances() < rec.blueTargetInstances()) {
      ports.marathon().scaleApp(rec.blueAppId(), rec.blueTargetInstances());
      emit(EventKind.MARATHON_CALL, "PUT /v2/apps" + rec.blueAppId() + " instances=" + rec.blueTargetInstances());
      return Tick.waitFor(rec.options().stepDelay(), "blue scaling back");
    }
    long serving = blue.tasks().stream().filter(TaskStatus::serving).count();
    if (blue.deploymentsInProgress() || serving < blue.instances()) {
      return restoreDeadline("blue has " + serving + " of " + blue.instances() + " tasks healthy");
    }
    Applied applied = applyDesired(green, Optional.of(blue));
    Set<String> waiting = unadmittedServing(blue);
    if (!waiting.isEmpty()) {
      List<String> notUp = notUpEverywhere(applied, waiting);
      if (!notUp.isEmpty()) {
        return restoreDeadline("restored blue not UP on every LB: " + notUp);
      }
      Set<String> admitted = new TreeSet<>(rec.admittedTaskIds());
      admitted.addAll(waiting);
      save(rec.toBuilder().admittedTaskIds(List.copyOf(admitted)).build());
    }
    save(rec.toBuilder().rollbackStep(RollbackStep.ROUTE_TO_BLUE).retiredTaskIds(List.of()).build());
    return Tick.proceed();
  }

  private Tick restoreDeadline(String why) {
    if (rec.healthDeadline() != null && now().isAfter(rec.healthDeadline())) {
      return done(Outcome.FAILED, "could not restore blue within the health timeout (" + why
          + "); traffic is unchanged. Rolling back because: " + rec.rollbackReason());
    }
    return Tick.waitFor(rec.options().stepDelay(), why);
  }

  private Tick routeToBlue() {
    if (rec.options().strategy() == ShiftStrategy.PORT_SWAP && rec.swapped()) {
      int target = frontendPort(rec.greenColour().other());
      List<String> failed = failures(ports.fleet().swapPort(rec.group(), lbGroups, rec.servicePort(), target, ports.epoch().get()));
      if (!failed.isEmpty()) {
        return rollbackConverge("port " + rec.servicePort() + " back to blue's frontend " + target + ": " + failed);
      }
      // Saved only once every LB confirmed: a resumed rollback flips the port again (idempotent).
      save(rec.toBuilder().swapped(false).build());
    }
    Optional<AppStatus> green = findApp(rec.greenAppId());
    Applied applied = applyDesired(green, blueApp());
    if (!applied.converged()) {
      return rollbackConverge("traffic back to blue: " + applied.problems());
    }
    convergingSince = null;
    emit(EventKind.TRAFFIC_SHIFTED, "traffic back on blue on every LB");
    List<String> greenServing = green.map(a -> applied.set().servers().stream()
        .filter(s -> s.colour() == rec.greenColour()).map(BackendServer::taskId).toList()).orElse(List.of());
    save(rec.toBuilder().rollbackStep(RollbackStep.DRAIN_GREEN).drainingTaskIds(greenServing)
        .drainStartedAt(now()).shutdownAt(null).drainWarned(false).build());
    return Tick.proceed();
  }

  private Tick rollbackConverge(String what) {
    if (convergingSince == null) {
      convergingSince = now();
    }
    if (!now().isBefore(convergingSince.plus(rec.options().maxWait()))) {
      return done(Outcome.FAILED, "rollback could not complete on every LB within max-wait: " + what
          + ". Green is left running; fix the LB and run --complete-prev. Rolling back because: " + rec.rollbackReason());
    }
    return Tick.waitFor(rec.options().stepDelay(), what);
  }

  private Tick drainGreen() {
    Optional<AppStatus> green = findApp(rec.greenAppId());
    Map<String, TaskStatus> present = presentTasks(green, rec.drainingTaskIds());
    Applied applied = applyDesired(green, blueApp());
    if (present.isEmpty()) {
      save(rec.toBuilder().rollbackStep(RollbackStep.DELETE_GREEN).build());
      return Tick.proceed();
    }
    DrainOutcome d = awaitDrained(present, applied.set());
    if (d.ready()) {
      save(rec.toBuilder().rollbackStep(RollbackStep.DELETE_GREEN).build());
      return Tick.proceed();
    }
    return pastMaxWait() ? applyDrainPolicy(d, true) : Tick.waitFor(rec.options().stepDelay(), d.summary());
  }

  private Tick deleteGreen() {
    if (findApp(rec.greenAppId()).isPresent()) {
      fence("deleting " + rec.greenAppId());
      ports.marathon().deleteApp(rec.greenAppId());
      emit(EventKind.MARATHON_CALL, "DELETE /v2/apps" + rec.greenAppId());
    }
    applyDesired(Optional.empty(), blueApp());
    return done(Outcome.ROLLED_BACK, "rolled back: " + rec.rollbackReason());
  }

  // ---------------------------------------------------------------- drain

  private record DrainOutcome(boolean ready, Set<String> lingeringServers, Set<String> pendingTasks, String summary) {}

  /** Connections first (every LB), then the app's pending-operations gauge per drained task. */
  private DrainOutcome awaitDrained(Map<String, TaskStatus> tasks, BackendSet set) {
    List<LbAgentView> agents = ports.fleet().agents(rec.group(), lbGroups);
    Map<String, TaskStatus> byServer = new java.util.TreeMap<>();
    tasks.values().forEach(t -> byServer.put(ServerNames.of(t), t));
    Set<String> listed = set.servers().stream().map(BackendServer::name).collect(Collectors.toSet());
    DrainJudge.Verdict v = DrainJudge.judge(rec.group(), agents, ports.fleet().latestSamples(rec.group(), lbGroups),
        byServer.keySet(), listed, rec.drainStartedAt(), now(), rec.options().sampleMaxAge());
    if (!v.perLb().equals(lastDrain)) {
      lastDrain = v.perLb();
      emit(EventKind.DRAIN_PROGRESS, "drain: " + v.perLb().stream()
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
    return new DrainOutcome(ready, lingering, pending, summary.trim());
  }

  private boolean pendingGaugeIsZero(TaskStatus task) {
    Optional<String> metric = rec.options().pendingMetric();
    if (metric.isEmpty()) {
      return true;
    }
    int port = task.port(rec.options().pendingMetricPortIndex().orElse(0));
    if (port < 1) {
      return false;
    }
    OptionalDouble value = ports.pendingProbe().read(metric.get(), task.address(), port,
        rec.options().pendingMetricPath().orElse("/metrics"));
    return value.isPresent() && value.getAsDouble() == 0.0;
  }

  private boolean pastMaxWait() {
    return rec.drainStartedAt() != null && !now().isBefore(rec.drainStartedAt().plus(rec.options().maxWait()));
  }

  /** At max-wait. Never kills a task some LB has not reported drained. */
  private Tick applyDrainPolicy(DrainOutcome d, boolean green) {
    DrainPolicy policy = rec.options().drainPolicy();
    String who = green ? "green" : "blue";
    if (!d.lingeringServers().isEmpty()) {
      switch (policy) {
        case ABORT -> {
          String why = who + " servers " + d.lingeringServers() + " still hold connections (or an LB sent no fresh sample) at max-wait";
          return green ? done(Outcome.FAILED, why + "; green left at weight 0") : startRollback(why);
        }
        case SHUTDOWN -> {
          if (rec.shutdownAt() == null) {
            save(rec.toBuilder().shutdownAt(now()).build());
            for (String server : d.lingeringServers()) {
              List<String> failed = failures(ports.fleet().shutdownSessions(rec.group(), lbGroups, server, ports.epoch().get()));
              emit(EventKind.WARNING, "max-wait reached: shut down sessions of " + server
                  + (failed.isEmpty() ? " on every LB" : "; failed on " + failed));
            }
          } else if (!now().isBefore(rec.shutdownAt().plus(rec.options().maxWait()))) {
            String why = who + " servers " + d.lingeringServers() + " not drained on every LB even after shutting sessions down";
            return green ? done(Outcome.FAILED, why + "; green left at weight 0") : startRollback(why);
          }
        }
        case WAIT -> warnOnce("max-wait reached; still waiting (drain policy WAIT): " + d.summary());
      }
    } else if (!d.pendingTasks().isEmpty()) {
      // Cutting sessions cannot empty an app's own queue, so only ABORT gives up on it.
      if (policy == DrainPolicy.ABORT) {
        String why = who + " tasks " + d.pendingTasks() + " still report pending operations at max-wait";
        return green ? done(Outcome.FAILED, why + "; green left at weight 0") : startRollback(why);
      }
      warnOnce("max-wait reached; tasks " + d.pendingTasks() + " still report pending operations; not killing them");
    }
    return Tick.waitFor(rec.options().stepDelay(), d.summary());
  }

  private void warnOnce(String message) {
    if (!rec.drainWarned()) {
      save(rec.toBuilder().drainWarned(true).message(message).build());
      emit(EventKind.WARNING, message);
    }
  }

  // ---------------------------------------------------------------- fleet

  /** A set sent everywhere and what came back. */
  private record Applied(BackendSet set, List<String> problemList, boolean converged) {
    String problems() {
      return String.join("; ", problemList);
    }
  }

  /**
   * Computes the desired set; when it differs from the last one sent, saves the record with a new
   * version first (persist-before-act); then sends it to every agent and checks the read-back.
   */
  private Applied applyDesired(Optional<AppStatus> green, Optional<AppStatus> blue) {
    BackendSetComposer.Composed c = BackendSetComposer.compose(rec, Math.max(1, rec.backendVersion()), green, blue);
    String fingerprint = c.set().contentDigest();
    if (!fingerprint.equals(rec.backendFingerprint())) {
      save(rec.toBuilder().backendVersion(rec.backendVersion() + 1).backendFingerprint(fingerprint).build());
    }
    BackendSet set = c.set().withVersion(rec.backendVersion());
    if (!c.traffic().equals(lastTraffic)) {
      lastTraffic = c.traffic();
    }
    List<LbAgentView> agents = ports.fleet().agents(rec.group(), lbGroups);
    Map<AgentId, AgentCallResult> results = ports.fleet().applyEverywhere(set, lbGroups, ports.epoch().get());
    List<String> problems = new ArrayList<>();
    Map<AgentId, ObservedBackend> observed = new java.util.HashMap<>();
    if (agents.isEmpty()) {
      problems.add("no LB agent serves group " + rec.group() + " (Marathon-LB groups " + lbGroups.describe() + ")");
    }
    for (LbAgentView a : agents) {
      AgentCallResult r = results.get(a.id());
      if (r == null || !r.ok() || r.applied().isEmpty()) {
        problems.add(a.id() + ": " + (r == null ? "no answer" : r.error().isEmpty() ? "no read-back" : r.error()));
        continue;
      }
      ObservedBackend ob = r.applied().get().observed();
      observed.put(a.id(), ob);
      String mismatch = mismatch(set, ob);
      if (!mismatch.isEmpty()) {
        problems.add(a.id() + ": " + mismatch);
      }
    }
    lastObserved = observed;
    lastAgents = agents;
    return new Applied(set, problems, problems.isEmpty());
  }

  private Map<AgentId, ObservedBackend> lastObserved = Map.of();
  private List<LbAgentView> lastAgents = List.of();

  /** Empty when the read-back shows every desired server with its weight and state. */
  private static String mismatch(BackendSet set, ObservedBackend ob) {
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

  /** Task ids (of {@code waiting}) whose server is not UP on every agent in the last read-back. */
  private List<String> notUpEverywhere(Applied applied, Set<String> waiting) {
    List<String> notUp = new ArrayList<>();
    Map<String, String> nameOf = new java.util.HashMap<>();
    applied.set().servers().forEach(s -> nameOf.put(s.taskId(), s.name()));
    for (String taskId : waiting) {
      String name = nameOf.get(taskId);
      boolean up = name != null && !lastAgents.isEmpty();
      for (LbAgentView a : lastAgents) {
        ObservedBackend ob = lastObserved.get(a.id());
        up &= ob != null && ob.server(name).map(ObservedServer::isUp).orElse(false);
      }
      if (!up) {
        notUp.add(taskId);
      }
    }
    return notUp;
  }

  private static List<String> failures(Map<AgentId, AgentCallResult> results) {
    return results.values().stream().filter(r -> !r.ok()).map(r -> r.agent() + ": " + r.error()).sorted().toList();
  }

  private Tick waitConverged(String what, Applied applied) {
    if (convergingSince == null) {
      convergingSince = now();
    }
    if (!now().isBefore(convergingSince.plus(rec.options().maxWait()))) {
      convergingSince = null;
      return startRollback(what + " not applied on every LB within max-wait: " + applied.problems());
    }
    return Tick.waitFor(rec.options().stepDelay(), what + ": " + applied.problems());
  }

  private Tick waitHealthy(String why) {
    Instant deadline = rec.healthDeadline();
    if (deadline == null) {
      save(rec.toBuilder().healthDeadline(now().plus(rec.options().healthTimeout())).build());
    } else if (now().isAfter(deadline)) {
      return startRollback("green not serving within the health timeout of " + rec.options().healthTimeout() + ": " + why);
    }
    return Tick.waitFor(rec.options().stepDelay(), why);
  }

  private Tick retryLater(RuntimeException e) {
    Instant now = now();
    if (retryingSince == null) {
      retryingSince = now;
    }
    emit(EventKind.WARNING, "Marathon: " + e.getMessage() + "; retrying");
    if (!now.isBefore(retryingSince.plus(rec.options().marathonRetryTimeout()))) {
      retryingSince = null;
      return failOrRollback("Marathon kept failing for " + rec.options().marathonRetryTimeout() + ": " + e.getMessage());
    }
    return Tick.waitFor(rec.options().stepDelay(), "retrying: " + e.getMessage());
  }

  // ---------------------------------------------------------------- helpers

  private Optional<AppStatus> blueApp() {
    return rec.blueAppId().isEmpty() ? Optional.empty() : findApp(rec.blueAppId());
  }

  private Optional<AppStatus> findApp(String id) {
    try {
      return Optional.of(ports.marathon().getApp(id));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /** Blue tasks still taking traffic: not retired, not killed. */
  private List<String> activeBlue(AppStatus blue) {
    Set<String> out = new HashSet<>(rec.retiredTaskIds());
    out.addAll(rec.killedTaskIds());
    return blue.tasks().stream().map(TaskStatus::id).filter(id -> !out.contains(id)).sorted().toList();
  }

  /** Blue tasks not killed yet (retired or not). */
  private List<String> remainingBlue(AppStatus blue) {
    return blue.tasks().stream().map(TaskStatus::id).filter(id -> !rec.killedTaskIds().contains(id)).sorted().toList();
  }

  private Set<String> unadmittedServing(AppStatus app) {
    Set<String> out = new TreeSet<>();
    for (TaskStatus t : app.tasks()) {
      if (t.serving() && !rec.admittedTaskIds().contains(t.id()) && !rec.killedTaskIds().contains(t.id())) {
        out.add(t.id());
      }
    }
    return out;
  }

  private static boolean alreadyKilled(TaskStatus t) {
    return switch (t.state()) {
      case "TASK_KILLING", "TASK_KILLED", "TASK_FINISHED", "TASK_FAILED", "TASK_LOST", "TASK_GONE", "TASK_DROPPED",
          "TASK_GONE_BY_OPERATOR" -> true;
      default -> false;
    };
  }

  private static Map<String, TaskStatus> presentTasks(Optional<AppStatus> app, List<String> ids) {
    Map<String, TaskStatus> out = new java.util.TreeMap<>();
    app.ifPresent(a -> ids.forEach(id -> a.task(id).ifPresent(t -> out.put(id, t))));
    return out;
  }

  private int frontendPort(Colour colour) {
    return colour == Colour.GREEN ? rec.options().greenFrontendPort() : rec.options().blueFrontendPort();
  }

  private double greenShare() {
    return lastTraffic.stream().filter(t -> t.colour() == rec.greenColour()).mapToDouble(TrafficShare::percent)
        .findFirst().orElse(0);
  }

  private ObjectNode greenJson() {
    try {
      return (ObjectNode) AppJson.MAPPER.readTree(rec.greenAppJson());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored green definition is not JSON", e);
    }
  }

  private static String toJson(List<String> ids) {
    try {
      return AppJson.MAPPER.writeValueAsString(ids);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }



  private static List<String> union(List<String> a, List<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private Instant now() {
    return ports.clock().instant();
  }

  private void go(DeploymentRecord.Builder b) {
    Phase before = rec.phase();
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
  private void fence(String what) {
    save(rec.toBuilder().message(what).build());
  }

  private Tick done(Outcome outcome, String message) {
    // Requests accepted during this tick come too late: dropped, each with a reason.
    List<ControlRequest> dropped = rec.controls().pending();
    long last = dropped.isEmpty() ? 0 : dropped.get(dropped.size() - 1).seq();
    go(rec.toBuilder().phase(Phase.DONE).outcome(outcome).message(message).finishedAt(now()).awaitingPromote(false)
        .controls(rec.controls().appliedThrough(last)));
    ports.store().appendHistory(rec);
    log.info("deployment finished: {} ({})", outcome, message);
    dropped.forEach(c -> emit(EventKind.WARNING, c.control().name().toLowerCase(java.util.Locale.ROOT)
        + " not applied: the deployment finished first"));
    emit(EventKind.FINISHED, outcome + ": " + message);
    return Tick.done();
  }

  /**
   * A tick's write. The operator's parts of the record (audit entries and requests not applied
   * yet) are taken from the record as it is at the write, so a control accepted during the tick
   * is neither lost nor applied twice.
   */
  private void save(DeploymentRecord next) {
    update(current -> next.toBuilder().auditEntries(current.audit())
        .controls(current.controls().appliedThrough(next.controls().appliedThrough())).build());
  }

  /** The one way the record changes: computed from the current record and stored, under the write lock. */
  private DeploymentRecord update(java.util.function.UnaryOperator<DeploymentRecord> change) {
    try {
      if (!writeLock.tryLock(WRITE_LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new UnavailableException("deployment " + rec.id() + ": another write of its record has taken over "
            + WRITE_LOCK_WAIT.toSeconds() + " s; try again");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting to write deployment " + rec.id(), e);
    }
    try {
      DeploymentRecord next = change.apply(rec);
      if (next != rec) {
        ports.store().save(next);
        rec = next;
        written.signalAll();
      }
      return rec;
    } finally {
      writeLock.unlock();
    }
  }

  private void emitKilled(List<String> ids) {
    ports.events().accept(new DeploymentEvent(eventSequence.incrementAndGet(), now(), EventKind.TASKS_KILLED,
        "killed " + ids + " (drained on every LB)", rec, ids, lastDrain, lastTraffic));
  }

  private void emit(EventKind kind, String message) {
    try {
      ports.events().accept(new DeploymentEvent(eventSequence.incrementAndGet(), now(), kind, message, rec, List.of(),
          kind == EventKind.DRAIN_PROGRESS ? lastDrain : List.of(), lastTraffic));
    } catch (RuntimeException e) {
      // A broken listener must not stop a deployment half-way.
      log.warn("event sink failed: {}", e.toString());
    }
  }
}
