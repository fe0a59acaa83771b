package io.zdd.coordinator.engine;

import java.util.Locale;
import java.util.Optional;

/** Pure: whether an operator's request applies to a deployment's record, and what it changes. */
final class ControlRules {
  private ControlRules() {}

  /** Why {@code control} cannot apply to {@code r}; empty when it can. */
  static Optional<String> refusal(Control control, DeploymentRecord r) {
    if (!r.running()) {
      return Optional.of("deployment " + r.id() + " already finished (" + r.outcome() + "); cannot " + control.verb());
    }
    if (control != Control.PROMOTE && control != Control.SKIP_ANALYSIS) {
      return Optional.empty();
    }
    if (r.phase() != Phase.SHIFT_TRAFFIC) {
      return Optional.of("deployment " + r.id() + " is in " + r.phase() + "; nothing to promote");
    }
    boolean analysed = r.options().analysis().isPresent();
    if (control == Control.SKIP_ANALYSIS) {
      return analysed && (heldStep(r) || analysedCanary(r)) ? Optional.empty()
          : Optional.of("deployment " + r.id() + (analysed ? " has no traffic step applied yet" : " has no analysis to skip"));
    }
    if (analysed && (heldStep(r) || analysedCanary(r))) {
      return Optional.of("deployment " + r.id() + "'s traffic steps are gated by analysis '" + r.options().analysis().get()
          + "' (" + r.analysis().result().name().toLowerCase(Locale.ROOT) + ": " + r.analysis().summary()
          + "); they move on when it passes, or with promote --skip-analysis");
    }
    return heldStep(r) || heldCanary(r) ? Optional.empty()
        : Optional.of("deployment " + r.id() + " is not held at a canary or traffic step");
  }

  /**
   * The record with {@code control}'s effect, for a control that applies ({@link #refusal} is
   * empty). Pause and resume set the hold; promote moves a traffic step on, or a canary to the
   * full target; promote --skip-analysis moves a gated step on and releases the analysis' pause;
   * resume after an analysis stopped restarts the step's analysis. An abort is a rollback
   * ({@link Rollback#start}); here, during one, it changes nothing.
   */
  static DeploymentRecord.Builder effect(Control control, DeploymentRecord r) {
    return switch (control) {
      case PAUSE -> r.toBuilder().paused(true);
      case RESUME -> r.toBuilder().paused(false)
          .analysis(r.analysis().halted() ? r.analysis().restartedAt(null) : r.analysis());
      case PROMOTE -> heldStep(r) ? r.toBuilder().traffic(r.traffic().released().atStep(r.traffic().step() + 1))
          : r.toBuilder().traffic(r.traffic().released()).goalInstances(r.targetInstances());
      case ABORT -> r.toBuilder();
      case SKIP_ANALYSIS -> analysedCanary(r)
          ? r.toBuilder().paused(false).analysis(r.analysis().skipped("skipped by operator")).traffic(r.traffic().released())
              .goalInstances(r.targetInstances())
          : r.toBuilder().paused(false).analysis(r.analysis().skipped("skipped by operator"))
              .traffic(r.traffic().released().atStep(r.traffic().step() + 1));
    };
  }

  private static boolean heldStep(DeploymentRecord r) {
    return r.options().strategy() == ShiftStrategy.WEIGHT_STEPS && r.traffic().stepStartedAt() != null;
  }

  /** A canary by instance count whose hold analysis gates (holding, or started). */
  private static boolean analysedCanary(DeploymentRecord r) {
    return r.options().strategy() != ShiftStrategy.WEIGHT_STEPS && r.goalInstances() < r.targetInstances();
  }

  private static boolean heldCanary(DeploymentRecord r) {
    return r.traffic().awaitingPromote() && r.goalInstances() < r.targetInstances();
  }
}
