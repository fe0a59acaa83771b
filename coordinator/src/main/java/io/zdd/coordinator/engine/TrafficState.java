package io.zdd.coordinator.engine;

import java.time.Instant;
import java.util.List;

/**
 * How far new traffic has moved from blue to green, a part of the {@link DeploymentRecord}: the
 * state each {@link TrafficShift} strategy keeps between ticks, and what the backend sets are
 * composed from ({@link BackendSetComposer}). A weight-steps shift moves {@code step} on; a canary
 * or a step without a pause holds with {@code awaitingPromote}; a port swap sets {@code swapped};
 * and once green takes all new traffic, {@code complete} is set and the blue still running drains
 * for the last time.
 *
 * @param step traffic step index (WEIGHT_STEPS); -1 before the first
 * @param stepStartedAt when the current step was applied everywhere; null before
 * @param awaitingPromote held at a canary or traffic step until promote
 * @param swapped PORT_SWAP: the public port points at green
 * @param complete green takes all new traffic: the drain in progress (or after keep-previous)
 *     retires the last blue tasks
 */
public record TrafficState(int step, Instant stepStartedAt, boolean awaitingPromote, boolean swapped,
    boolean complete) {
  /** Before any traffic moved. */
  public static final TrafficState START = new TrafficState(-1, null, false, false, false);

  /** Green's share in percent at the current step of {@code trafficSteps}; 0 before the first. */
  int greenPercent(List<Integer> trafficSteps) {
    return step < 0 ? 0 : trafficSteps.get(step);
  }

  /** At step {@code index}, not yet applied everywhere. */
  TrafficState atStep(int index) {
    return new TrafficState(index, null, awaitingPromote, swapped, complete);
  }

  /** The current step applied on every LB {@code at}. */
  TrafficState stepApplied(Instant at) {
    return new TrafficState(step, at, awaitingPromote, swapped, complete);
  }

  /** Held until an operator promotes. */
  TrafficState held() {
    return new TrafficState(step, stepStartedAt, true, swapped, complete);
  }

  /** No longer held (promoted, finished or rolling back). */
  TrafficState released() {
    return new TrafficState(step, stepStartedAt, false, swapped, complete);
  }

  TrafficState withSwapped(boolean to) {
    return new TrafficState(step, stepStartedAt, awaitingPromote, to, complete);
  }

  /** Green takes all new traffic: nothing holds any more. */
  TrafficState completed() {
    return new TrafficState(step, stepStartedAt, false, swapped, true);
  }
}
