package io.zdd.coordinator.engine.port;

import java.time.Duration;

/** Waits between steps; tests pass one that advances a fake clock instead of sleeping. */
@FunctionalInterface
public interface Sleeper {
  void sleep(Duration duration) throws InterruptedException;

  static Sleeper real() {
    return d -> Thread.sleep(Math.max(0, d.toMillis()));
  }
}
