package io.zdd.coordinator.engine;

import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way forward, phase by phase: preflight, green created and grown until every LB reports
 * its tasks UP, traffic shifted by the deployment's {@link TrafficShift}, blue kept (if asked),
 * drained and killed, and finally deleted. Each phase returns early when the world is not there
 * yet; the next tick continues from the saved record.
 */
final class Rollout {
  private static final Logger log = LoggerFactory.getLogger(Rollout.class);

  private final Deployment d;
  private final TrafficShift shift;

  Rollout(Deployment d, TrafficShift shift) {
    this.d = d;
    this.shift = shift;
  }

  Tick tick(Phase phase) {
    return switch (phase) {
      case PREFLIGHT -> preflight();
      case CREATE_GREEN -> createGreen();
      case SCALE_GREEN -> scaleGreen();
      case SHIFT_TRAFFIC -> shift.shift();
      case KEEP_PREVIOUS -> keepPrevious();
      case DRAIN_BLUE -> drainBlue();
      case KILL_BLUE -> killBlue();
      case FINISH -> finish();
      case ROLLBACK, DONE -> throw new IllegalArgumentException("not a forward phase: " + phase);
    };
  }

  private Tick preflight() {
    DeploymentRecord rec = d.rec();
    if (rec.options().strategy() == ShiftStrategy.PORT_SWAP && !rec.blueAppId().isEmpty()) {
      // Port swap routes the public port only through the colour frontends: first blue's own
      // frontend must exist on every LB and the port must point at it, before green gets weights.
      int bluePort = d.frontendPort(rec.greenColour().other());
      FleetConvergence.Applied applied = d.fleet().apply(Optional.empty(), d.blueApp());
      if (!applied.converged()) {
        return d.fleet().waitConverged("blue frontend :" + bluePort, applied);
      }
      List<String> failed = d.fleet().swapPort(bluePort);
      if (!failed.isEmpty()) {
        return d.fleet().waitConverged("port " + rec.servicePort() + " -> blue frontend " + bluePort,
            applied.failing(failed));
      }
      d.fleet().settled();
    }
    Phase next = rec.greenCreated() ? Phase.SCALE_GREEN : Phase.CREATE_GREEN;
    d.go(d.rec().toBuilder().phase(next).healthDeadline(d.now().plus(rec.options().healthTimeout())));
    return Tick.proceed();
  }

  private Tick createGreen() {
    DeploymentRecord rec = d.rec();
    if (d.findApp(rec.greenAppId()).isEmpty()) {
      // A 409 here (the id exists) is retried; the next tick then finds the app and moves on.
      d.ports().marathon().createApp(new AppDefinition(d.greenJson()));
      d.emit(EventKind.MARATHON_CALL, "POST /v2/apps " + rec.greenAppId());
    }
    d.go(rec.toBuilder().greenCreated(true).phase(Phase.SCALE_GREEN)
        .healthDeadline(d.now().plus(rec.options().healthTimeout())));
    return Tick.proceed();
  }

