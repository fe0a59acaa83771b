package io.zdd.coordinator.engine;

/** Sub-steps of a rollback, in order; persisted like phases. */
public enum RollbackStep {
  /** Scale blue back to its original count if tasks were killed, and wait until it serves. */
  RESTORE_BLUE,
  /** Traffic back to blue on every LB (weights or the port REDIRECT), green at weight 0. */
  ROUTE_TO_BLUE,
  /** Wait until no LB holds a connection to green (and its pending gauge reads 0). */
  DRAIN_GREEN,
  /** Delete the green app and drop its servers. */
  DELETE_GREEN
}
