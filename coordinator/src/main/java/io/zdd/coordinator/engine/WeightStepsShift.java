package io.zdd.coordinator.engine;

import io.zdd.coordinator.engine.port.AppStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Weight steps ({@code --traffic 10,50,100}): each step's split ({@link WeightSplit}) applied and
 * read back on every LB, then a timed pause or a hold until promote; at 100 % blue drains.
 *
 * <p>Order of a tick that moves to a new step (the first, the one after a pause, a promoted one):
 * the step is decided from the record and the clock alone, so when green and blue were read by the
 * tick before ({@link Deployment#recentApps}) the new split goes out at once, composed from those
 * reads and saved with its version in one write before the send; Marathon is read again after the
 * send, and the step's bookkeeping (applied at, event) follows. Without such reads (a new leader,
 * a long hold) Marathon is read first, as on any other tick.
 *
 * <p>With canary analysis ({@link CanaryAnalysis}) a step ends when its analysis passed and its
 * pause (if any) is over, without a promote; the analysis runs while the step holds.
 */
final class WeightStepsShift implements TrafficShift {
  private final Deployment d;

  WeightStepsShift(Deployment d) {
    this.d = d;
  }

  @Override
  public Tick shift() {
    Optional<Tick> early = sendDecidedStep();
    if (early.isPresent()) {
      return early.get();
    }
    DeploymentRecord rec = d.rec();
    AppStatus green = d.getApp(rec.greenAppId());
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
    Optional<Tick> gated = d.analysis().gate();
    if (gated.isPresent()) {
      return gated.get();
    }
    Duration pause = rec.options().stepPause();
    if (!pause.isZero() || analysed(rec)) {
      Duration left = Duration.between(d.now(), d.rec().traffic().stepStartedAt().plus(pause));
      if (left.isNegative() || left.isZero()) {
        if (nextIsFinal(d.rec())) {
          Optional<Tick> unconfirmed = d.analysis().confirmPromotion();
          if (unconfirmed.isPresent()) {
            return unconfirmed.get();
          }
        }
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

  /**
   * Moves to the step the record and the clock call for (the first; the next once the pause is
   * over) and, while that step is not applied yet and green and blue were read recently, sends its
   * split before anything else (see the class comment). Returns a tick only when the fleet did not
   * take it; the caller then goes on with fresh reads.
   */
  private Optional<Tick> sendDecidedStep() {
    DeploymentRecord rec = d.rec();
    TrafficState step = decided(rec);
    if (step.stepStartedAt() != null) {
      return Optional.empty();
    }
    boolean moved = !step.equals(rec.traffic());
    DeploymentRecord next = moved ? rec.toBuilder().traffic(step).build() : rec;
    Optional<Deployment.Apps> apps = d.recentApps().filter(a -> a.blue().isPresent());
    if (apps.isEmpty()) {
      if (moved) {
        d.save(next);
      }
      return Optional.empty();
    }
    FleetConvergence.Applied applied = d.fleet().apply(next, Optional.of(apps.get().green()), apps.get().blue());
    if (!applied.converged()) {
      return Optional.of(d.fleet().waitConverged("traffic step " + step.greenPercent(rec.options().trafficSteps()) + "%",
          applied));
    }
    return Optional.empty();
  }

  /**
   * The step to be at now, from the record and the clock alone: no Marathon data is needed for it.
   * A step is over once its pause passed and, when analysis gates it, its analysis passed; the
   * switch to 100 % also waits for the confirm-promotion webhooks (asked in {@link #shift}).
   */
  private TrafficState decided(DeploymentRecord rec) {
    TrafficState t = rec.traffic();
    if (t.step() < 0) {
      return t.atStep(0);
    }
    boolean more = t.step() + 1 < rec.options().trafficSteps().size() && t.greenPercent(rec.options().trafficSteps()) < 100;
    if (more && stepOver(rec) && !(nextIsFinal(rec) && d.analysis().needsConfirmation(rec))) {
      return t.atStep(t.step() + 1);
    }
    return t;
  }

  private boolean stepOver(DeploymentRecord rec) {
    TrafficState t = rec.traffic();
    Duration pause = rec.options().stepPause();
    if (t.stepStartedAt() == null || t.awaitingPromote() || (pause.isZero() && !analysed(rec))
        || d.now().isBefore(t.stepStartedAt().plus(pause))) {
      return false;
    }
    return !analysed(rec) || (rec.analysis().step() == t.step() && rec.analysis().open());
  }

  private static boolean analysed(DeploymentRecord rec) {
    return rec.options().analysis().isPresent();
  }

  private static boolean nextIsFinal(DeploymentRecord rec) {
    List<Integer> steps = rec.options().trafficSteps();
    int next = rec.traffic().step() + 1;
    return next < steps.size() && steps.get(next) == 100;
  }
}
