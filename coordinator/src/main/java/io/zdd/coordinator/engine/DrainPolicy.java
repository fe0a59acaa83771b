package io.zdd.coordinator.engine;

/** What happens when servers being drained still hold connections at max-wait. */
public enum DrainPolicy {
  /** Keep waiting; the deployment reports itself stuck in drain (a warning event). */
  WAIT,
  /** Cut the remaining sessions on every LB, then wait for the counts to reach 0. */
  SHUTDOWN,
  /** Roll the deployment back. */
  ABORT
}
