package io.zdd.coordinator.engine;

import java.util.Optional;

/** Pure: whether an operator's request applies to a deployment's record, and what it changes. */
final class ControlRules {
  private ControlRules() {}

  /** Why {@code control} cannot apply to {@code r}; empty when it can. */
  static Optional<String> refusal(Control control, DeploymentRecord r) {
    if (!r.running()) {
      return Optional.of("deployment " + r.id() + " already finished (" + r.outcome() + "); cannot " + control.verb());
    }
    if (control != Control.PROMOTE) {
      return Optional.empty();
    }
    if (r.phase() != Phase.SHIFT_TRAFFIC) {
      return Optional.of("deployment " + r.id() + " is in " + r.phase() + "; nothing to promote");
    }
    return heldStep(r) || heldCanary(r) ? Optional.empty()
        : Optional.of("deployment " + r.id() + " is not held at a canary or traffic step");
  }

  /**
   * The record with {@code control}'s effect, for a control that applies ({@link #refusal} is
   * empty). Pause and resume set the hold; promote moves a traffic step on, or a canary to the
   * full target. An abort is a rollback ({@link Rollback#start}); here, during one, it changes nothing.
   */
  static DeploymentRecord.Builder effect(Control control, DeploymentRecord r) {
    return switch (control) {
      case PAUSE -> r.toBuilder().paused(true);
      case RESUME -> r.toBuilder().paused(false);
      case PROMOTE -> heldStep(r) ? r.toBuilder().traffic(r.traffic().released().atStep(r.traffic().step() + 1))
          : r.toBuilder().traffic(r.traffic().released()).goalInstances(r.targetInstances());
      case ABORT -> r.toBuilder();
    };
  }

  private static boolean heldStep(DeploymentRecord r) {
    return r.options().strategy() == ShiftStrategy.WEIGHT_STEPS && r.traffic().stepStartedAt() != null;
  }

  private static boolean heldCanary(DeploymentRecord r) {
    return r.traffic().awaitingPromote() && r.goalInstances() < r.targetInstances();
  }
}