  private Tick scaleGreen() {
    DeploymentRecord rec = d.rec();
    AppStatus green = d.getApp(rec.greenAppId());
    Optional<AppStatus> blue = d.blueApp();
    if (rec.plannedGreenInstances() > green.instances()) {
      return d.scale(rec.greenAppId(), rec.plannedGreenInstances(), "green scaling");
    }
    Optional<String> unhealthy = Deployment.notServing("green", green);
    if (unhealthy.isPresent()) {
      return waitHealthy(unhealthy.get());
    }
    FleetConvergence.Applied applied = d.fleet().apply(Optional.of(green), blue);
    int admittedBefore = d.rec().admittedTaskIds().size();
    List<String> notUp = d.admitServing(green, applied);
    if (!notUp.isEmpty()) {
      return waitHealthy("not UP on every LB yet: " + notUp);
    }
    if (d.rec().admittedTaskIds().size() > admittedBefore) {
      return Tick.proceed(); // the next tick sends the newly admitted tasks their weight
    }
    if (!applied.converged()) {
      return waitHealthy("LBs have not applied backend set v" + applied.set().version() + ": " + applied.problems());
    }
    if (rec.options().strategy() != ShiftStrategy.INSTANCE_RATIO && green.instances() < rec.goalInstances()) {
      // Weight steps and port swap move traffic only once green has its full size.
      int next = GrowthPolicy.next(green.instances(), blue.map(AppStatus::instances).orElse(0), rec.goalInstances(),
          rec.options().linearIncrease());
      d.save(d.rec().toBuilder().plannedGreenInstances(next).healthDeadline(d.now().plus(rec.options().healthTimeout()))
          .build());
      return Tick.proceed();
    }
    d.go(d.rec().toBuilder().phase(Phase.SHIFT_TRAFFIC).healthDeadline(null).plannedGreenInstances(0));
    return Tick.proceed();
  }

  private Tick waitHealthy(String why) {
    DeploymentRecord rec = d.rec();
    if (rec.healthDeadline() == null) {
      d.save(rec.toBuilder().healthDeadline(d.now().plus(rec.options().healthTimeout())).build());
    } else if (d.now().isAfter(rec.healthDeadline())) {
      return d.rollback().start("green not serving within the health timeout of " + rec.options().healthTimeout()
          + ": " + why);
    }
    return Tick.waitFor(rec.options().stepDelay(), why);
  }

  /** Green has all traffic: the remaining blue tasks drain (after keep-previous, if set). */
  Tick finalizeSwitch(List<String> remainingBlue) {
    DeploymentRecord rec = d.rec();
    DeploymentRecord.Builder b = rec.toBuilder().traffic(rec.traffic().completed())
        .retiredTaskIds(TaskSets.union(rec.retiredTaskIds(), remainingBlue));
    if (!rec.options().keepPrevious().isZero() && !remainingBlue.isEmpty()) {
      b.phase(Phase.KEEP_PREVIOUS).keepPreviousUntil(d.now().plus(rec.options().keepPrevious()));
    } else {
      b.phase(Phase.DRAIN_BLUE).drain(DrainState.of(remainingBlue, d.now()));
    }
    d.go(b);
    if (!remainingBlue.isEmpty()) {
      d.fleet().apply(d.findApp(rec.greenAppId()), d.blueApp());
      d.emit(EventKind.TRAFFIC_SHIFTED, "green takes all new traffic; blue " + remainingBlue + " at weight 0");
    }
    return Tick.proceed();
  }

  private Tick keepPrevious() {
    DeploymentRecord rec = d.rec();
    FleetConvergence.Applied applied = d.fleet().apply(d.findApp(rec.greenAppId()), d.blueApp());
    Duration left = Duration.between(d.now(), rec.keepPreviousUntil());
    if (left.isNegative() || left.isZero()) {
      List<String> remaining = d.blueApp().map(b -> TaskSets.remainingBlue(d.rec(), b)).orElse(List.of());
      d.go(d.rec().toBuilder().phase(Phase.DRAIN_BLUE).keepPreviousUntil(null).drain(DrainState.of(remaining, d.now())));
      return Tick.proceed();
    }
    return Tick.waitFor(Deployment.min(left, rec.options().stepDelay()),
        "keeping blue at weight 0" + (applied.converged() ? "" : " (LBs: " + applied.problems() + ")"));
  }

  private Tick drainBlue() {
    DeploymentRecord rec = d.rec();
    Optional<AppStatus> blue = d.blueApp();
    Optional<AppStatus> green = d.findApp(rec.greenAppId());
    Map<String, TaskStatus> present = TaskSets.present(blue, rec.drain().taskIds());
    FleetConvergence.Applied applied = d.fleet().apply(green, blue);
    if (present.isEmpty()) {
      d.go(d.rec().toBuilder().phase(Phase.KILL_BLUE).killingTaskIds(List.of()));
      return Tick.proceed();
    }
    Drain.Look look = d.drain().look(present, applied.set());
    if (look.ready()) {
      d.go(d.rec().toBuilder().phase(Phase.KILL_BLUE).killingTaskIds(List.copyOf(present.keySet())));
      return Tick.proceed();
    }
    return d.drain().notReady(look, false);
  }

