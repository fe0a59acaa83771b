package io.zdd.coordinator.engine;

/** Phases of a deployment (docs/architecture.md); the record is saved with the phase before it acts. */
public enum Phase {
  PREFLIGHT,
  CREATE_GREEN,
  SCALE_GREEN,
  SHIFT_TRAFFIC,
  DRAIN_BLUE,
  KILL_BLUE,
  KEEP_PREVIOUS,
  FINISH,
  ROLLBACK,
  DONE
}
