package io.zdd.common.testing;

import java.time.Duration;

/**
 * How long a test waits for something real (a process, a socket, ZooKeeper) before it fails:
 * the written bound times {@code ZDD_TEST_TIMEOUT_MULTIPLIER} (default 1), so a slow machine can
 * stretch every wait at once instead of each test guessing. Bounds only: tests never sleep on it.
 */
public final class Timing {
  private static final double MULTIPLIER = multiplier(System.getenv("ZDD_TEST_TIMEOUT_MULTIPLIER"));

  private Timing() {}

  /** {@code bound} stretched by the multiplier. */
  public static Duration scaled(Duration bound) {
    return Duration.ofNanos((long) (bound.toNanos() * MULTIPLIER));
  }

  public static Duration seconds(long s) {
    return scaled(Duration.ofSeconds(s));
  }

  static double multiplier(String value) {
    if (value == null || value.isBlank()) {
      return 1.0;
    }
    double m = Double.parseDouble(value.trim());
    if (!(m >= 1.0 && m <= 100.0)) {
      throw new IllegalArgumentException("ZDD_TEST_TIMEOUT_MULTIPLIER must be in [1, 100], got " + value);
    }
    return m;
  }
}
