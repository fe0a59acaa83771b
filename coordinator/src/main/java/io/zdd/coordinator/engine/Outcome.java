package io.zdd.coordinator.engine;

/** How a deployment ended; RUNNING until then. */
public enum Outcome {
  RUNNING,
  /** Green serves all traffic and blue is removed. */
  SUCCEEDED,
  /** Traffic is back on blue and green is removed. */
  ROLLED_BACK,
  /** Stopped in a state an operator must look at; the message says why. */
  FAILED
}
