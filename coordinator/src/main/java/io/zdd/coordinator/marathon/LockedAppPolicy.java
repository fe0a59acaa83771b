package io.zdd.coordinator.marathon;

import java.time.Duration;
import java.util.Objects;

/**
 * What a write does when Marathon answers 409 "App is locked by one or more deployments": retry
 * with backoff for up to {@code maxWait} (the deployment usually finishes by itself), then either
 * fail with a {@link io.zdd.common.error.ConflictException} or repeat the write with
 * {@code ?force=true}, which cancels the blocking deployment.
 *
 * @param maxWait how long to keep retrying a locked app; zero means fail or force at once
 * @param forceAfterWait whether to force once {@code maxWait} has passed
 */
public record LockedAppPolicy(Duration maxWait, boolean forceAfterWait) {
  public LockedAppPolicy {
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative");
    }
  }

  /** Wait up to {@code maxWait}, then fail: zdd never cancels someone else's deployment unasked. */
  public static LockedAppPolicy waitThenFail(Duration maxWait) {
    return new LockedAppPolicy(maxWait, false);
  }

  public static LockedAppPolicy waitThenForce(Duration maxWait) {
    return new LockedAppPolicy(maxWait, true);
  }
}
