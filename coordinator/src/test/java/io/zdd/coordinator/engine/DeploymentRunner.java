package io.zdd.coordinator.engine;

import io.zdd.coordinator.engine.port.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Drives a {@link Deployment} tick by tick. {@link #runUntilDoneOrHeld()} blocks the calling thread
 * with a sleeper that advances a fake clock, so engine tests run a deployment to its end without
 * waiting (the coordinator schedules ticks instead: DeploymentDriver).
 */
final class DeploymentRunner {
  /** A run of immediate CONTINUEs this long means the state machine is looping without progress. */
  static final int MAX_CONSECUTIVE_STEPS = 10_000;

  private final Deployment deployment;
  private final Sleeper sleeper;
  private final Clock clock;

  DeploymentRunner(Deployment deployment, Sleeper sleeper, Clock clock) {
    this.deployment = deployment;
    this.sleeper = sleeper;
    this.clock = clock;
  }

  /** Ticks until the deployment is DONE or HELD (paused, or waiting for promote). */
  public Tick runUntilDoneOrHeld() throws InterruptedException {
    return runFor(null);
  }

  /**
   * Like {@link #runUntilDoneOrHeld()}, but returns the last WAIT tick once {@code budget} has
   * passed on the clock (a deployment waiting forever under the WAIT drain policy, for example).
   */
  public Tick runFor(Duration budget) throws InterruptedException {
    Instant until = budget == null ? null : clock.instant().plus(budget);
    int steps = 0;
    while (true) {
      Tick t = deployment.tick();
      switch (t.kind()) {
        case DONE, HELD -> {
          return t;
        }
        case CONTINUE -> {
          if (++steps > MAX_CONSECUTIVE_STEPS) {
            throw new IllegalStateException("deployment " + deployment.id() + " made " + steps
                + " steps without waiting; phase " + deployment.record().phase());
          }
        }
        case WAIT -> {
          steps = 0;
          if (until != null && !clock.instant().isBefore(until)) {
            return t;
          }
          sleeper.sleep(t.delay());
        }
      }
    }
  }
}
