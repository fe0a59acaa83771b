package io.zdd.coordinator.engine;

import io.zdd.common.model.BackendServer;
import io.zdd.coordinator.engine.analysis.HookType;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way back, in {@link RollbackStep} order: blue restored to its size and UP on every LB,
 * traffic (and for a port swap, the public port) back on blue everywhere, then green drained
 * like blue would have been, and deleted. Each step is saved before it acts, like the way forward.
 */
final class Rollback {
  private static final Logger log = LoggerFactory.getLogger(Rollback.class);

  private final Deployment d;

  Rollback(Deployment d) {
    this.d = d;
  }

  /** Starts rolling back (the record's pending controls unchanged). */
  Tick start(String reason) {
    return start(reason, d.rec().controls());
  }

  /** @param controls the record's controls after this write (an abort marks itself applied here) */
  Tick start(String reason, Controls controls) {
    DeploymentRecord rec = d.rec();
    log.warn("rolling back: {}", reason);
    d.emit(EventKind.WARNING, "rolling back: " + reason);
    d.go(rec.toBuilder().phase(Phase.ROLLBACK).rollback(RollbackState.of(reason))
        .traffic(rec.traffic().released()).paused(false).drain(DrainState.NONE).killingTaskIds(List.of())
        .healthDeadline(d.now().plus(rec.options().healthTimeout())).message(reason)
        .controls(controls));
    d.analysis().announce(HookType.ROLLBACK);
    d.fleet().settled();
    return Tick.proceed();
  }

  /** Marathon refused for good: roll back, or when that is what failed, stop with FAILED. */
  Tick failOrRollback(String reason) {
    DeploymentRecord rec = d.rec();
    if (rec.phase() == Phase.FINISH) {
      // Green already serves everything and blue is drained: rolling back now would undo a good
      // deployment because a clean-up call failed. Report the leftover instead.
      return d.done(Outcome.SUCCEEDED, "green " + rec.greenAppId() + " serves all traffic, but deleting "
          + rec.blueAppId() + " failed (" + reason + "); delete it by hand");
    }
    if (rec.phase() == Phase.ROLLBACK) {
      return d.done(Outcome.FAILED, "rollback stopped: " + reason + " (rolling back because: " + rec.rollback().reason() + ")");
    }
    return start(reason);
  }

  Tick tick() {
    return switch (d.rec().rollback().step()) {
      case RESTORE_BLUE -> restoreBlue();
      case ROUTE_TO_BLUE -> routeToBlue();
      case DRAIN_GREEN -> drainGreen();
      case DELETE_GREEN -> deleteGreen();
    };
  }

  /** Blue tasks killed earlier are started again, and checked UP on every LB, before traffic moves. */
  private Tick restoreBlue() {
    DeploymentRecord rec = d.rec();
    if (rec.blueAppId().isEmpty()) {
      d.save(moveTo(RollbackStep.ROUTE_TO_BLUE).build());
      return Tick.proceed();
    }
    AppStatus blue = d.getApp(rec.blueAppId());
    if (blue.instances() < rec.blueTargetInstances()) {
      return d.scale(rec.blueAppId(), rec.blueTargetInstances(), "blue scaling back");
    }
    Optional<String> unhealthy = Deployment.notServing("blue", blue);
    if (unhealthy.isPresent()) {
      return restoreDeadline(unhealthy.get());
    }
    FleetConvergence.Applied applied = d.fleet().apply(d.findApp(rec.greenAppId()), Optional.of(blue));
    List<String> notUp = d.admitServing(blue, applied);
    if (!notUp.isEmpty()) {
      return restoreDeadline("restored blue not UP on every LB: " + notUp);
    }
    d.save(moveTo(RollbackStep.ROUTE_TO_BLUE).retiredTaskIds(List.of()).build());
    return Tick.proceed();
  }

  private Tick restoreDeadline(String why) {
    DeploymentRecord rec = d.rec();
    if (rec.healthDeadline() != null && d.now().isAfter(rec.healthDeadline())) {
      return d.done(Outcome.FAILED, "could not restore blue within the health timeout (" + why
          + "); traffic is unchanged. Rolling back because: " + rec.rollback().reason());
    }
    return Tick.waitFor(rec.options().stepDelay(), why);
  }

  private Tick routeToBlue() {
    DeploymentRecord rec = d.rec();
    if (rec.options().strategy() == ShiftStrategy.PORT_SWAP && rec.traffic().swapped()) {
      int target = d.frontendPort(rec.greenColour().other());
      List<String> failed = d.fleet().swapPort(target);
      if (!failed.isEmpty()) {
        return converge("port " + rec.servicePort() + " back to blue's frontend " + target + ": " + failed);
      }
      // Saved only once every LB confirmed: a resumed rollback flips the port again (idempotent).
      d.save(rec.toBuilder().traffic(rec.traffic().withSwapped(false)).build());
    }
    Optional<AppStatus> green = d.findApp(rec.greenAppId());
    FleetConvergence.Applied applied = d.fleet().apply(green, d.blueApp());
    if (!applied.converged()) {
      return converge("traffic back to blue: " + applied.problems());
    }
    d.fleet().settled();
    d.emit(EventKind.TRAFFIC_SHIFTED, "traffic back on blue on every LB");
    List<String> greenServing = green.map(a -> applied.set().servers().stream()
        .filter(s -> s.colour() == rec.greenColour()).map(BackendServer::taskId).toList()).orElse(List.of());
    d.save(moveTo(RollbackStep.DRAIN_GREEN).drain(DrainState.of(greenServing, d.now())).build());
    return Tick.proceed();
  }

  /** The record with the rollback moved on to {@code next} (its reason kept). */
  private DeploymentRecord.Builder moveTo(RollbackStep next) {
    return d.rec().toBuilder().rollback(d.rec().rollback().at(next));
  }

  private Tick converge(String what) {
    if (d.fleet().overdue()) {
      return d.done(Outcome.FAILED, "rollback could not complete on every LB within max-wait: " + what
          + ". Green is left running; fix the LB and run --complete-prev. Rolling back because: " + d.rec().rollback().reason());
    }
    return Tick.waitFor(d.rec().options().stepDelay(), what);
  }

  private Tick drainGreen() {
    DeploymentRecord rec = d.rec();
    Optional<AppStatus> green = d.findApp(rec.greenAppId());
    Map<String, TaskStatus> present = TaskSets.present(green, rec.drain().taskIds());
    FleetConvergence.Applied applied = d.fleet().apply(green, d.blueApp());
    if (present.isEmpty()) {
      d.save(moveTo(RollbackStep.DELETE_GREEN).build());
      return Tick.proceed();
    }
    Drain.Look look = d.drain().look(present, applied.set());
    if (look.ready()) {
      d.save(moveTo(RollbackStep.DELETE_GREEN).build());
      return Tick.proceed();
    }
    return d.drain().notReady(look, true);
  }

  private Tick deleteGreen() {
    DeploymentRecord rec = d.rec();
    if (d.findApp(rec.greenAppId()).isPresent()) {
      d.fence("deleting " + rec.greenAppId());
      d.ports().marathon().deleteApp(rec.greenAppId());
      d.emit(EventKind.MARATHON_CALL, "DELETE /v2/apps" + rec.greenAppId());
    }
    d.fleet().apply(Optional.empty(), d.blueApp());
    return d.done(Outcome.ROLLED_BACK, "rolled back: " + d.rec().rollback().reason());
  }
}