  private Tick killBlue() {
    DeploymentRecord rec = d.rec();
    Optional<AppStatus> blue = d.blueApp();
    Map<String, TaskStatus> alive = TaskSets.present(blue, rec.killingTaskIds());
    // A task Marathon already reports as being killed was killed by this step before a failover
    // (possibly by a deposed leader's in-flight call): do not kill, or report, it a second time.
    alive.values().removeIf(TaskSets::alreadyKilled);
    // The last drain retires all of blue: deleting the app kills those tasks (zdd.py's order).
    boolean byDelete = rec.traffic().complete() && blue.isPresent() && !alive.isEmpty()
        && alive.keySet().containsAll(TaskSets.remainingBlue(rec, blue.get()));
    if (!alive.isEmpty()) {
      List<String> ids = List.copyOf(alive.keySet());
      Optional<String> hook = rec.options().preKillHook();
      if (hook.isPresent()) {
        int code = d.ports().preKillHook().run(hook.get(), blue.get().json().toString(), Deployment.toJson(ids),
            d.findApp(rec.greenAppId()).map(a -> a.json().toString()).orElse(rec.greenAppJson()));
        if (code != 0) {
          return d.rollback().start("pre-kill hook exited with " + code + " before killing " + ids);
        }
      }
      if (byDelete) {
        d.go(d.rec().toBuilder().phase(Phase.FINISH));
        return Tick.proceed();
      }
      d.fence("killing drained blue tasks " + ids);
      d.ports().marathon().killTasksAndScale(rec.blueAppId(), ids);
      log.info("killed drained blue tasks {}", ids);
      d.emitKilled(ids);
    }
    List<String> done = rec.killingTaskIds();
    DeploymentRecord.Builder b = d.rec().toBuilder().killedTaskIds(TaskSets.union(rec.killedTaskIds(), done))
        .killingTaskIds(List.of()).drain(DrainState.NONE)
        .retiredTaskIds(rec.retiredTaskIds().stream().filter(id -> !done.contains(id)).toList());
    if (rec.traffic().complete()) {
      b.phase(Phase.FINISH);
    } else {
      b.phase(Phase.SCALE_GREEN).healthDeadline(d.now().plus(rec.options().healthTimeout()));
    }
    d.go(b);
    d.fleet().apply(d.findApp(rec.greenAppId()), d.blueApp());
    return Tick.proceed();
  }

  private Tick finish() {
    DeploymentRecord rec = d.rec();
    if (!rec.blueAppId().isEmpty() && d.findApp(rec.blueAppId()).isPresent()) {
      // Every blue task still alive was drained on every LB (KILL_BLUE saved their ids first).
      d.fence("deleting " + rec.blueAppId());
      d.ports().marathon().deleteApp(rec.blueAppId());
      d.emit(EventKind.MARATHON_CALL, "DELETE /v2/apps" + rec.blueAppId());
      if (!rec.killingTaskIds().isEmpty()) {
        d.emitKilled(rec.killingTaskIds());
      }
    }
    if (!rec.killingTaskIds().isEmpty()) {
      d.save(d.rec().toBuilder().killedTaskIds(TaskSets.union(rec.killedTaskIds(), rec.killingTaskIds()))
          .killingTaskIds(List.of()).drain(DrainState.NONE).retiredTaskIds(List.of()).build());
    }
    d.fleet().apply(d.findApp(rec.greenAppId()), Optional.empty());
    return d.done(Outcome.SUCCEEDED, "green " + rec.greenAppId() + " serves all traffic");
  }
}
