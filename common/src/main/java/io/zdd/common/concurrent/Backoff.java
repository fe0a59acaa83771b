package io.zdd.common.concurrent;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter: attempt n waits {@code c * (1 - jitter * r)} with
 * {@code c = min(max, initial * multiplier^n)} and r uniform in [0, 1), so jitter 1 is full
 * jitter and the {@link #standard()} 0.2 takes up to a fifth off each delay. The caller owns one instance per retried thing and calls
 * {@link #reset()} after a success (for streams: after the first message, not on connect).
 * Not thread-safe.
 */
public final class Backoff {
  private final Duration initial;
  private final Duration max;
  private final double multiplier;
  private final double jitter;
  private final DoubleSupplier random;
  private int attempt;

  /**
   * @param jitter fraction of each delay that is randomised, 0 (none) .. 1 (full jitter)
   * @param random source of uniform values in [0, 1); injected so tests are deterministic
   */
  public Backoff(Duration initial, Duration max, double multiplier, double jitter, DoubleSupplier random) {
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial must be positive");
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max must be >= initial");
    }
    if (multiplier < 1.0) {
      throw new IllegalArgumentException("multiplier must be >= 1");
    }
    if (jitter < 0 || jitter > 1) {
      throw new IllegalArgumentException("jitter must be in [0, 1]");
    }
    this.initial = initial;
    this.max = max;
    this.multiplier = multiplier;
    this.jitter = jitter;
    this.random = Objects.requireNonNull(random);
  }

  /** 100 ms doubling up to 10 s with 20 % jitter: the default for reconnects and retries. */
  public static Backoff standard() {
    return new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0, 0.2, Math::random);
  }

  /** The delay before the next attempt; advances the attempt counter. */
  public Duration nextDelay() {
    double ceiling = Math.min((double) max.toNanos(), initial.toNanos() * Math.pow(multiplier, attempt));
    if (attempt < 62) {
      attempt++;
    }
    double r = random.getAsDouble();
    double nanos = ceiling * (1.0 - jitter * r);
    return Duration.ofNanos((long) Math.max(nanos, 1));
  }

  /** Number of delays handed out since the last reset. */
  public int attempts() {
    return attempt;
  }

  public void reset() {
    attempt = 0;
  }
}
