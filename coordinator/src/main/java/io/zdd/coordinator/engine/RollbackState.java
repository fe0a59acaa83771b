package io.zdd.coordinator.engine;

/**
 * Where a rollback is and why it runs, a part of the {@link DeploymentRecord}; {@link #NONE}
 * outside the ROLLBACK phase. The reason is given once, when the rollback starts, and each
 * {@link RollbackStep} keeps it: it ends up in the deployment's final message (see {@link Rollback}).
 *
 * @param step the rollback's current step; null unless rolling back
 * @param reason why it rolled back; empty otherwise
 */
public record RollbackState(RollbackStep step, String reason) {
  /** Not rolling back. */
  public static final RollbackState NONE = new RollbackState(null, "");

  public RollbackState {
    reason = reason == null ? "" : reason;
  }

  /** A rollback starting at its first step. */
  public static RollbackState of(String reason) {
    return new RollbackState(RollbackStep.RESTORE_BLUE, reason);
  }

  /** The same rollback, moved on to {@code next}. */
  RollbackState at(RollbackStep next) {
    return new RollbackState(next, reason);
  }

  /** True at {@code s} (false when not rolling back). */
  boolean is(RollbackStep s) {
    return step == s;
  }
}
