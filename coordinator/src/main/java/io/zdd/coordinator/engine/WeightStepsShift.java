package io.zdd.coordinator.engine;

import io.zdd.coordinator.engine.port.AppStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Weight steps ({@code --traffic 10,50,100}): each step's split ({@link WeightSplit}) applied and
 * read back on every LB, then a timed pause or a hold until promote; at 100 % blue drains.
 */
final class WeightStepsShift implements TrafficShift {
  private final Deployment d;

  WeightStepsShift(Deployment d) {
    this.d = d;
  }

  @Override
  public Tick shift() {
    if (d.rec().traffic().step() < 0) {
      d.save(d.rec().toBuilder().traffic(d.rec().traffic().atStep(0)).build());
    }
    DeploymentRecord rec = d.rec();
    AppStatus green = d.ports().marathon().getApp(rec.greenAppId());
    Optional<AppStatus> blue = d.blueApp();
    if (blue.isEmpty()) {
      return d.rollout().finalizeSwitch(List.of());
    }
    int percent = rec.traffic().greenPercent(rec.options().trafficSteps());
    FleetConvergence.Applied applied = d.fleet().apply(Optional.of(green), blue);
    if (!applied.converged()) {
      return d.fleet().waitConverged("traffic step " + percent + "%", applied);
    }
    if (d.rec().traffic().stepStartedAt() == null) {
      d.save(d.rec().toBuilder().traffic(d.rec().traffic().stepApplied(d.now())).build());
      d.emit(EventKind.TRAFFIC_SHIFTED, "step " + (rec.traffic().step() + 1) + "/" + rec.options().trafficSteps().size()
          + ": green requested " + percent + "%, effective " + d.fleet().greenShare() + "% on every LB");
    }
    if (percent == 100) {
      return d.rollout().finalizeSwitch(TaskSets.remainingBlue(d.rec(), blue.get()));
    }
    Duration pause = rec.options().stepPause();
    if (!pause.isZero()) {
      Duration left = Duration.between(d.now(), d.rec().traffic().stepStartedAt().plus(pause));
      if (left.isNegative() || left.isZero()) {
        d.save(d.rec().toBuilder().traffic(d.rec().traffic().atStep(rec.traffic().step() + 1)).build());
        return Tick.proceed();
      }
      return Tick.waitFor(Deployment.min(left, rec.options().stepDelay()), "step pause");
    }
    if (!d.rec().traffic().awaitingPromote()) {
      d.save(d.rec().toBuilder().traffic(d.rec().traffic().held()).build());
      d.emit(EventKind.WAITING_FOR_PROMOTE, "holding green at " + percent + "%; promote to continue, abort to roll back");
    }
    return Tick.held("waiting for promote at " + percent + "%");
  }
}
