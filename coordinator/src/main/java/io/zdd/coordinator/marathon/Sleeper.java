package io.zdd.coordinator.marathon;

import java.time.Duration;

/** Waits between retries; injected so tests run without really waiting. */
@FunctionalInterface
public interface Sleeper {
  Sleeper SYSTEM = d -> Thread.sleep(d.toMillis(), (int) (d.toNanosPart() % 1_000_000));

  void sleep(Duration duration) throws InterruptedException;
}
