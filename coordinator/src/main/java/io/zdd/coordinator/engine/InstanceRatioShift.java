package io.zdd.coordinator.engine;

import io.zdd.coordinator.engine.port.AppStatus;
import java.util.List;
import java.util.Optional;

/**
 * zdd.py's loop: drain as many blue tasks as green has grown, then grow green again; a canary
 * ({@code goal < target}) holds once green has its share, until promote or abort.
 */
final class InstanceRatioShift implements TrafficShift {
  private final Deployment d;

  InstanceRatioShift(Deployment d) {
    this.d = d;
  }

  /**
   * marathon-lb's rule: drainable = admitted new + active old - target, never cutting old below
   * the canary's share ({@code target - goal}).
   */
  static int tasksToDrain(long admittedGreen, int activeBlue, int target, int goal) {
    int count = (int) Math.max(0, admittedGreen + activeBlue - target);
    return Math.min(count, goal < target ? Math.max(0, activeBlue - (target - goal)) : activeBlue);
  }

  /**
   * A canary gated by analysis: it holds while the analysis runs (the hold is its one step), then
   * completes by itself once the analysis passed and the confirm-promotion webhooks answered 2xx;
   * a failure rolls back or pauses as the template says ({@link CanaryAnalysis}).
   */
  private Tick analysedHold(DeploymentRecord rec, int goal, int activeBlue) {
    if (rec.analysis().step() < 0) {
      d.emit(EventKind.WAITING_FOR_PROMOTE, "canary of " + goal + " new beside " + activeBlue
          + " old instances; analysis decides (promote --skip-analysis to complete now, abort to roll back)");
    }
    Optional<Tick> gated = d.analysis().gate();
    if (gated.isPresent()) {
      return gated.get();
    }
    Optional<Tick> unconfirmed = d.analysis().confirmPromotion();
    if (unconfirmed.isPresent()) {
      return unconfirmed.get();
    }
    d.save(d.rec().toBuilder().traffic(d.rec().traffic().released()).goalInstances(d.rec().targetInstances()).build());
    d.emit(EventKind.PHASE_CHANGED, "canary passed its analysis: completing to " + d.rec().targetInstances() + " instances");
    return Tick.proceed();
  }

  @Override
  public Tick shift() {
    DeploymentRecord rec = d.rec();
    AppStatus green = d.getApp(rec.greenAppId());
    Optional<AppStatus> blueApp = d.blueApp();
    if (blueApp.isEmpty()) {
      return d.rollout().finalizeSwitch(List.of());
    }
    AppStatus blue = blueApp.get();
    List<String> activeBlue = TaskSets.activeBlue(rec, blue);
    int target = rec.targetInstances();
    int goal = rec.goalInstances();
    boolean canary = goal < target;
    if (canary && green.instances() >= goal && activeBlue.size() <= target - goal) {
      if (rec.options().analysis().isPresent()) {
        return analysedHold(rec, goal, activeBlue.size());
      }
      if (!rec.traffic().awaitingPromote()) {
        d.save(rec.toBuilder().traffic(rec.traffic().held()).build());
        d.emit(EventKind.WAITING_FOR_PROMOTE, "canary of " + goal + " new beside " + activeBlue.size()
            + " old instances; promote to complete, abort to roll back");
      }
      return Tick.held("canary holds; waiting for promote or abort");
    }
    if (!canary && green.instances() >= target) {
      // Green is complete: every remaining blue task drains at once and the app is deleted, as
      // zdd.py does when the tasks to kill are all of the old app's.
      return d.rollout().finalizeSwitch(TaskSets.remainingBlue(rec, blue));
    }
    long admittedGreen = green.tasks().stream().filter(t -> rec.admittedTaskIds().contains(t.id())).count();
    List<String> chosen = activeBlue.stream().sorted()
        .limit(tasksToDrain(admittedGreen, activeBlue.size(), target, goal)).toList();
    int next = green.instances() < goal
        ? GrowthPolicy.next(green.instances(), blue.instances(), goal, rec.options().linearIncrease()) : 0;
    boolean keep = !rec.options().keepPrevious().isZero();
    DeploymentRecord.Builder b = rec.toBuilder().retiredTaskIds(TaskSets.union(rec.retiredTaskIds(), chosen))
        .plannedGreenInstances(next);
    if (!chosen.isEmpty() && !keep) {
      b.phase(Phase.DRAIN_BLUE).drain(DrainState.of(chosen, d.now()));
    } else {
      b.phase(Phase.SCALE_GREEN).healthDeadline(d.now().plus(rec.options().healthTimeout()));
    }
    d.go(b);
    if (!chosen.isEmpty()) {
      d.fleet().apply(Optional.of(green), blueApp);
      d.emit(EventKind.TRAFFIC_SHIFTED, "blue tasks " + chosen + " set to drain");
    }
    return Tick.proceed();
  }
}
