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
    if (d.rec().step() < 0) {
      d.save(d.rec().toBuilder().step(0).stepStartedAt(null).build());
    }
    DeploymentRecord rec = d.rec();
    AppStatus green = d.ports().marathon().getApp(rec.greenAppId());
    Optional<AppStatus> blue = d.blueApp();
    if (blue.isEmpty()) {
      return d.rollout().finalizeSwitch(List.of());
    }
    int percent = rec.options().trafficSteps().get(rec.step());
    FleetConvergence.Applied applied = d.fleet().apply(Optional.of(green), blue);
    if (!applied.converged()) {
      return d.fleet().waitConverged("traffic step " + percent + "%", applied);
    }
    if (d.rec().stepStartedAt() == null) {
      d.save(d.rec().toBuilder().stepStartedAt(d.now()).build());
      d.emit(EventKind.TRAFFIC_SHIFTED, "step " + (rec.step() + 1) + "/" + rec.options().trafficSteps().size()
          + ": green requested " + percent + "%, effective " + d.fleet().greenShare() + "% on every LB");
    }
    if (percent == 100) {
      return d.rollout().finalizeSwitch(TaskSets.remainingBlue(d.rec(), blue.get()));
    }
    Duration pause = rec.options().stepPause();
    if (!pause.isZero()) {
      Duration left = Duration.between(d.now(), d.rec().stepStartedAt().plus(pause));
      if (left.isNegative() || left.isZero()) {
        d.save(d.rec().toBuilder().step(rec.step() + 1).stepStartedAt(null).build());
        return Tick.proceed();
      }
      return Tick.waitFor(Deployment.min(left, rec.options().stepDelay()), "step pause");
    }
    if (!d.rec().awaitingPromote()) {
      d.save(d.rec().toBuilder().awaitingPromote(true).build());
      d.emit(EventKind.WAITING_FOR_PROMOTE, "holding green at " + percent + "%; promote to continue, abort to roll back");
    }
    return Tick.held("waiting for promote at " + percent + "%");
  }
}
