package io.zdd.coordinator.engine;

/** Kinds of deployment events (mirrors admin.proto's EventKind). */
public enum EventKind {
  PHASE_CHANGED,
  TRAFFIC_SHIFTED,
  DRAIN_PROGRESS,
  TASKS_KILLED,
  MARATHON_CALL,
  WAITING_FOR_PROMOTE,
  EPOCH_CHANGED,
  WARNING,
  FINISHED,
  /** An operator acted on the deployment: the audit trail. */
  OPERATOR_ACTION,
  /** A canary analysis measurement (with each check's result) or decision. */
  ANALYSIS
}
